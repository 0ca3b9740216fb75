// Package decode turns a stopped tracee's syscall (number, arguments,
// return value, and its memory) into sysdig events, filling every parameter
// the event table lists the way the kernel driver of falcosecurity/libs
// e5c53d64 (driver/ppm_fillers.c) fills it.
//
// One declarative table drives it: event/tables/x86_64_fetch.tsv says, for
// each event type, how each parameter is fetched ("openat enter: dirfd =
// dirfd(a0), name = path256(a1), flags = openflags(a2), mode =
// openmode(a2,a3)"). internal/cmd/gentables turns it into table_gen.go
// (checked against the event table: same parameters, same order), and
// [Decoder] walks a row with a single switch over fetch kinds. The few
// syscalls that need more than their registers have named kinds backed by
// helpers: the clone and execve families read /proc (proc), socket calls
// resolve their endpoints on a duplicate of the tracee's socket (tupleout,
// tuplein, tupleaccept), and thread exits and signal deliveries, which are
// not syscalls, use the exit and signal kinds. x86_64_flow.tsv marks the
// syscalls the tracer must follow specially ([FlowOf]).
//
// A recorder other than ptrace hands over what it copied while the
// process ran: [Call.Mem] stands in for the process's memory and
// [Call.Facts] for the device and inode of a descriptor (fddev, pipeino)
// and the vm counters (vm), which the decoder otherwise reads from /proc.
// [Options.HiddenVMKiB] and [Options.StripEnv] take what such a recorder
// adds to the process (its mappings, its environment variables) out of
// vm_size and an execve's env.
//
// # Driver behaviour reproduced
//
// Paths in open/openat/creat enter events are cut at 255 bytes and become
// "(NULL)" when unreadable; paths in exit events are read in full and an
// unreadable one drops the event, as the driver drops events whose user
// memory faults. I/O buffers are cut to the snaplen; write-type buffers
// are recorded even when the call failed, read-type ones only for res > 0.
// Successful bpf exits and semop calls with no operations are dropped (the
// driver's fillers write too few parameters for them and the driver
// discards such events).
//
// # Parameters left at a default, and why
//
//   - cwd in clone/execve exits: "" (the driver writes it empty too).
//   - flags of eventfd, signalfd (mask, flags), timerfd_create (clockid,
//     flags), inotify_init, accept4 enter: 0 (the driver writes 0).
//   - unix socket endpoints (socketpair source/peer, unix tuples): the
//     driver writes kernel struct addresses; user space sees them hashed
//     in the Num column of /proc/net/unix, which decode writes (the same
//     values procfs puts in the capture header's fd tables), or the
//     socket's inode number when the table does not list it.
//   - queuepct/queuelen/queuemax of accept on non-TCP sockets: 0 (the
//     backlog is read with TCP_INFO on the listening socket).
//   - vm_swap of brk/mmap/munmap: read from /proc/PID/status only when the
//     machine has swap; 0 otherwise (which is what the kernel reports).
//   - PPM_CL_CHILD_IN_PIDNS and vtid/vpid: relative to xtrace's own pid
//     namespace (a tracee in a deeper namespace gets the bit and its
//     namespace-local ids).
//   - dev of open/openat/creat: st_dev of the opened file (fstatat on
//     /proc/PID/fd/N), which equals the superblock device the driver
//     writes except on filesystems that report per-subvolume devices.
//   - cpuid is chosen by the tracer, not here.
package decode

//go:generate go run ../internal/cmd/gentables -in ../event/tables -decode -out table_gen.go
