package linux

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// seccompGetActionAvail is SECCOMP_GET_ACTION_AVAIL (Linux 4.14).
const seccompGetActionAvail = 2

// SeccompActionAvail asks the kernel whether a seccomp filter may return
// action (seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action)).
func SeccompActionAvail(action uint32) error {
	_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, seccompGetActionAvail, 0, uintptr(unsafe.Pointer(&action)))
	return errnoErr(e)
}

// prSetSyscallUserDispatch is PR_SET_SYSCALL_USER_DISPATCH (Linux 5.11).
const prSetSyscallUserDispatch = 59

// SyscallUserDispatchOff switches syscall user dispatch off for the
// calling thread, which is harmless and tells whether the kernel has it
// (EINVAL when it does not).
func SyscallUserDispatchOff() error {
	_, _, e := unix.RawSyscall6(unix.SYS_PRCTL, prSetSyscallUserDispatch, 0, 0, 0, 0, 0)
	return errnoErr(e)
}

// SeccompSetModeFilterAllThreads installs prog as a seccomp filter of every
// thread of the process (SECCOMP_FILTER_FLAG_TSYNC), as a Go program needs
// for a filter to cover the thread a goroutine later runs on.
func SeccompSetModeFilterAllThreads(prog []unix.SockFilter) error {
	return seccompSetModeFilter(prog, unix.SECCOMP_FILTER_FLAG_TSYNC)
}

// seccompSetModeFilter is seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog).
func seccompSetModeFilter(prog []unix.SockFilter, flags uintptr) error {
	if len(prog) == 0 {
		return unix.EINVAL
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&fprog)))
	return errnoErr(e)
}

// ProcessVMReadvSelf reads a few bytes of the calling process with
// process_vm_readv: only a seccomp profile (or an LSM) can refuse it.
func ProcessVMReadvSelf() error {
	src := [8]byte{1}
	var dst [8]byte
	_, err := ProcessVMReadv(unix.Getpid(), []unix.Iovec{{Base: &dst[0], Len: 8}},
		[]unix.RemoteIovec{{Base: uintptr(unsafe.Pointer(&src)), Len: 8}})
	return err
}

// PtraceSetRegs writes the general registers of a stopped tracee.
func PtraceSetRegs(pid int, regs *unix.PtraceRegs) error {
	return Ptrace(unix.PTRACE_SETREGS, pid, 0, uintptr(unsafe.Pointer(regs)))
}

// DenyProgram is a seccomp filter that fails the given x86_64 syscalls
// with errno and allows every other one, as a container runtime's profile
// does (tests use it to simulate one).
func DenyProgram(errno unix.Errno, nrs ...uint32) []unix.SockFilter {
	const (
		ldAbs = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeq   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		ret   = unix.BPF_RET | unix.BPF_K
		allow = 0x7fff0000
		fail  = 0x00050000
	)
	n := uint8(len(nrs))
	prog := []unix.SockFilter{
		{Code: ldAbs, K: 4}, // seccomp_data.arch
		{Code: jeq, Jt: 0, Jf: n + 1, K: unix.AUDIT_ARCH_X86_64},
		{Code: ldAbs, K: 0}, // seccomp_data.nr
	}
	for i, nr := range nrs {
		prog = append(prog, unix.SockFilter{Code: jeq, Jt: n - uint8(i), K: nr})
	}
	return append(prog,
		unix.SockFilter{Code: ret, K: allow},
		unix.SockFilter{Code: ret, K: fail | uint32(errno)})
}
