package tracer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

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
	if body == nil || len(c.prog) == 0 {
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
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, HelperEnv+"=") {
			env = append(env, kv)
		}
	}
	unix.CloseOnExec(helperCfgFD)
	unix.CloseOnExec(helperReplyFD)
	if err := seccomp.Install(cfg.prog, cfg.noNewPrivs); err != nil {
		fail(exitCannotExec, err.Error())
	}
	err = syscall.Exec(cfg.path, cfg.argv, env)
	code := exitCannotExec
	if errors.Is(err, unix.ENOENT) {
		code = exitNotFound
	}
	fail(code, fmt.Sprintf("%s: %v", cfg.path, err))
}
