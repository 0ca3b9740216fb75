package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/procfs"
	"xtrace/scap"
	"xtrace/tracer"
)

// Exit statuses for a command that cannot be run, as shells use them.
const (
	exitNotFound   = 127
	exitCannotExec = 126
)

// runRecord records a command (cli.Command) into a capture file (-w, -zw)
// or prints its events live in the default format.
func runRecord(ctx context.Context, cli *CLI, stdout, stderr io.Writer) error {
	if cli.PID != "" {
		return errors.New("xtrace: attaching to running processes (-p) is not supported yet; give the command after --")
	}
	path, err := lookCommand(cli.Command[0])
	if err != nil {
		return err
	}

	var out recordOutput
	if cli.Write != "" {
		match, err := compileFilter(strings.Join(cli.Filter, " "))
		if err != nil {
			return err
		}
		fo, err := newFileOutput(cli.Write, cli.Compress)
		if err != nil {
			return err
		}
		out = fo
		if match != nil {
			out = newFilterOutput(fo, match, cli.FatFile)
		}
	} else {
		out, err = newLiveOutput(cli, stdout)
	}
	if err != nil {
		return err
	}

	const nbatches = 8
	full := make(chan *tracer.Batch, nbatches)
	free := make(chan *tracer.Batch, nbatches)
	for _, b := range tracer.NewBatches(nbatches, 1<<20) {
		free <- b
	}
	noNewPrivs := !hasCapSysAdmin()
	t, err := tracer.Launch(tracer.Options{
		Path:       path,
		Args:       cli.Command,
		Syscalls:   captureSyscalls(strings.Join(cli.Filter, " ")),
		NoNewPrivs: noNewPrivs,
		Snaplen:    cli.Snaplen,
		PinTracer:  os.Getenv("XTRACE_PIN") != "0",
		PinTree:    os.Getenv("XTRACE_PIN") == "tree",
		Spin:       envInt("XTRACE_SPIN"),
		Full:       full,
		Free:       free,
		MaxEvents:  cli.NumEvents,
	})
	if err != nil {
		out.abort()
		return fmt.Errorf("xtrace: %w", err)
	}
	if noNewPrivs && !cli.Quiet {
		fmt.Fprintln(stderr, "xtrace: running without CAP_SYS_ADMIN: the command runs with no_new_privs, so setuid programs in it do not gain privileges")
	}

	// The header: the machine as it is now, the launched helper included
	// (its execve event turns it into the command).
	hdr, err := procfs.Snapshot(procfs.SnapshotOptions{ExcludeUsers: cli.ExcludeUsers})
	if err != nil {
		hdr = &scap.Header{}
		fmt.Fprintf(stderr, "xtrace: reading /proc for the capture header: %v (writing a minimal header)\n", err)
	}
	werr := make(chan error, 1)
	if err := out.header(hdr); err != nil {
		werr <- err
	}

	// Writer: batches in, blocks out, off the tracer's thread.
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		failed := len(werr) > 0
		for b := range full {
			if !failed && !out.closed() {
				if err := out.write(b); err != nil {
					failed = true
					werr <- err
					t.EndCapture("write error")
				}
			}
			free <- b
		}
	}()

	// Interrupts: the command gets the signal (after a SIGCONT), as
	// strace does on interrupt, keeps being recorded while it reacts,
	// and what is still running after a grace period is killed. A
	// terminal's SIGINT, SIGQUIT or SIGHUP already reached the command
	// (it shares xtrace's foreground process group), so those are not
	// sent a second time: programs that count interrupts see one.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT)
	defer signal.Stop(sigs)
	var interrupted atomicSignal
	fromTerminal := foregroundOfTerminal()
	go func() {
		for s := range sigs {
			sig := s.(syscall.Signal)
			interrupted.store(sig)
			send := sig
			if sig != unix.SIGTERM && fromTerminal {
				send = 0
			}
			t.Stop("interrupted by "+unix.SignalName(sig), send, true)
		}
	}()
	if cli.Duration > 0 {
		timer := time.AfterFunc(time.Duration(cli.Duration)*time.Second, func() {
			t.EndCapture(fmt.Sprintf("duration of %ds reached", cli.Duration))
			out.finishEarly()
		})
		defer timer.Stop()
	}
	_ = ctx // interrupts come through sigs, which also sees what ctx sees

	t.Start()
	res, terr := t.Wait()
	close(full)
	<-writerDone
	cerr := out.close()

	var writeErr error
	select {
	case writeErr = <-werr:
	default:
	}
	if res.ExecError != "" {
		return &exitError{code: res.ExitCode, err: fmt.Errorf("xtrace: %s", res.ExecError)}
	}
	if res.DecodeErrors > 0 {
		fmt.Fprintf(stderr, "xtrace: %d events could not be built (first: %v)\n", res.DecodeErrors, res.DecodeError)
	}
	if writeErr == nil {
		summary := describeEnd(cli, res, interrupted.load())
		if summary != "" && (!cli.Quiet || interrupted.load() != 0) {
			fmt.Fprintln(stderr, summary)
		}
	}
	switch {
	case terr != nil:
		return fmt.Errorf("xtrace: %w", terr)
	case writeErr != nil:
		var pe *os.PathError
		if errors.As(writeErr, &pe) {
			writeErr = pe.Err
		}
		msg := fmt.Errorf("xtrace: writing %s: %w", cli.Write, writeErr)
		fo, ok := out.(*fileOutput)
		if f, isf := out.(*filterOutput); isf {
			fo, ok = f.file, true
		}
		if ok {
			msg = fmt.Errorf("xtrace: writing %s: %w; the capture keeps its first %d events (cut after the last complete block)", cli.Write, writeErr, fo.kept())
		}
		return &exitError{code: 1, err: msg}
	case cerr != nil:
		return &exitError{code: 1, err: fmt.Errorf("xtrace: %w", cerr)}
	}
	code := res.ExitCode
	if code < 0 {
		code = 128 + int(res.Signal)
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// describeEnd is the one line said on stderr when the capture did not
// simply end with the command.
func describeEnd(cli *CLI, res tracer.Result, sig syscall.Signal) string {
	var b strings.Builder
	switch {
	case sig != 0:
		fmt.Fprintf(&b, "xtrace: interrupted by %s: %d events", unix.SignalName(sig), res.Events)
	case res.Stopped != "":
		fmt.Fprintf(&b, "xtrace: capture stopped (%s) after %d events", res.Stopped, res.Events)
	default:
		return ""
	}
	if cli.Write != "" {
		fmt.Fprintf(&b, " written to %s", cli.Write)
	}
	if res.Killed > 0 {
		fmt.Fprintf(&b, "; killed %d traced threads still running (a process carrying the tracer's seccomp filter cannot run without it)", res.Killed)
	}
	return b.String()
}

// lookCommand resolves the command as a shell would and turns failures
// into the shell's exit statuses.
func lookCommand(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err == nil {
		return path, nil
	}
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		return "", &exitError{code: exitNotFound, err: fmt.Errorf("xtrace: %s: command not found", name)}
	}
	return "", &exitError{code: exitCannotExec, err: fmt.Errorf("xtrace: %s: %w", name, err)}
}

// hasCapSysAdmin reports whether xtrace may install a seccomp filter
// without no_new_privs.
func hasCapSysAdmin() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[0].Effective&(1<<unix.CAP_SYS_ADMIN) != 0
}

// foregroundOfTerminal reports whether xtrace (and so the command, which
// stays in its process group) is the foreground job of a terminal, where
// the terminal's interrupt signals reach both.
func foregroundOfTerminal() bool {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false
	}
	defer tty.Close()
	pgrp, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && pgrp == unix.Getpgrp()
}

// envInt reads a tuning knob from the environment (0 when unset).
func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

// atomicSignal remembers the last interrupting signal.
type atomicSignal struct{ v atomicInt32 }

func (a *atomicSignal) store(s syscall.Signal) { a.v.Store(int32(s)) }
func (a *atomicSignal) load() syscall.Signal   { return syscall.Signal(a.v.Load()) }
