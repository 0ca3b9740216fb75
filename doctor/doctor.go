package doctor

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"xtrace/internal/linux"
)

// Status is the verdict of one check.
type Status uint8

const (
	// OK: nothing in the way.
	OK Status = iota
	// Limited: recording works, with the limitation the check names.
	Limited
	// Blocked: recording (or the part the check names) does not work.
	Blocked
)

func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Limited:
		return "limited"
	}
	return "blocked"
}

// Check is one line of the report.
type Check struct {
	Name   string
	Status Status
	Detail string
	// Fix says what to change, "" when nothing needs to.
	Fix string
	// follows marks a check blocked only because another one is.
	follows bool
}

// String renders the check as its report line.
func (c Check) String() string {
	s := fmt.Sprintf("%-8s %-16s %s", c.Status, c.Name, c.Detail)
	if c.Fix != "" {
		s += "; fix: " + c.Fix
	}
	return s
}

// Options configure [Run].
type Options struct {
	// ProcRoot is where proc is mounted ("/proc" when empty). The probes
	// themselves always use the real kernel.
	ProcRoot string
	// Self is the executable started as the probe child (os.Executable
	// when empty); its program must call [RunChild] when [ChildEnv] is set.
	Self string
}

// ChildEnv marks the probe child: a program that finds it set calls
// [RunChild] before anything else.
const ChildEnv = "XTRACE_INTERNAL_DOCTOR_CHILD"

// RunChild is the probe child: it waits until its stdin is closed and
// exits.
func RunChild() {
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// Works reports whether no check is blocked.
func Works(checks []Check) bool {
	for _, c := range checks {
		if c.Status == Blocked {
			return false
		}
	}
	return true
}

// Report writes one line per check and returns whether recording works.
func Report(w io.Writer, checks []Check) bool {
	for _, c := range checks {
		fmt.Fprintln(w, c.String())
	}
	return Works(checks)
}

// Explain returns the blocked checks as one clause for an error message
// ("blocked: ptrace: ...; run xtrace doctor"), "" when none is blocked.
func Explain(o Options) string {
	var parts []string
	for _, c := range Run(o) {
		if c.Status == Blocked && !c.follows {
			s := c.Name + ": " + c.Detail
			if c.Fix != "" {
				s += " (fix: " + c.Fix + ")"
			}
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "blocked by " + strings.Join(parts, "; ") + "; run `xtrace doctor` for every check"
}

// facts are what the checks are decided from.
type facts struct {
	kernel       string
	yama         int // -1: no Yama
	capPtrace    bool
	capAdmin     bool
	euid         int
	noNewPrivs   bool
	seccompMode  int // 0 none, 1 strict, 2 filter (of xtrace itself)
	seccompCount int
	apparmor     string // confining profile, "" when unconfined or none
	uidMap       string
	procErr      error
	hidepid      string // the /proc mount's hidepid value, "" when none

	probeErr error // starting the probe child
	seizeErr error
	vmErr    error
	retTrace error
	sud      error
}

// Run performs every check.
func Run(o Options) []Check {
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	f := gather(o)
	return []Check{
		kernelCheck(&f),
		ptraceCheck(&f),
		vmCheck(&f),
		attachCheck(&f),
		seccompCheck(&f),
		sudCheck(&f),
		usernsCheck(&f),
		procCheck(&f, o.ProcRoot),
		setuidCheck(&f),
	}
}

func gather(o Options) facts {
	f := facts{yama: -1}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		f.kernel = unix.ByteSliceToString(u.Release[:])
	}
	if b, err := os.ReadFile(filepath.Join(o.ProcRoot, "sys/kernel/yama/ptrace_scope")); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			f.yama = n
		}
	}
	f.euid = os.Geteuid()
	status, err := os.ReadFile(filepath.Join(o.ProcRoot, "self/status"))
	if err != nil {
		f.procErr = err
	} else {
		eff, _ := strconv.ParseUint(statusField(status, "CapEff:"), 16, 64)
		f.capPtrace = eff&(1<<unix.CAP_SYS_PTRACE) != 0
		f.capAdmin = eff&(1<<unix.CAP_SYS_ADMIN) != 0
		f.noNewPrivs = statusField(status, "NoNewPrivs:") == "1"
		f.seccompMode, _ = strconv.Atoi(statusField(status, "Seccomp:"))
		f.seccompCount, _ = strconv.Atoi(statusField(status, "Seccomp_filters:"))
	}
	if b, err := os.ReadFile(filepath.Join(o.ProcRoot, "self/attr/current")); err == nil {
		p := strings.TrimSpace(strings.TrimRight(string(b), "\x00"))
		if p != "" && p != "unconfined" && !strings.HasSuffix(p, "(unconfined)") {
			f.apparmor = p
		}
	}
	if b, err := os.ReadFile(filepath.Join(o.ProcRoot, "self/uid_map")); err == nil {
		f.uidMap = strings.Join(strings.Fields(string(b)), " ")
	}
	if f.procErr == nil {
		f.hidepid, f.procErr = procHidepid(o.ProcRoot)
	}
	f.retTrace = linux.SeccompActionAvail(unix.SECCOMP_RET_TRACE)
	f.sud = linux.SyscallUserDispatchOff()
	f.probeErr, f.seizeErr, f.vmErr = probePtrace(o.Self)
	return f
}

// statusField returns the value of "Key:" in a /proc status file.
func statusField(status []byte, key string) string {
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// procHidepid reads the hidepid option of the proc mount at root from
// root/self/mountinfo.
func procHidepid(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "self/mountinfo"))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		fs := strings.Fields(line)
		if len(fs) < 5 || fs[4] != "/proc" {
			continue
		}
		// Super options follow the " - fstype source" separator.
		_, super, _ := strings.Cut(line, " - ")
		for _, opt := range strings.Split(lastField(super), ",") {
			if v, ok := strings.CutPrefix(opt, "hidepid="); ok && v != "0" && v != "off" {
				return v, nil
			}
		}
	}
	return "", nil
}

func lastField(s string) string {
	fs := strings.Fields(s)
	if len(fs) == 0 {
		return ""
	}
	return fs[len(fs)-1]
}

// probePtrace starts a child and does what the recorder does to a tracee:
// PTRACE_SEIZE, PTRACE_INTERRUPT, wait for the stop, process_vm_readv of
// its memory. Every ptrace request must come from the thread that seized,
// so the probe runs on a locked thread.
func probePtrace(self string) (start, seize, vm error) {
	if self == "" {
		var err error
		if self, err = os.Executable(); err != nil {
			// No /proc: find the binary as the shell did.
			if self, err = exec.LookPath(os.Args[0]); err != nil {
				self = "/proc/self/exe"
			}
		}
	}
	type result struct{ start, seize, vm error }
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var r result
		r.start, r.seize, r.vm = probeOnThread(self)
		done <- r
	}()
	r := <-done
	return r.start, r.seize, r.vm
}

func probeOnThread(self string) (start, seize, vm error) {
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return err, nil, nil
	}
	defer stdinW.Close()
	proc, err := os.StartProcess(self, []string{"xtrace-doctor-probe"}, &os.ProcAttr{
		Env:   append(os.Environ(), ChildEnv+"=1"),
		Files: []*os.File{stdinR, nil, nil},
	})
	stdinR.Close()
	if err != nil {
		return fmt.Errorf("doctor: starting probe process %s: %w", self, err), nil, nil
	}
	pid := proc.Pid
	defer func() {
		unix.Kill(pid, unix.SIGKILL)
		var ws unix.WaitStatus
		linux.Wait4(pid, &ws, unix.WALL)
		proc.Release()
	}()
	if err := linux.Ptrace(unix.PTRACE_SEIZE, pid, 0, unix.PTRACE_O_EXITKILL); err != nil {
		return nil, err, linux.ProcessVMReadvSelf()
	}
	if err := linux.Ptrace(unix.PTRACE_INTERRUPT, pid, 0, 0); err != nil {
		return nil, err, nil
	}
	var ws unix.WaitStatus
	if _, err := linux.Wait4(pid, &ws, unix.WALL); err != nil {
		return nil, err, nil
	}
	return nil, nil, vmRead(pid)
}

// vmRead reads a few bytes of the first readable mapping of pid (of
// xtrace itself when /proc does not say where pid's mappings are).
func vmRead(pid int) error {
	maps, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		return linux.ProcessVMReadvSelf()
	}
	for _, line := range strings.Split(string(maps), "\n") {
		fs := strings.Fields(line)
		if len(fs) < 2 || !strings.HasPrefix(fs[1], "r") {
			continue
		}
		lo, _, _ := strings.Cut(fs[0], "-")
		addr, err := strconv.ParseUint(lo, 16, 64)
		if err != nil {
			continue
		}
		var buf [8]byte
		_, err = linux.ProcessVMReadv(pid, []unix.Iovec{{Base: &buf[0], Len: 8}},
			[]unix.RemoteIovec{{Base: uintptr(addr), Len: 8}})
		return err
	}
	return errors.New("no readable mapping")
}
