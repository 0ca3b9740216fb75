// Package linux holds the raw Linux system calls the recorder issues on its
// hot paths (ptrace, wait4, process_vm_readv, pidfd_getfd, fstatat,
// getsockname) and the few kernel structures they fill. Everything here is a
// thin, allocation-free wrapper around a single syscall; callers get typed
// arguments and a plain errno back, and wrap it with their own context.
//
// The wrappers use [unix.RawSyscall6] (no scheduler hand-off) for calls that
// never block, and [unix.Syscall6] for the ones that may (a blocking wait4),
// so that a goroutine locked to the tracer thread does not starve the rest of
// the Go runtime while it sleeps.
package linux

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

func errnoErr(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// Ptrace issues one ptrace request. addr and data are passed through as
// raw words.
func Ptrace(req int, pid int, addr, data uintptr) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, uintptr(req), uintptr(pid), addr, data, 0, 0)
	return errnoErr(e)
}

// PtraceGetEventMsg returns the message of the last ptrace event stop of pid
// (a new tid, an exit status, the former tid of an exec'ing thread).
func PtraceGetEventMsg(pid int, msg *uint64) error {
	return Ptrace(unix.PTRACE_GETEVENTMSG, pid, 0, uintptr(unsafe.Pointer(msg)))
}

// PtraceGetSiginfo reads the siginfo of the signal that stopped pid.
func PtraceGetSiginfo(pid int, si *Siginfo) error {
	return Ptrace(unix.PTRACE_GETSIGINFO, pid, 0, uintptr(unsafe.Pointer(si)))
}

// Siginfo is the kernel's siginfo_t (128 bytes) with the fields the
// recorder reads: the sending pid sits at the same offset for kill, rt,
// sigqueue and sigchld senders.
type Siginfo struct {
	Signo int32
	Errno int32
	Code  int32
	_     int32
	Pid   int32
	UID   uint32
	_     [104]byte
}

// SyscallInfo is struct ptrace_syscall_info (linux/ptrace.h), filled by
// PTRACE_GET_SYSCALL_INFO. Op says which union member is valid:
//
//	op      union member
//	ENTRY   Nr, Args
//	EXIT    RVal (in Nr's place), IsError (first byte of Args[0])
//	SECCOMP Nr, Args, RetData (after Args)
type SyscallInfo struct {
	Op    uint8
	_     [3]uint8
	Arch  uint32
	IP    uint64
	SP    uint64
	Nr    uint64
	Args  [6]uint64
	RData uint32
	_     uint32
}

// RVal returns the return value of a syscall-exit-stop.
func (s *SyscallInfo) RVal() int64 { return int64(s.Nr) }

// IsError reports whether the syscall of an exit stop failed.
func (s *SyscallInfo) IsError() bool { return uint8(s.Args[0]) != 0 }

// GetSyscallInfo fills info for a tracee in a syscall-entry, syscall-exit
// or seccomp stop. It returns the number of bytes the kernel wrote.
func GetSyscallInfo(pid int, info *SyscallInfo) (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(pid),
		unsafe.Sizeof(*info), uintptr(unsafe.Pointer(info)), 0, 0)
	return int(r), errnoErr(e)
}

// Wait4 waits for a state change of pid (-1 for any child) and may block:
// it goes through the scheduler so the Go runtime can run other
// goroutines meanwhile.
func Wait4(pid int, status *unix.WaitStatus, options int) (int, error) {
	r, _, e := unix.Syscall6(unix.SYS_WAIT4, uintptr(pid), uintptr(unsafe.Pointer(status)), uintptr(options), 0, 0, 0)
	return int(r), errnoErr(e)
}

// Wait4NoHang polls for a state change without blocking (WNOHANG is added);
// it returns 0 when nothing is pending.
func Wait4NoHang(pid int, status *unix.WaitStatus, options int) (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_WAIT4, uintptr(pid), uintptr(unsafe.Pointer(status)), uintptr(options|unix.WNOHANG), 0, 0, 0)
	return int(r), errnoErr(e)
}

// ProcessVMReadv copies tracee memory described by remote into local with
// one process_vm_readv call. It returns the number of bytes copied, which is
// short when a remote range crosses into unmapped memory.
func ProcessVMReadv(pid int, local []unix.Iovec, remote []unix.RemoteIovec) (int, error) {
	if len(local) == 0 || len(remote) == 0 {
		return 0, nil
	}
	r, _, e := unix.RawSyscall6(unix.SYS_PROCESS_VM_READV, uintptr(pid),
		uintptr(unsafe.Pointer(&local[0])), uintptr(len(local)),
		uintptr(unsafe.Pointer(&remote[0])), uintptr(len(remote)), 0)
	return int(r), errnoErr(e)
}

// PidfdOpen returns a pidfd for process pid.
func PidfdOpen(pid int) (int, error) {
	r, _, e := unix.RawSyscall(unix.SYS_PIDFD_OPEN, uintptr(pid), 0, 0)
	return int(r), errnoErr(e)
}

// PidfdGetfd duplicates fd number targetfd of the process behind pidfd into
// the calling process (close-on-exec).
func PidfdGetfd(pidfd, targetfd int) (int, error) {
	r, _, e := unix.RawSyscall(unix.SYS_PIDFD_GETFD, uintptr(pidfd), uintptr(targetfd), 0)
	return int(r), errnoErr(e)
}

// Close closes fd.
func Close(fd int) error {
	_, _, e := unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
	return errnoErr(e)
}

// Fstatat stats path (a NUL-terminated byte string) relative to dirfd.
func Fstatat(dirfd int, path []byte, st *unix.Stat_t, flags int) error {
	_, _, e := unix.RawSyscall6(unix.SYS_NEWFSTATAT, uintptr(dirfd), uintptr(unsafe.Pointer(&path[0])),
		uintptr(unsafe.Pointer(st)), uintptr(flags), 0, 0)
	return errnoErr(e)
}

// Fstat stats an open fd.
func Fstat(fd int, st *unix.Stat_t) error {
	_, _, e := unix.RawSyscall(unix.SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(st)), 0)
	return errnoErr(e)
}

// Sockaddr is a raw struct sockaddr_storage: family (u16, host order)
// first, then the family's fields in network layout.
type Sockaddr [128]byte

// Getsockname stores the local address of socket fd in sa and returns its
// length.
func Getsockname(fd int, sa *Sockaddr) (int, error) {
	n := uint32(len(sa))
	_, _, e := unix.RawSyscall(unix.SYS_GETSOCKNAME, uintptr(fd), uintptr(unsafe.Pointer(sa)), uintptr(unsafe.Pointer(&n)))
	return int(n), errnoErr(e)
}

// Getpeername stores the peer address of socket fd in sa and returns its
// length.
func Getpeername(fd int, sa *Sockaddr) (int, error) {
	n := uint32(len(sa))
	_, _, e := unix.RawSyscall(unix.SYS_GETPEERNAME, uintptr(fd), uintptr(unsafe.Pointer(sa)), uintptr(unsafe.Pointer(&n)))
	return int(n), errnoErr(e)
}

// GetsockoptTCPInfo reads TCP_INFO of socket fd into info (as many bytes as
// the kernel provides, at most len(info)).
func GetsockoptTCPInfo(fd int, info *unix.TCPInfo) error {
	n := uint32(unsafe.Sizeof(*info))
	_, _, e := unix.RawSyscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.IPPROTO_TCP, unix.TCP_INFO,
		uintptr(unsafe.Pointer(info)), uintptr(unsafe.Pointer(&n)), 0)
	return errnoErr(e)
}

// Pread reads from fd at offset off without moving the file position.
func Pread(fd int, p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r, _, e := unix.RawSyscall6(unix.SYS_PREAD64, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), uintptr(off), 0, 0)
	return int(r), errnoErr(e)
}

// Getcpu returns the CPU the calling thread runs on.
func Getcpu() int {
	var cpu, node uint32
	unix.RawSyscall(unix.SYS_GETCPU, uintptr(unsafe.Pointer(&cpu)), uintptr(unsafe.Pointer(&node)), 0)
	return int(cpu)
}

// Gettid returns the calling thread's id.
func Gettid() int {
	r, _, _ := unix.RawSyscall(unix.SYS_GETTID, 0, 0, 0)
	return int(r)
}

// Tgkill sends sig to thread tid of process pid.
func Tgkill(pid, tid int, sig unix.Signal) error {
	_, _, e := unix.RawSyscall(unix.SYS_TGKILL, uintptr(pid), uintptr(tid), uintptr(sig))
	return errnoErr(e)
}

// Prlimit reads resource limit res of process pid.
func Prlimit(pid, res int, lim *unix.Rlimit) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PRLIMIT64, uintptr(pid), uintptr(res), 0, uintptr(unsafe.Pointer(lim)), 0, 0)
	return errnoErr(e)
}

// sigaction is the kernel's struct sigaction for rt_sigaction on x86_64.
type sigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// saNoCldStop is SA_NOCLDSTOP.
const saNoCldStop = 1

// SetNoCldStop adds or removes SA_NOCLDSTOP on the process' current
// SIGCHLD action, keeping the handler (the Go runtime's) as it is. It
// reports whether the flag was set before.
//
// Each ptrace stop would otherwise queue a SIGCHLD (CLD_TRAPPED) for the
// tracer, interrupting some runtime thread for nothing: the tracer learns
// about stops from wait4. The action is re-read and re-written rather than
// replaced, and SIGCHLD is never set to SIG_IGN: tracees inherit ignored
// dispositions across exec, and an ignored SIGCHLD also changes how their
// own wait calls behave.
func SetNoCldStop(on bool) (was bool, err error) {
	var act sigaction
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), 0, uintptr(unsafe.Pointer(&act)), 8, 0, 0)
	if e != 0 {
		return false, e
	}
	was = act.flags&saNoCldStop != 0
	if was == on {
		return was, nil
	}
	if on {
		act.flags |= saNoCldStop
	} else {
		act.flags &^= saNoCldStop
	}
	_, _, e = unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
	return was, errnoErr(e)
}

// SetAffinity pins thread tid (0 = the caller) to the CPUs in set.
func SetAffinity(tid int, set *unix.CPUSet) error {
	return unix.SchedSetaffinity(tid, set)
}

// SeccompSetModeFilter installs prog as a seccomp filter of the calling
// thread (seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog)).
func SeccompSetModeFilter(prog []unix.SockFilter) error { return seccompSetModeFilter(prog, 0) }

// PidfdSendSignal sends sig to the process behind pidfd; it cannot hit a
// process that reused the pid.
func PidfdSendSignal(pidfd int, sig unix.Signal) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PIDFD_SEND_SIGNAL, uintptr(pidfd), uintptr(sig), 0, 0, 0, 0)
	return errnoErr(e)
}

// PtraceGetRegs reads the general registers of a stopped tracee.
func PtraceGetRegs(pid int, regs *unix.PtraceRegs) error {
	return Ptrace(unix.PTRACE_GETREGS, pid, 0, uintptr(unsafe.Pointer(regs)))
}

// HasCapability reports whether the calling thread holds capability
// capability (unix.CAP_*) in its effective set.
func HasCapability(capability int) bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if unix.Capget(&hdr, &data[0]) != nil {
		return false
	}
	return data[capability/32].Effective&(1<<(capability%32)) != 0
}
