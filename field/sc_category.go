package field

import (
	"strings"

	"xtrace/event"
	"xtrace/inspect"
)

// scCategoryNames gives evt.category for syscalls recorded with the generic
// events, by syscall name (sysdig's per-syscall category table). Syscalls
// not listed are "other"; those of the I/O categories print "unknown",
// since a generic event names no fd.
//
// TODO(event): this belongs in event/tables/ppm_sc.tsv as a column.
var scCategoryNames = map[string]string{
	"IPC": `
		kill pipe chroot futex mq_open mq_unlink mq_timedsend mq_timedreceive
		mq_notify mq_getsetattr inotify_init inotify_add_watch
		inotify_rm_watch splice tee vmsplice eventfd eventfd2 pipe2
		inotify_init1 fanotify_init getdents64 semop semget semctl msgsnd
		msgrcv msgget msgctl shmdt shmget shmctl ipc shmat`,
	"file": `
		open close creat link unlink chdir mknod chmod stat lseek mount fstat
		access rename mkdir rmdir ustat symlink lstat readlink mmap munmap
		truncate ftruncate fchmod statfs fstatfs fchdir getdents flock mremap
		getcwd sendfile lchown fchown chown setxattr lsetxattr fsetxattr
		getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr
		removexattr lremovexattr fremovexattr remap_file_pages utimes openat
		mkdirat mknodat fchownat futimesat unlinkat renameat linkat symlinkat
		readlinkat fchmodat faccessat utimensat syncfs statfs64 fstatfs64
		fstatat64 sendfile64 stat64 lstat64 fstat64 fcntl64 mmap2 umount
		llseek pread64 pwrite64 renameat2 userfaultfd openat2 umount2
		copy_file_range`,
	"memory": `
		brk mprotect mlock munlock mlockall munlockall mincore madvise`,
	"net": `
		socket bind connect listen accept getsockname getpeername socketpair
		sendto recvfrom shutdown setsockopt getsockopt sendmsg sendmmsg
		recvmsg recvmmsg accept4 socketcall`,
	"process": `
		exit getpid acct setpgid umask getppid getpgrp setsid setrlimit
		getrusage uselib swapon getpriority setpriority getpgid personality
		getsid sched_setparam sched_getparam sched_setscheduler
		sched_getscheduler sched_get_priority_max sched_get_priority_min
		sched_rr_get_interval prctl capget capset getrlimit pivot_root gettid
		sched_setaffinity sched_getaffinity set_thread_area get_thread_area
		set_tid_address ioprio_set ioprio_get unshare set_robust_list
		get_robust_list getcpu prlimit64 setns ugetrlimit nice arch_prctl
		clone clone3`,
	"signal": `
		rt_sigaction rt_sigprocmask rt_sigpending rt_sigtimedwait
		rt_sigqueueinfo rt_sigsuspend tkill tgkill signalfd signalfd4
		sigprocmask sgetmask ssetmask sigpending signal sigreturn`,
	"sleep": `
		sched_yield nanosleep clock_nanosleep`,
	"system": `
		restart_syscall sethostname reboot syslog uname swapoff sysinfo
		setdomainname adjtimex init_module delete_module quotactl sysfs
		kexec_load add_key request_key keyctl olduname finit_module execve
		execveat`,
	"time": `
		time alarm utime times gettimeofday settimeofday setitimer getitimer
		timer_create timer_settime timer_gettime timer_getoverrun timer_delete
		clock_settime clock_gettime clock_getres timerfd_create
		timerfd_settime timerfd_gettime stime`,
	"unknown": `
		read write sync dup ioctl dup2 fsync msync readv writev fdatasync
		io_setup io_destroy io_getevents io_submit io_cancel exit_group dup3
		preadv pwritev fallocate newfstatat process_vm_readv process_vm_writev
		fork vfork setuid getuid setgid geteuid getgid setresuid setresgid
		getresuid getresgid sigaltstack getrandom fadvise64`,
	"user": `
		getuid getgid geteuid getegid setreuid setregid getgroups setgroups
		setresuid getresuid setresgid getresgid setuid setgid setfsuid
		setfsgid`,
	"wait": `
		pause fcntl wait4 select poll epoll_create epoll_ctl epoll_wait waitid
		pselect6 ppoll epoll_pwait epoll_create1 newselect waitpid`,
}

// scCategories indexes scCategoryNames by PPM_SC code.
var scCategories = func() []string {
	out := make([]string, event.NumSC)
	byName := map[string]string{}
	for cat, names := range scCategoryNames {
		for _, n := range strings.Fields(names) {
			byName[n] = cat
		}
	}
	for i := range out {
		out[i] = "other"
		if c, ok := byName[event.SCName(uint16(i))]; ok {
			out[i] = c
		}
	}
	return out
}()

// scCategory is evt.category of a generic event.
func scCategory(e *inspect.Event) string {
	code, ok := e.ParamUint(0)
	if !ok || code >= uint64(len(scCategories)) {
		return "other"
	}
	return scCategories[code]
}
