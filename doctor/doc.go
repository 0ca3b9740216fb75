// Package doctor checks whether recording works on this machine and, when
// it does not or works only in part, names each blocker with its fix:
// ptrace permission (kernel.yama.ptrace_scope, CAP_SYS_PTRACE, a container
// seccomp or AppArmor profile that denies ptrace or process_vm_readv, a
// user namespace), seccomp filter and syscall user dispatch support, /proc
// for the capture header's snapshot, the kernel version, and whether setuid
// programs keep their privileges under the recorder.
//
// [Run] probes for real where a probe is possible: it starts a child
// process (its own binary again, see [ChildEnv]), seizes it with ptrace and
// reads its memory with process_vm_readv, as the recorder does. The other
// checks read /proc and ask the kernel (seccomp(SECCOMP_GET_ACTION_AVAIL),
// prctl(PR_SET_SYSCALL_USER_DISPATCH)).
package doctor
