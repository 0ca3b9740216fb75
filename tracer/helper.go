package tracer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/seccomp"
)

// The launch helper.
//
// Go cannot run code between fork and exec, and the seccomp filter must be
// installed in the traced command's own thread before it executes. So the
// tracer starts its own binary again (/proc/self/exe) with HelperEnv set;
// the program's init calls [RunHelper], which
//
//  1. reads the filter, the path, argv and the no_new_privs choice from
//     fd 3 and answers "ready" on fd 4,
//  2. waits for the go byte on fd 3 while the tracer seizes it and takes
//     its /proc snapshot,
//  3. installs the filter on its (main) thread and execs the command.
//
// Everything before the execve is the helper, not the command; the tracer
// records from the command's execve on. The helper runs on the main
// thread because the Go runtime locks the main goroutine to it while
// package initialisers run, and the tracer seizes exactly that thread.

// HelperEnv marks a process started as the launch helper.
const HelperEnv = "XTRACE_INTERNAL_LAUNCH_HELPER"

const (
	helperCfgFD   = 3
	helperReplyFD = 4
)

// helperConfig is what the tracer sends the helper.
type helperConfig struct {
	prog       []unix.SockFilter
	noNewPrivs bool
	path       string
	argv       []string
}

func appendStr(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// encodeConfig frames the config with its length.
func encodeConfig(c *helperConfig) []byte {
	var body []byte
	body = binary.LittleEndian.AppendUint32(body, uint32(len(c.prog)))
	for _, in := range c.prog {
		body = binary.LittleEndian.AppendUint16(body, in.Code)
		body = append(body, in.Jt, in.Jf)
		body = binary.LittleEndian.AppendUint32(body, in.K)
	}
	if c.noNewPrivs {
		body = append(body, 1)
	} else {
		body = append(body, 0)
	}
	body = appendStr(body, c.path)
	body = binary.LittleEndian.AppendUint32(body, uint32(len(c.argv)))
	for _, a := range c.argv {
		body = appendStr(body, a)
	}
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(body))), body...)
}

var errBadConfig = errors.New("tracer: malformed helper configuration")

func decodeConfig(r io.Reader) (*helperConfig, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	body := make([]byte, binary.LittleEndian.Uint32(hdr[:]))
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	take := func(n int) []byte {
		if n > len(body) {
			body = nil
			return nil
		}
		p := body[:n]
		body = body[n:]
		return p
	}
	u32 := func() int {
		p := take(4)
		if p == nil {
			return 0
		}
		return int(binary.LittleEndian.Uint32(p))
	}
	str := func() string { return string(take(u32())) }
	c := &helperConfig{}
	n := u32()
	for i := 0; i < n; i++ {
		p := take(8)
		if p == nil {
			return nil, errBadConfig
		}
		c.prog = append(c.prog, unix.SockFilter{Code: binary.LittleEndian.Uint16(p), Jt: p[2], Jf: p[3], K: binary.LittleEndian.Uint32(p[4:])})
	}
	nnp := take(1)
	if nnp == nil {
		return nil, errBadConfig
	}
	c.noNewPrivs = nnp[0] == 1
	c.path = str()
	n = u32()
	for i := 0; i < n; i++ {
		c.argv = append(c.argv, str())
	}
	if body == nil {
		return nil, errBadConfig
	}
	return c, nil
}

// Helper exit statuses, as shells use them.
const (
	exitCannotExec = 126
	exitNotFound   = 127
)

// RunHelper is the launch helper's main; it never returns. The program
// calls it from an init function when HelperEnv is set.
func RunHelper() {
	if os.Getenv(HelperEnv) == helperWake {
		// A wake-up child (see Tracer.wake): its exit is the message.
		os.Exit(0)
	}
	cfgFile := os.NewFile(helperCfgFD, "config")
	reply := os.NewFile(helperReplyFD, "reply")
	fail := func(code int, msg string) {
		fmt.Fprintf(reply, "E%s", msg)
		os.Exit(code)
	}
	cfg, err := decodeConfig(cfgFile)
	if err != nil {
		fail(exitCannotExec, fmt.Sprintf("reading configuration: %v", err))
	}
	if _, err := reply.Write([]byte{'R'}); err != nil {
		os.Exit(exitCannotExec)
	}
	var goByte [1]byte
	if _, err := io.ReadFull(cfgFile, goByte[:]); err != nil || goByte[0] != 'G' {
		// The tracer went away or gave up: do not run untraced.
		os.Exit(exitCannotExec)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, HelperEnv+"=") {
			env = append(env, kv)
		}
	}
	unix.CloseOnExec(helperCfgFD)
	unix.CloseOnExec(helperReplyFD)
	if len(cfg.prog) > 0 {
		if err := seccomp.Install(cfg.prog, cfg.noNewPrivs); err != nil {
			fail(exitCannotExec, err.Error())
		}
	}
	err = syscall.Exec(cfg.path, cfg.argv, env)
	code := exitCannotExec
	if errors.Is(err, unix.ENOENT) {
		code = exitNotFound
	}
	fail(code, fmt.Sprintf("%s: %v", cfg.path, err))
}

// HelperOptions say what a launch helper runs.
type HelperOptions struct {
	// Path is the executable and Args its argv (Args[0] as given).
	Path string
	Args []string
	// Env is the command's environment (os.Environ() when nil).
	Env []string
	// Filter is the seccomp program installed before the execve (none
	// when empty); NoNewPrivs sets PR_SET_NO_NEW_PRIVS with it.
	Filter     []unix.SockFilter
	NoNewPrivs bool
	// Stdin, Stdout, Stderr of the command (os.Std* when nil).
	Stdin, Stdout, Stderr *os.File
}

// Helper is a started launch helper, waiting for its go.
type Helper struct {
	PID   int
	cfgW  *os.File
	reply *os.File
}

// StartHelper starts a launch helper (this binary again, whose init calls
// RunHelper) and returns once it waits for [Helper.Go]. The helper is a
// child of the calling process.
func StartHelper(o HelperOptions) (*Helper, error) {
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("tracer: creating helper pipe: %w", err)
	}
	repR, repW, err := os.Pipe()
	if err != nil {
		cfgR.Close()
		cfgW.Close()
		return nil, fmt.Errorf("tracer: creating helper pipe: %w", err)
	}
	env := o.Env
	if env == nil {
		env = os.Environ()
	}
	env = append(env[:len(env):len(env)], HelperEnv+"=1")
	stdin, stdout, stderr := o.Stdin, o.Stdout, o.Stderr
	if stdin == nil {
		stdin = os.Stdin
	}
	if stdout == nil {
		stdout = os.Stdout
	}
	if stderr == nil {
		stderr = os.Stderr
	}
	self, err := os.Executable()
	if err != nil {
		self = "/proc/self/exe"
	}
	proc, err := os.StartProcess(self, []string{o.Args[0]}, &os.ProcAttr{
		Env:   env,
		Files: []*os.File{stdin, stdout, stderr, cfgR, repW},
	})
	cfgR.Close()
	repW.Close()
	if err != nil {
		cfgW.Close()
		repR.Close()
		return nil, fmt.Errorf("tracer: starting helper: %w", err)
	}
	h := &Helper{PID: proc.Pid, cfgW: cfgW, reply: repR}
	proc.Release()
	cfg := encodeConfig(&helperConfig{prog: o.Filter, noNewPrivs: o.NoNewPrivs, path: o.Path, argv: o.Args})
	if _, err := cfgW.Write(cfg); err != nil {
		h.Kill()
		return nil, fmt.Errorf("tracer: configuring helper: %w", err)
	}
	var rb [1]byte
	if _, err := io.ReadFull(repR, rb[:]); err != nil || rb[0] != 'R' {
		h.Kill()
		return nil, fmt.Errorf("tracer: helper did not start")
	}
	return h, nil
}

// Go lets the helper install its filter and exec the command.
func (h *Helper) Go() {
	if h.cfgW != nil {
		h.cfgW.Write([]byte{'G'})
		h.cfgW.Close()
		h.cfgW = nil
	}
}

// Kill ends a helper that never got its go, and reaps it.
func (h *Helper) Kill() {
	unix.Kill(h.PID, unix.SIGKILL)
	var ws unix.WaitStatus
	unix.Wait4(h.PID, &ws, unix.WALL, nil)
	h.Close()
}

// ExecError returns the message the helper left on its reply pipe when it
// could not exec the command ("" when it did). Call it once the helper
// has exited.
func (h *Helper) ExecError() string {
	if h == nil || h.reply == nil {
		return ""
	}
	h.reply.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	b, _ := io.ReadAll(h.reply)
	if len(b) > 0 && b[0] == 'E' {
		return string(b[1:])
	}
	return ""
}

// Close releases the helper's pipes.
func (h *Helper) Close() {
	if h.cfgW != nil {
		h.cfgW.Close()
		h.cfgW = nil
	}
	if h.reply != nil {
		h.reply.Close()
		h.reply = nil
	}
}
