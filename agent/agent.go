// Package agent records a command from inside its processes: an
// interception library (agent/src, built into xtrace-agent.so and
// embedded here) is preloaded into the command, arms syscall user
// dispatch on its threads and appends an enter and an exit record per
// syscall to a per-thread ring in memory shared with xtrace (package
// ring), which Run drains. A syscall costs one SIGSYS in the process
// instead of two ptrace stops and four context switches.
//
// How the library gets in: LD_PRELOAD names the embedded library through
// /proc/<xtrace>/fd/<memfd>, and XTRACE_AGENT names the region the same
// way; the library's constructor opens and maps the region, closes the
// descriptor and arms. No descriptor is inherited, so the program's
// descriptor numbers are those it has natively. The constructor then
// takes both variables out of the environment the program sees, and the
// agent puts them back into the environment of every execve, so that the
// new image records too, even after `env -i`. Syscalls the dynamic loader
// makes before the constructor runs are not recorded. Programs that
// ignore LD_PRELOAD (static, setuid or setcap binaries) run unrecorded.
//
// Every thread arms itself: new threads and posix_spawn children start on
// their own stack in the agent's clone path, forked children arm on their
// way back through the handler, vfork runs as fork. The agent keeps the
// program's own SIGSYS action (and calls it for a SIGSYS that is not a
// trap) and takes SIGSYS out of the signal masks the program sets, since
// a trap while SIGSYS is blocked would kill the process. It stands in for
// the program's signal handlers to record each delivery before calling
// the handler. Threads that
// share memory without a TLS block of their own (raw clone(CLONE_VM)
// without CLONE_SETTLS or CLONE_VFORK) are not supported.
package agent

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/agent/ring"
)

//go:embed xtrace-agent.so
var library []byte

// Library returns the embedded interception library.
func Library() []byte { return library }

// Env names of what the agent reads.
const (
	EnvRegion  = "XTRACE_AGENT"
	EnvPreload = "LD_PRELOAD"
)

// Session is one recording: the region, the library on a memfd.
type Session struct {
	Region *ring.Region
	lib    *os.File
}

// NewSession creates the region and writes the library to a memfd.
// snaplen caps the I/O buffers the agent copies (sysdig's -s).
func NewSession(snaplen int) (*Session, error) {
	fd, err := unix.MemfdCreate("xtrace-agent.so", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("agent: memfd_create for the library: %w", err)
	}
	lib := os.NewFile(uintptr(fd), "xtrace-agent.so")
	if _, err := lib.Write(library); err != nil {
		lib.Close()
		return nil, fmt.Errorf("agent: write the library to its memfd: %w", err)
	}
	reg, err := ring.Create(snaplen)
	if err != nil {
		lib.Close()
		return nil, fmt.Errorf("agent: %w", err)
	}
	return &Session{Region: reg, lib: lib}, nil
}

// Close releases the region and the library's memfd.
func (s *Session) Close() error {
	err := s.Region.Close()
	if cerr := s.lib.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("agent: close library memfd: %w", cerr)
	}
	return err
}

// Env returns env with the agent's variables set: the library first in
// LD_PRELOAD, before whatever the user preloads.
func (s *Session) Env(env []string) []string {
	lib := fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), s.lib.Fd())
	out := make([]string, 0, len(env)+2)
	preload := lib
	for _, kv := range env {
		switch {
		case strings.HasPrefix(kv, EnvPreload+"="):
			if v := kv[len(EnvPreload)+1:]; v != "" {
				preload = lib + ":" + v
			}
		case strings.HasPrefix(kv, EnvRegion+"="):
		default:
			out = append(out, kv)
		}
	}
	return append(out, EnvPreload+"="+preload, EnvRegion+"="+s.Region.Path())
}

// Run starts cmd (its Env is replaced by s.Env of it, or of os.Environ
// when nil) and drains records into fn until cmd has exited and every
// ring is drained. It returns cmd.Wait's error.
func (s *Session) Run(cmd *exec.Cmd, fn func(*ring.Record)) error {
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = s.Env(env)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("agent: start %s: %w", cmd.Path, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case err := <-done:
			for s.Region.Drain(fn) > 0 {
			}
			return err
		default:
		}
		if s.Region.Drain(fn) == 0 {
			s.Region.Sleep(10 * time.Millisecond)
		}
	}
}
