// Package agent records a command from inside its processes: an
// interception library (agent/src, built into xtrace-agent.so and
// embedded here) is preloaded into the command, arms syscall user
// dispatch on its threads and appends an enter and an exit record per
// syscall to a per-thread ring in memory shared with xtrace (package
// ring), which Run drains. A syscall costs one SIGSYS in the process
// instead of two ptrace stops and four context switches.
//
// How the library gets in: LD_AUDIT names the embedded library through
// /proc/<xtrace>/fd/<memfd>, and XTRACE_AGENT names the region the same
// way; the library's constructor opens and maps the region, closes the
// descriptor and arms. No descriptor is inherited, so the program's
// descriptor numbers are those it has natively. The constructor then
// takes both variables out of the environment the program sees, and the
// agent puts them back into the environment of every execve, so that the
// new image records too, even after `env -i`. /proc/<pid>/environ still
// holds them (the constructor changes the program's view, not the
// strings): Session.StripEnv takes them out of what is recorded. The
// loader loads audit modules before any other library and runs their
// constructors at once, so the agent records nearly all the loader's
// syscalls; only its own setup before that is missed (brk, an anonymous
// mmap, arch_prctl, set_tid_address, set_robust_list, rseq). Programs
// the loader does not load, or loads in secure mode (static, setuid or
// setcap binaries), cannot be recorded this way (CanEnter).
//
// Records (package ring): an enter and an exit record per syscall; a
// child record first on every new thread or process (the syscall that
// made it, the clone flags the program asked for, and its creator); an
// image record and an execve exit first in an image that no recorded
// execve started (the command itself, or a program started by an
// unrecorded one); a signal record before a program handler runs.
// Decoding some records reads the live process (its /proc entries or its
// descriptors). Most of those reads the agent makes itself after the
// call and ships with the record (ring.Record.Facts, which Memory hands
// to the decoder): the device of the file open, openat and creat return,
// the inode of a new pipe, the vm counters after mmap, munmap and brk,
// the names of an AF_INET or AF_INET6 socket for its tuple, and the
// thread's /proc entries at the exits of clone, fork, vfork, clone3,
// execve and execveat (procfs.TaskFiles). The rest (a failed execve's
// exit, whose fields come from its argv; accept's backlog; a unix
// socket's tuple; socketpair) are synchronous (ring.Record.Sync): the
// agent holds the thread until the
// callback that got the record has returned, so that the callback
// decodes it while the process is as the call left it. Which records
// carry which facts and which are synchronous is derived from the event
// tables' fetch kinds by internal/cmd/genagent.
//
// Every thread arms itself: new threads and posix_spawn children start on
// their own stack in the agent's clone path, forked children arm on their
// way back through the handler, vfork runs as fork. The agent keeps the
// program's own SIGSYS action (and calls it for a SIGSYS that is not a
// trap) and takes SIGSYS out of the signal masks the program sets, since
// a trap while SIGSYS is blocked would kill the process. It stands in for
// the program's signal handlers to record each delivery before calling
// the handler. Every new process hands xtrace a pidfd of itself, from
// which Run reads its exit status once it is reaped. Threads that
// share memory without a TLS block of their own (raw clone(CLONE_VM)
// without CLONE_SETTLS or CLONE_VFORK) are not supported.
package agent

import (
	"bytes"
	"debug/elf"
	_ "embed"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/agent/ring"
	"xtrace/decode"
)

//go:embed xtrace-agent.so
var library []byte

// Library returns the embedded interception library.
func Library() []byte { return library }

// MappedKiB is what the agent adds to the vm_size of a process it is in,
// in KiB: the shared region and the library's image (the span of its
// loadable segments, as the dynamic loader reserves it). The vm_size that
// /proc reports for a process recorded by the agent, less this, is the
// process's own.
var MappedKiB = func() uint64 {
	f, err := elf.NewFile(bytes.NewReader(library))
	if err != nil {
		panic("agent: the embedded library is not ELF: " + err.Error())
	}
	lo, hi := ^uint64(0), uint64(0)
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			lo, hi = min(lo, p.Vaddr), max(hi, p.Vaddr+p.Memsz)
		}
	}
	const page = ring.Page
	span := (hi+page-1)/page*page - lo/page*page
	return (ring.RegionBytes + span) / 1024
}()

// Env names of what the agent reads.
const (
	EnvRegion = "XTRACE_AGENT"
	// EnvAudit is the loader variable that brings the library in: the
	// loader loads audit modules before anything else (see agent.c).
	EnvAudit = "LD_AUDIT"
)

// Session is one recording: the region, the library on a memfd, and the
// socket on which new processes hand over a pidfd of themselves.
type Session struct {
	Region *ring.Region
	// Exit, when set, is called from Run for every process of the tree
	// that ended and was reaped, with its wait status (as wait4 returns
	// it: exit code << 8, or the killing signal).
	Exit func(pid, status int)

	lib    *os.File
	notify int // listening socket, non-blocking
	adopt  int // listening socket for hand-overs (see agent.c), non-blocking
}

// notifyName is the abstract unix socket the agent connects to: a
// function of the region's path, which the agent knows.
func notifyName(regionPath string) string { return "@xtrace-agent:" + regionPath }

// adoptName is the abstract unix socket on which a process asks xtrace to
// record it with ptrace from its next execve (agent.c, hand-over).
func adoptName(regionPath string) string { return "@xtrace-adopt:" + regionPath }

// Handover is a process that asked to be recorded with ptrace from its
// next execve: xtrace attaches, then calls Done(true) (or Done(false)
// when it could not), which lets the process go on.
type Handover struct {
	PID  int
	conn int
}

// Done answers the process and releases the connection.
func (h *Handover) Done(attached bool) {
	b := []byte{0}
	if attached {
		b[0] = 1
	}
	unix.Write(h.conn, b)
	unix.Close(h.conn)
}

// TakeHandovers returns the hand-over requests queued on the session's
// socket. It never blocks long: a request is the connecting process'
// pid, sent right after it connected.
func (s *Session) TakeHandovers() []*Handover {
	var hs []*Handover
	for s.adopt >= 0 {
		c, _, err := unix.Accept4(s.adopt, unix.SOCK_CLOEXEC)
		if err != nil {
			break // EAGAIN: none queued
		}
		tv := unix.Timeval{Sec: 1}
		unix.SetsockoptTimeval(c, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		var b [4]byte
		if n, err := unix.Read(c, b[:]); err != nil || n != 4 {
			unix.Close(c)
			continue
		}
		hs = append(hs, &Handover{PID: int(binary.LittleEndian.Uint32(b[:])), conn: c})
	}
	return hs
}

// NewSession creates the region, writes the library to a memfd and
// listens for new processes. snaplen caps the I/O buffers the agent
// copies (sysdig's -s).
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
	reg.SetSwap(decode.HasSwap(""))
	ln, err := listen(notifyName(reg.Path()))
	if err != nil {
		reg.Close()
		lib.Close()
		return nil, err
	}
	ad, err := listen(adoptName(reg.Path()))
	if err != nil {
		unix.Close(ln)
		reg.Close()
		lib.Close()
		return nil, err
	}
	return &Session{Region: reg, lib: lib, notify: ln, adopt: ad}, nil
}

func listen(name string) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("agent: socket for processes' pidfds: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: name}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("agent: bind %s: %w", name, err)
	}
	if err := unix.Listen(fd, 1024); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("agent: listen on %s: %w", name, err)
	}
	return fd, nil
}

// takePidfds accepts every connection queued on the socket and adds the
// pidfd each brings to live. It never blocks.
func (s *Session) takePidfds(live map[int]int) {
	buf, oob := make([]byte, 4), make([]byte, unix.CmsgSpace(4))
	for {
		c, _, err := unix.Accept4(s.notify, unix.SOCK_CLOEXEC)
		if err != nil {
			return // EAGAIN: none queued
		}
		n, oobn, _, _, err := unix.Recvmsg(c, buf, oob, unix.MSG_CMSG_CLOEXEC)
		unix.Close(c)
		if err != nil || n != 4 {
			continue
		}
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil || len(msgs) != 1 {
			continue
		}
		fds, err := unix.ParseUnixRights(&msgs[0])
		if err != nil || len(fds) != 1 {
			for _, fd := range fds {
				unix.Close(fd)
			}
			continue
		}
		pid := int(binary.LittleEndian.Uint32(buf))
		if old, ok := live[pid]; ok {
			unix.Close(old)
		}
		live[pid] = fds[0]
	}
}

// StopAccepting closes the socket on which new processes hand over
// their pidfd: once recording has ended nothing reads it, and a process
// must not find it full.
func (s *Session) StopAccepting() {
	if s.notify >= 0 {
		unix.Close(s.notify)
		s.notify = -1
	}
	if s.adopt >= 0 {
		unix.Close(s.adopt)
		s.adopt = -1
	}
}

// Close releases the region, the socket and the library's memfd.
func (s *Session) Close() error {
	s.StopAccepting()
	err := s.Region.Close()
	if cerr := s.lib.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("agent: close library memfd: %w", cerr)
	}
	return err
}

// libPath is where processes open the library.
func (s *Session) libPath() string {
	return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), s.lib.Fd())
}

// Env returns env with the agent's variables set: the library first in
// LD_AUDIT (where the user's LD_AUDIT is, before the user's modules,
// or at the end), and XTRACE_AGENT at the end.
func (s *Session) Env(env []string) []string {
	lib := s.libPath()
	out := make([]string, 0, len(env)+2)
	seen := false
	for _, kv := range env {
		switch {
		case strings.HasPrefix(kv, EnvAudit+"=") && !seen:
			seen = true
			out = append(out, EnvAudit+"="+lib+":"+kv[len(EnvAudit)+1:])
		case strings.HasPrefix(kv, EnvRegion+"="):
		default:
			out = append(out, kv)
		}
	}
	if !seen {
		out = append(out, EnvAudit+"="+lib)
	}
	return append(out, EnvRegion+"="+s.Region.Path())
}

// StripEnv appends to dst the environment block env (NUL-terminated
// strings, as /proc/<pid>/environ holds it) of a process the agent is in,
// without what the agent added: its XTRACE_AGENT, and its library in
// LD_AUDIT (the variable goes when the program had none). That is the
// environment the program was given, and the one it sees: the agent
// takes the same out of the program's view.
func (s *Session) StripEnv(dst, env []byte) []byte {
	lib := s.libPath()
	region := EnvRegion + "=" + s.Region.Path()
	for len(env) > 0 {
		kv, rest, found := bytes.Cut(env, []byte{0})
		env = rest
		v, preload := bytes.CutPrefix(kv, []byte(EnvAudit+"="))
		switch {
		case string(kv) == region:
			continue
		case preload && string(v) == lib:
			continue
		case preload && bytes.HasPrefix(v, []byte(lib)) && len(v) > len(lib) && (v[len(lib)] == ':' || v[len(lib)] == ' '):
			dst = append(dst, EnvAudit+"="...)
			dst = append(dst, v[len(lib)+1:]...)
		default:
			dst = append(dst, kv...)
		}
		if found {
			dst = append(dst, 0)
		}
	}
	return dst
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
	live := map[int]int{} // pid -> pidfd of processes not yet reported
	defer func() {
		for _, fd := range live {
			unix.Close(fd)
		}
	}()
	var checked time.Time
	for {
		select {
		case err := <-done:
			for s.Region.Drain(fn) > 0 {
			}
			s.takePidfds(live)
			s.exits(live)
			return err
		default:
		}
		if s.Region.Drain(fn) == 0 {
			s.Region.Sleep(10 * time.Millisecond)
		}
		if now := time.Now(); now.Sub(checked) >= exitEvery {
			checked = now
			s.takePidfds(live)
			s.exits(live)
		}
	}
}

// exitEvery is how often Run looks for ended processes.
const exitEvery = 20 * time.Millisecond

// exits reports the processes of live that have ended and been reaped.
func (s *Session) exits(live map[int]int) {
	pollExits(live, func(pid, status int) {
		if s.Exit != nil {
			s.Exit(pid, status)
		}
	})
}

// pollExits takes the processes that have ended out of live (pid ->
// pidfd), closing their pidfds, and calls ended with the wait status of
// each one whose status could be read.
func pollExits(live map[int]int, ended func(pid, status int)) {
	for pid, fd := range live {
		status, ok, err := ring.PidfdExit(fd)
		if !ok && err == nil {
			continue
		}
		unix.Close(fd)
		delete(live, pid)
		if ok {
			ended(pid, status)
		}
	}
}
