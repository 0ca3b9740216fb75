// Package tracer runs a command under a ptrace + seccomp-bpf supervisor
// ([Launch]), or attaches to running processes ([Attach]), and turns every
// syscall, thread exit and signal delivery of the process trees into
// sysdig events (built by package decode), handed over in batches to a
// writer goroutine.
//
// # The stop loop
//
// One goroutine, locked to one OS thread for its whole life (every ptrace
// request must come from the thread that attached), waits for stops and
// resumes tracees. The launched command carries a seccomp filter (package
// seccomp) that returns SECCOMP_RET_TRACE for the recorded syscalls, so a
// syscall costs two stops:
//
//	seccomp stop (PTRACE_EVENT_SECCOMP)   PTRACE_GET_SYSCALL_INFO → nr, args
//	                                      enter event; PTRACE_SYSCALL
//	syscall-exit-stop (SIGTRAP|0x80)      PTRACE_GET_SYSCALL_INFO → return value
//	                                      exit event; PTRACE_CONT
//
// and syscalls the filter allows cost nothing. Every recorded syscall has
// both stops, those that sysdig 0.29.3 records only as generic events too
// (getpid, newfstatat, rt_sigprocmask, ...): their exit carries the return
// value and arguments in xtrace's extended generic events. Thread creation
// (PTRACE_EVENT_FORK/VFORK/CLONE plus the child's first PTRACE_EVENT_STOP),
// exec (PTRACE_EVENT_EXEC, including the tid change of a non-leader
// thread), thread exit (PTRACE_EVENT_EXIT, then the wait status), signal
// delivery stops and group stops (resumed with PTRACE_LISTEN so job control
// keeps working) are followed through the ptrace options.
//
// Kernel facts the loop relies on are written next to the code that
// handles them. The loop allocates nothing per stop: threads are created
// at clone time, registers and siginfo land in fields of the tracer, and
// events are appended to a recycled [Batch] under an uncontended mutex; a
// flusher goroutine hands partial batches to the writer, so the stop path
// never waits for a goroutine hand-off or a file write.
//
// # Speed
//
// On the reference VM a stop costs about as much as two context switches
// (10-12 µs); a ptrace recorder cannot go below two stops for a syscall
// whose result it records. What the loop does about the rest: one
// PTRACE_GET_SYSCALL_INFO per stop, one process_vm_readv per buffer, fd
// lookups on a pidfd_getfd duplicate instead of /proc, the tracer thread
// pinned to its CPU (Options.PinTracer, after the command is forked, so
// the command keeps every CPU), and wait4(WNOHANG) polled a few hundred
// times before blocking (Options.Spin), which saves the tracer's sleep and
// wake-up when a tracee stops on the other CPU. Options.PinTree puts the
// whole tree on the tracer's CPU instead (polling off): the cheapest stops,
// at the price of one CPU for a multi-threaded command.
//
// # Attached processes
//
// An attached process carries no seccomp filter, so that it can be given
// back exactly as it was: its syscalls stop at entry and exit
// (PTRACE_SYSCALL), as under strace -p, whatever the capture filter. See
// attach.go for how threads are seized, held for the snapshot, resumed,
// and detached (with their pending signal, group stops kept).
//
// # Failure policy
//
// A tracer error never leaves a tracee stopped: the launched tree carries
// PTRACE_O_EXITKILL (a tracee of a vanished tracer would otherwise get
// ENOSYS from every filtered syscall, as SECCOMP_RET_TRACE without a
// tracer fails the call), and on a fatal error the tracer kills the tree
// it launched and reports the error. Attached processes are never killed:
// they have no PTRACE_O_EXITKILL, and when the tracer thread ends, even on
// an internal error, the kernel detaches them.
package tracer
