package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/agent"
	"xtrace/capture"
	"xtrace/internal/linux"
	"xtrace/procfs"
	"xtrace/record"
	"xtrace/scap"
	"xtrace/tracer"
)

// Exit statuses for a command that cannot be run, as shells use them.
const (
	exitNotFound   = 127
	exitCannotExec = 126
)

// runRecord records a command (cli.Command) or attaches to running
// processes (cli.PID) and writes a capture file (-w, -zw; rotated with -C,
// -G, -W, -e) or prints the events live in the default format.
func runRecord(ctx context.Context, cli *CLI, stdout, stderr io.Writer) error {
	var pids []int
	if cli.PID != "" {
		if len(cli.Command) > 0 {
			return errors.New("xtrace: give either -p PID to attach or a command after --, not both")
		}
		var err error
		if pids, err = parsePIDs(cli.PID); err != nil {
			return err
		}
	}
	if err := checkLimits(cli); err != nil {
		return err
	}
	var err error
	var path string
	if pids == nil {
		var err error
		if path, err = lookCommand(cli.Command[0]); err != nil {
			return err
		}
	}

	filterExpr := strings.Join(cli.Filter, " ")
	var (
		out     record.Output
		file    *record.File
		limiter interface{ SetOnLimit(func()) }
	)
	var flight *record.Ring
	if cli.Ring != "" || cli.Trigger != "" {
		if cli.Ring == "" {
			return errors.New("xtrace: --trigger needs --ring SIZE")
		}
		if flight, err = newRingOutput(cli, stderr); err != nil {
			return err
		}
		out = flight
	} else if cli.Write != "" {
		match, err := compileFilter(filterExpr)
		if err != nil {
			return err
		}
		if file, err = openFileOutput(cli); err != nil {
			return err
		}
		out = file
		if match != nil || rotationOf(cli).Active() {
			// A filter needs the state engine; so does a rotation,
			// for the headers of the files after the first.
			var limit int64
			if match != nil {
				limit = cli.NumEvents
			}
			fo := record.NewFilter(file, match, true, limit)
			out = fo
			if match != nil {
				limiter = fo
			}
		}
	} else {
		lo, err := newLiveOutput(ctx, cli, stdout)
		if err != nil {
			return err
		}
		out = lo
		if filterExpr != "" {
			limiter = lo
		}
	}
	if !cli.snap.Uniform() {
		out = record.NewSnaplen(out, cli.snap)
	}
	// -n: the tracer counts events when all of them are written; with a
	// filter the output counts those that pass it.
	maxEvents := cli.NumEvents
	if limiter != nil {
		maxEvents = 0
	}

	const nbatches = 8
	full := make(chan *tracer.Batch, nbatches)
	free := make(chan *tracer.Batch, nbatches)
	for _, b := range tracer.NewBatches(nbatches, 1<<20) {
		free <- b
	}
	opts := tracer.Options{
		Path:      path,
		Args:      cli.Command,
		Syscalls:  captureSyscalls(filterExpr),
		Snaplen:   cli.snap.Max(),
		PinTracer: os.Getenv("XTRACE_PIN") != "0",
		PinTree:   os.Getenv("XTRACE_PIN") == "tree",
		Spin:      envInt("XTRACE_SPIN"),
		Full:      full,
		Free:      free,
		MaxEvents: maxEvents,
		Context:   ctx,
	}
	inj, err := setupInject(cli, &opts)
	if err != nil {
		out.Abort()
		return err
	}
	var t recorder
	// The header: the machine as it is when recording starts. For a
	// launched command the machine-wide part is read while the helper
	// starts (they take about as long), and the helper's own entries
	// once it waits for its go; attached threads are read stopped.
	snapOpts := procfs.SnapshotOptions{ExcludeUsers: cli.ExcludeUsers}
	type snapshot struct {
		h   *scap.Header
		err error
	}
	snap := make(chan snapshot, 1)
	if pids == nil {
		go func() {
			h, err := procfs.Snapshot(snapOpts)
			snap <- snapshot{h, err}
		}()
	}
	// Interrupts wait from here for the handler below: the agent's
	// command starts before the header is written.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT)
	defer signal.Stop(sigs)
	noNewPrivs := false
	backend, err := chooseBackend(cli, pids, path, inj != nil)
	if err != nil {
		out.Abort()
		return err
	}
	switch {
	case pids != nil:
		t, err = tracer.Attach(opts, pids)
	case backend == "agent":
		t, err = agent.Launch(agent.Options{
			Path: opts.Path, Args: opts.Args, Snaplen: opts.Snaplen,
			Full: full, Free: free, MaxEvents: maxEvents, Context: ctx,
			Handover: cli.Backend == "auto",
		})
	default:
		noNewPrivs = !hasCapSysAdmin()
		opts.NoNewPrivs = noNewPrivs
		t, err = tracer.Launch(opts)
	}
	if err != nil {
		out.Abort()
		var ae *tracer.AttachError
		if errors.As(err, &ae) {
			return explainRecordError(fmt.Errorf("xtrace: attach: pid %d: %s", ae.PID, ae.Msg))
		}
		return explainRecordError(fmt.Errorf("xtrace: %w", err))
	}
	if limiter != nil {
		limiter.SetOnLimit(func() { t.EndCapture("event limit reached") })
	}
	// The agent's command starts now, while the snapshot is read: its
	// records wait in the rings (and its first image for xtrace) until
	// the header is written. The ptrace backend's helper waits for its
	// go, after the header, as the tracer must see it stopped.
	forked := backend == "agent" && pids == nil
	if forked {
		t.Start()
	}
	if noNewPrivs && !cli.Quiet {
		fmt.Fprintln(stderr, "xtrace: running without CAP_SYS_ADMIN: the command runs with no_new_privs, so setuid programs in it do not gain privileges")
	}

	var hdr *scap.Header
	if pids == nil {
		r := <-snap
		hdr, err = r.h, r.err
		switch {
		case err != nil:
		case forked && t.PID() != 0:
			// The fork of xtrace whose execve event turns it into
			// the command.
			err = addForked(hdr, t.PID(), cli.Command[0])
		case !forked:
			// The helper, whose execve event turns it into the
			// command.
			err = addProcess(hdr, t.PID())
		}
	} else {
		hdr, err = procfs.Snapshot(snapOpts)
	}
	if err != nil {
		hdr = &scap.Header{}
		fmt.Fprintf(stderr, "xtrace: reading /proc for the capture header: %v (writing a minimal header)\n", err)
	}
	if pids != nil {
		backend = "ptrace"
	}
	hdr.Recorder = "backend=" + backend
	werr := make(chan error, 1)
	if err := out.Header(hdr); err != nil {
		werr <- err
		t.EndCapture("write error")
	}

	// Writer: batches in, blocks out, off the tracer's thread.
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		failed := len(werr) > 0
		for b := range full {
			if !failed && !out.Closed() {
				if err := out.Write(b); err != nil {
					failed = true
					werr <- err
					t.EndCapture("write error")
				}
			}
			free <- b
		}
	}()

	// Interrupts. A launched command gets the signal (after a SIGCONT),
	// as strace does on interrupt, keeps being recorded while it
	// reacts, and what is still running after a grace period is killed.
	// A terminal's SIGINT, SIGQUIT or SIGHUP already reached the command
	// (it shares xtrace's foreground process group), so those are not
	// sent a second time: programs that count interrupts see one.
	// Attached processes get nothing: xtrace detaches from them.
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
	if pids != nil && ctx.Err() != nil {
		// Interrupted while the threads were held for the snapshot.
		interrupted.store(unix.SIGINT)
		t.Stop("interrupted", 0, false)
	}
	if cli.Duration > 0 {
		timer := time.AfterFunc(time.Duration(cli.Duration)*time.Second, func() {
			t.EndCapture(fmt.Sprintf("duration of %ds reached", cli.Duration))
			out.FinishEarly()
		})
		defer timer.Stop()
	}

	var progress *capture.Progress
	if file != nil && showProgress(cli, stderr) {
		progress = capture.StartProgress(stderr, file.Stats)
	}

	if inj != nil {
		inj.Start(hdr)
	}
	if flight != nil {
		stopUSR1 := flight.OnSIGUSR1()
		defer stopUSR1()
	}
	t.Start()
	res, terr := t.Wait()
	close(full)
	<-writerDone
	cerr := out.Close()
	if progress != nil {
		progress.Stop()
	}

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
	if n := len(res.Unrecorded); n > 0 {
		fmt.Fprintf(stderr, "xtrace: %d %s ran without being recorded (the agent cannot enter them; --backend=ptrace records them): %s\n",
			n, plural(n, "program"), strings.Join(res.Unrecorded, "; "))
	}
	if writeErr == nil {
		summary := describeEnd(cli, res, interrupted.load(), file, t)
		if summary != "" && (!cli.Quiet || interrupted.load() != 0) {
			fmt.Fprintln(stderr, summary)
		}
		if file != nil && file.HeaderError() != nil {
			fmt.Fprintf(stderr, "xtrace: reading /proc for a rotated file's header: %v (that file repeats the previous header)\n", file.HeaderError())
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
		if file != nil {
			n, name := file.Kept()
			msg = fmt.Errorf("xtrace: writing %s: %w; the capture keeps its first %d events (cut after the last complete block)", name, writeErr, n)
		}
		return &exitError{code: 1, err: msg}
	case cerr != nil:
		return &exitError{code: 1, err: fmt.Errorf("xtrace: %w", cerr)}
	}
	if pids != nil {
		return nil // attached processes run on: their status is not ours
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

// addProcess puts process pid into h as a snapshot lists it (its threads
// in the PL, its fds in the main thread's FDL), replacing what h had of it.
func addProcess(h *scap.Header, pid int) error {
	procs, fds := withoutProcs(h, func(p *scap.Proc) bool { return p.PID == int64(pid) })
	fs := procfs.NewFS("")
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		return fmt.Errorf("reading process %d: %w", pid, err)
	}
	tids := []int{pid}
	for _, e := range ents {
		if tid, err := strconv.Atoi(e.Name()); err == nil && tid != pid {
			tids = append(tids, tid)
		}
	}
	for _, tid := range tids {
		var p scap.Proc
		if err := fs.Proc(pid, tid, &p); err != nil {
			if tid == pid {
				return err
			}
			continue
		}
		l := scap.FDList{TID: uint64(tid)}
		if tid == pid {
			if l.FDs, err = fs.FDs(pid, nil); err != nil {
				return err
			}
		}
		procs = append(procs, p)
		fds = append(fds, l)
	}
	h.Procs, h.FDs = procs, fds
	return nil
}

// withoutProcs returns h's threads and descriptor lists but those of the
// threads drop says to leave out.
func withoutProcs(h *scap.Header, drop func(*scap.Proc) bool) ([]scap.Proc, []scap.FDList) {
	dropped := map[uint64]bool{}
	var procs []scap.Proc
	for i := range h.Procs {
		if drop(&h.Procs[i]) {
			dropped[uint64(h.Procs[i].TID)] = true
		} else {
			procs = append(procs, h.Procs[i])
		}
	}
	var fds []scap.FDList
	for _, l := range h.FDs {
		if !dropped[l.TID] {
			fds = append(fds, l)
		}
	}
	return procs, fds
}

// addForked puts into h the launched command's process as it was before
// its execve: a fork of xtrace (the agent backend starts the command with
// fork and execve, and by now the process runs the command), so xtrace's
// own main thread with the child's ids, no page faults yet, the standard
// descriptors it passed on and, as the ptrace backend's launch helper
// has, the command's argv[0] for its arguments. What the machine-wide
// snapshot read of the command's process and the processes it started
// (it may have run meanwhile) is left out: their events describe them.
func addForked(h *scap.Header, pid int, argv0 string) error {
	inTree := map[int64]bool{int64(pid): true}
	for grew := true; grew; {
		grew = false
		for _, p := range h.Procs {
			if p.TID == p.PID && !inTree[p.PID] && inTree[p.PTID] {
				inTree[p.PID], grew = true, true
			}
		}
	}
	fs := procfs.NewFS("")
	self := os.Getpid()
	// xtrace's own entry, as the snapshot read it.
	i := slices.IndexFunc(h.Procs, func(q scap.Proc) bool { return q.TID == int64(self) })
	j := slices.IndexFunc(h.FDs, func(l scap.FDList) bool { return l.TID == uint64(self) })
	if i < 0 || j < 0 {
		return fmt.Errorf("xtrace's own process %d is not in the snapshot", self)
	}
	p, own := h.Procs[i], h.FDs[j].FDs
	procs, fds := withoutProcs(h, func(p *scap.Proc) bool { return inTree[p.PID] })
	if p.VPID == p.PID {
		p.VPID, p.VTID = int64(pid), int64(pid)
	} else {
		// In a pid namespace: the child's own numbers there, which
		// its execve kept.
		var c scap.Proc
		if err := fs.Proc(pid, pid, &c); err != nil {
			return err
		}
		p.VPID, p.VTID = c.VPID, c.VTID
	}
	p.TID, p.PID, p.PTID = int64(pid), int64(pid), int64(self)
	p.PFMajor, p.PFMinor = 0, 0
	p.Exe, p.Args = argv0, ""
	l := scap.FDList{TID: uint64(pid)}
	for _, fd := range own {
		if fd.Num <= 2 {
			l.FDs = append(l.FDs, fd)
		}
	}
	h.Procs, h.FDs = append(procs, p), append(fds, l)
	return nil
}

// parsePIDs reads -p's comma-separated pid list.
func parsePIDs(s string) ([]int, error) {
	var pids []int
	for _, f := range strings.Split(s, ",") {
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("xtrace: -p: %q is not a process id", f)
		}
		pids = append(pids, n)
	}
	if len(pids) == 0 {
		return nil, errors.New("xtrace: -p: no process id given")
	}
	return pids, nil
}

// showProgress says whether the progress line is drawn: on a terminal
// (or with -P), never with -q.
func showProgress(cli *CLI, stderr io.Writer) bool {
	if cli.Quiet {
		return false
	}
	return cli.Progress || isTerminal(stderr)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// describeEnd is the one line said on stderr when the capture did not
// simply end with the command.
func describeEnd(cli *CLI, res tracer.Result, sig syscall.Signal, file *record.File, t recorder) string {
	var b strings.Builder
	switch {
	case sig != 0:
		fmt.Fprintf(&b, "xtrace: interrupted by %s: %d events", unix.SignalName(sig), res.Events)
	case res.Stopped != "":
		fmt.Fprintf(&b, "xtrace: capture stopped (%s) after %d events", res.Stopped, res.Events)
	default:
		return ""
	}
	if file != nil {
		names := file.Names()
		if len(names) > 1 {
			fmt.Fprintf(&b, " written to %d files, %s to %s", len(names), names[0], names[len(names)-1])
		} else {
			fmt.Fprintf(&b, " written to %s", names[0])
		}
	}
	if tt, ok := t.(*tracer.Tracer); ok && res.Detached > 0 {
		fmt.Fprintf(&b, "; detached from %s", detachedCount(res, tt))
	}
	if res.Killed > 0 {
		fmt.Fprintf(&b, "; killed %d traced threads still running (a process carrying the tracer's seccomp filter cannot run without it)", res.Killed)
	}
	return b.String()
}

// detachedCount says what was given back: "3 threads in 2 processes
// (process 42 and 1 child process), which run on".
func detachedCount(res tracer.Result, t *tracer.Tracer) string {
	attached := len(t.Attached())
	s := fmt.Sprintf("%d %s in %d %s (%s", res.Detached, plural(res.Detached, "thread"),
		res.DetachedProcs, plural(res.DetachedProcs, "process"), pidList(t))
	if children := res.DetachedProcs - attached; children > 0 {
		s += fmt.Sprintf(" and %d child %s", children, plural(children, "process"))
	}
	return s + "), which run on"
}

// plural returns noun for n == 1, else its plural.
func plural(n int, noun string) string {
	switch {
	case n == 1:
		return noun
	case strings.HasSuffix(noun, "s"):
		return noun + "es"
	}
	return noun + "s"
}

// pidList names the attached processes.
func pidList(t *tracer.Tracer) string {
	var pids []int
	for pid := range t.Attached() {
		pids = append(pids, pid)
	}
	sort.Ints(pids)
	var b strings.Builder
	if len(pids) == 1 {
		b.WriteString("process ")
	} else {
		b.WriteString("processes ")
	}
	for i, p := range pids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(p))
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
func hasCapSysAdmin() bool { return linux.HasCapability(unix.CAP_SYS_ADMIN) }

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
type atomicSignal struct{ v atomic.Int32 }

func (a *atomicSignal) store(s syscall.Signal) { a.v.Store(int32(s)) }
func (a *atomicSignal) load() syscall.Signal   { return syscall.Signal(a.v.Load()) }
