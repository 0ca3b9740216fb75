/*
 * agent.c: xtrace's in-process recorder. Loaded into a traced process as
 * an audit module (LD_AUDIT), it maps the shared region named by
 * XTRACE_AGENT, installs a
 * SIGSYS handler and arms syscall user dispatch, so that every syscall the
 * program makes outside gate.S traps into on_sigsys. The handler appends
 * an enter record to the thread's ring, runs the syscall from the gate,
 * puts the result in the interrupted context and appends an exit record.
 *
 * Processes and threads: dispatch is armed per thread and a forked child
 * has it off, so every new task arms itself before it runs program code:
 * a child that shares the stack image (fork, vfork, clone without a
 * stack) does it on its way back through the handler; a child on a new
 * stack (threads, posix_spawn) starts in xa_clone_stack (gate.S), which
 * never returns through the parent's handler frame. vfork without a stack
 * runs as fork, since the child would return through, and overwrite, the
 * frame its parent resumes in. After execve the new image loads the agent
 * again (its LD_AUDIT is put back into the environment execve passes)
 * and takes over the ring of its thread.
 *
 * Why LD_AUDIT rather than LD_PRELOAD: the dynamic loader loads audit
 * modules first, before the libraries the program needs and before
 * LD_PRELOAD, and runs their constructors at once. So the agent records
 * nearly all of the loader's syscalls (its search for ld.so.preload, the
 * library cache, libc's loading and relocation): only the loader's own
 * setup before it loads an audit module is missed (brk, an anonymous mmap,
 * the thread pointer: arch_prctl, set_tid_address, set_robust_list, rseq)
 * and the agent's own loading. A preloaded library would start after all
 * of that. The agent needs no libc, so the audit namespace it lives in
 * costs nothing; la_version accepts the loader's audit interface and no
 * other audit callback is defined, so the loader does no auditing work.
 *
 * Where tasks and images come from: every new task's first record is a
 * child record (XA_REC_CHILD: the syscall that made it, the clone flags
 * the program asked for, the creating thread and process), before the
 * child's exit record of that syscall. An image that no recorded execve
 * started (the command xtrace launched, or a program an unrecorded one
 * started) begins with an image record (XA_REC_IMAGE) and an execve exit
 * record, as an adopted image begins with the exit of its execve.
 *
 * Facts and synchronous records: decoding some records reads the live
 * process (/proc, or the descriptors it holds), not only the memory
 * copied with them. Most of it (the device of the file an open returns,
 * the inode of a new pipe, the vm counters after mmap, munmap and brk, a
 * socket's names, the thread's /proc entries at a clone or execve exit)
 * the agent reads itself after the call and ships with the record as
 * facts. After the others (capture_gen.h's xa_sync, derived from the
 * event tables) the thread waits until xtrace has consumed the record;
 * see is_sync below.
 *
 * Freestanding: no libc, no allocation; everything the handler touches is
 * async-signal-safe (its own syscalls, atomics on the shared region, and
 * initial-exec TLS).
 */
#include "ring.h"
#include "capture_gen.h"

#define SYS_read 0
#define SYS_write 1
#define SYS_close 3
#define SYS_fstat 5
#define SYS_mmap 9
#define SYS_rt_sigaction 13
#define SYS_rt_sigprocmask 14
#define SYS_rt_sigreturn 15
#define SYS_nanosleep 35
#define SYS_kill 62
#define SYS_rt_sigsuspend 130
#define SYS_sigaltstack 131
#define SYS_tgkill 234
#define SYS_pselect6 270
#define SYS_ppoll 271
#define SYS_epoll_pwait 281
#define SYS_epoll_pwait2 441
#define SYS_getpid 39
#define SYS_getppid 110
#define SYS_clone 56
#define SYS_fork 57
#define SYS_vfork 58
#define SYS_execve 59
#define SYS_exit 60
#define SYS_prctl 157
#define SYS_gettid 186
#define SYS_futex 202
#define SYS_exit_group 231
#define SYS_openat 257
#define SYS_execveat 322
#define SYS_clone3 435
#define SYS_pidfd_open 434
#define SYS_socket 41
#define SYS_connect 42
#define SYS_sendmsg 46
#define SYS_getsockname 51
#define SYS_getpeername 52
#define SYS_process_vm_readv 310
#define SYS_statfs 137
#define SYS_newfstatat 262
#define SYS_prlimit64 302

#define AT_FDCWD -100
#define O_RDONLY 0
#define O_RDWR 02
#define O_CLOEXEC 02000000
#define PROT_RW 3
#define MAP_SHARED 1
#define SIGSYS 31
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SIG_DFL 0UL
#define SIG_IGN 1UL
#define SIGSYS_BIT (1UL << (SIGSYS - 1))
#define SA_SIGINFO 0x4UL
#define SA_RESTORER 0x04000000UL
#define SA_NODEFER 0x40000000UL
#define SA_RESETHAND 0x80000000UL
#define NSIG 64
#define CLONE_THREAD 0x10000UL
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#define SYS_USER_DISPATCH 2
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define CLONE_VM 0x100UL
#define CLONE_VFORK 0x4000UL
#define CLONE_SETTLS 0x80000UL
#define SIGCHLD 17UL

/* Offsets into the kernel's x86_64 ucontext: the general registers start
 * at 40 (after uc_flags, uc_link, uc_stack), in sigcontext order. */
#define UC_STACK 16
#define UC_GREGS 40
#define UC_SIGMASK 296
enum { R8, R9, R10, R11, R12, R13, R14, R15, RDI, RSI, RBP, RBX, RDX, RAX, RCX, RSP, RIP, NGREGS };

struct ksigaction {
	void *handler;
	u64 flags;
	void (*restorer)(void);
	u64 mask;
};

struct ksiginfo {
	int signo;
	int err;
	int code;
	int pad;
	union {
		struct {
			void *call_addr;
			int syscall;
			u32 arch;
		} sys;
		struct {
			int pid;
			u32 uid;
		} kill;
	};
};

struct timespec {
	long sec;
	long nsec;
};

/* The start of a child on a new stack (xa_clone_stack reads it by these
 * offsets): the user's registers, the stack pointer to end with, and the
 * syscall that made the child. */
struct cframe {
	u64 regs[NGREGS];
	u64 sp;
	u64 nr;
	u64 flags; /* the clone flags */
	u32 ptid;  /* the creating thread and its thread group */
	u32 ppid;
};
_Static_assert(sizeof(struct cframe) == 168, "gate.S reads struct cframe by offset");

/* clone3's argument, as far as the agent reads it. */
struct clone_args {
	u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	u64 set_tid, set_tid_size, cgroup;
};

extern long xa_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
extern long xa_clone_stack(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
extern void xa_restore_rt(void);
extern void xa_sigreturn_at(u64 sp) __attribute__((noreturn));
extern char xa_gate_start[], xa_gate_end[];
void xa_child_start(struct cframe *f);

#define sys0(n) xa_syscall6((n), 0, 0, 0, 0, 0, 0)
#define sys1(n, a) xa_syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) xa_syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) xa_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) xa_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* The thread's writer state. busy counts record writes in progress on
 * this thread (a signal handler's syscalls nest inside the agent's own);
 * only the outermost write publishes head, so the consumer never sees a
 * reserved record before it is written. A handler can run between any
 * two instructions of a write (the agent's own handler runs with every
 * signal open), so head moves only by compare-and-exchange from a value
 * read before: a write interrupted in between starts again after the
 * handler's records instead of writing over them. */
struct thr {
	struct xa_ring *ring;
	u8 *data;
	u64 head;
	u32 busy;
	u32 tid;
	u32 pid;
	/* A child that shares its parent's memory but not its signal
	 * actions (posix_spawn's): it must not change the parent's table of
	 * the program's actions. */
	u32 vm_child;
	/* Whether the program has SIGSYS blocked, as far as it knows: the
	 * kernel never has it blocked (see do_masked), but the masks the
	 * program reads back show it as the program set it. */
	u32 sigsys_blocked;
	/* Whether the execve in progress runs a program the agent cannot
	 * enter. */
	u16 alien;
	/* The thread is its process's only one and no other ever ran in
	 * it: /proc/self then shows what /proc/thread-self shows (a
	 * process's stat counts the faults of its ended threads too), and
	 * is cheaper to reach (no task directory to look up). */
	u16 solo;
};

static __thread struct thr me __attribute__((tls_model("initial-exec")));
static struct xa_header *region;

/* What execve puts back into the environment: "XTRACE_AGENT=..." and the
 * library's path, as the constructor found them. */
static char region_env[256];
static char lib_path[256];
static u64 lib_len;

/* The loader variable that brings the agent in. */
#define LOADER_VAR "LD_AUDIT"
#define LOADER_LEN 8

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static u64 slen(const char *s)
{
	u64 n = 0;
	while (s[n])
		n++;
	return n;
}

static int has_prefix(const char *s, const char *p, u64 n)
{
	for (u64 i = 0; i < n; i++)
		if (s[i] != p[i])
			return 0;
	return 1;
}

static void say(const char *a, const char *b)
{
	sys3(SYS_write, 2, "xtrace: agent: ", 15);
	sys3(SYS_write, 2, a, slen(a));
	sys3(SYS_write, 2, b, slen(b));
	sys3(SYS_write, 2, "\n", 1);
}

/* fatal ends the process: an agent that cannot record must not let the
 * program run unrecorded. */
static void fatal(const char *a, const char *b)
{
	say(a, b);
	sys1(SYS_exit_group, 127);
}

static void arm(void)
{
	if (xa_syscall6(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
			(long)xa_gate_start, xa_gate_end - xa_gate_start, 0, 0) != 0)
		fatal("cannot arm syscall user dispatch", "");
}

static struct xa_ring *ring_at(u32 i)
{
	return (struct xa_ring *)((u8 *)region + XA_PAGE + (u64)i * XA_RING_STRIDE);
}

static void doorbell(void)
{
	if (__atomic_exchange_n(&region->sleeping, 0, __ATOMIC_SEQ_CST)) {
		__atomic_fetch_add(&region->doorbell, 1, __ATOMIC_SEQ_CST);
		sys3(SYS_futex, &region->doorbell, FUTEX_WAKE, 1);
	}
}

/* recording is false once xtrace stopped reading the rings. */
static int recording(void)
{
	return !__atomic_load_n(&region->closed, __ATOMIC_RELAXED);
}

/* reader_gone checks, for an agent about to wait, that xtrace still
 * reads; a killed xtrace never says so itself. */
static int reader_gone(void)
{
	if (!recording())
		return 1;
	if (sys2(SYS_kill, region->xtrace_pid, 0) == -3 /* ESRCH */) {
		__atomic_store_n(&region->closed, 1, __ATOMIC_RELAXED);
		return 1;
	}
	return 0;
}

static void take(struct thr *t, struct xa_ring *r)
{
	t->ring = r;
	t->data = (u8 *)r + XA_PAGE;
	t->head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	t->busy = 0;
}

/* claim takes a free ring for the calling thread, waiting while all are
 * taken (the consumer frees the rings of exited threads). Signals are
 * blocked meanwhile, so that no handler's syscall claims a second one. */
static void claim(struct thr *t)
{
	u64 all = ~(1UL << (SIGSYS - 1)), old;
	sys4(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
	if (t->ring) {
		/* A handler that ran before the signals were blocked claimed
		 * one. */
		sys4(SYS_rt_sigprocmask, SIG_SETMASK, &old, 0, 8);
		return;
	}
	u32 n = region->nrings;
	t->tid = (u32)sys0(SYS_gettid);
	for (;;) {
		u32 start = __atomic_fetch_add(&region->claims, 1, __ATOMIC_RELAXED);
		for (u32 i = 0; i < n; i++) {
			struct xa_ring *r = ring_at((start + i) % n);
			u32 free = XA_FREE;
			if (__atomic_compare_exchange_n(&r->state, &free, XA_OWNED, 0,
							__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
				u32 k = (start + i) % n;
				r->exec_nr = 0;
				r->exec_solo = 0;
				t->pid = (u32)sys0(SYS_getpid);
				r->pid = t->pid;
				r->gen++;
				__atomic_store_n(&r->tid, t->tid, __ATOMIC_RELEASE);
				__atomic_fetch_or(&region->active[k / 64], 1UL << (k % 64), __ATOMIC_SEQ_CST);
				take(t, r);
				sys4(SYS_rt_sigprocmask, SIG_SETMASK, &old, 0, 8);
				return;
			}
		}
		if (reader_gone()) {
			sys4(SYS_rt_sigprocmask, SIG_SETMASK, &old, 0, 8);
			return; /* no ring: nothing is recorded */
		}
		struct timespec ts = {0, 1000000};
		__atomic_store_n(&region->sleeping, 1, __ATOMIC_SEQ_CST);
		doorbell();
		sys2(SYS_nanosleep, &ts, 0);
	}
}

/* The producer sets waiting before it sleeps on the tail and clears it
 * once it stops waiting; the consumer only reads it (and wakes it after
 * moving the tail). A consumer that cleared it could erase the flag of
 * the producer's next wait and sleep through it. */
static void stop_waiting(struct xa_ring *r)
{
	__atomic_store_n(&r->waiting, 0, __ATOMIC_RELEASE);
}

/* room waits until len bytes fit after head. */
static void room(struct thr *t, u64 head, u64 len)
{
	struct xa_ring *r = t->ring;
	for (;;) {
		u64 tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (XA_RING_BYTES - (head - tail) >= len) {
			stop_waiting(r);
			return;
		}
		__atomic_store_n(&r->waiting, 1, __ATOMIC_SEQ_CST);
		tail = __atomic_load_n(&r->tail, __ATOMIC_SEQ_CST);
		if (XA_RING_BYTES - (head - tail) >= len) {
			stop_waiting(r);
			return;
		}
		if (reader_gone()) {
			stop_waiting(r);
			return; /* overwriting what nobody will read */
		}
		__atomic_store_n(&region->sleeping, 1, __ATOMIC_SEQ_CST);
		doorbell();
		struct timespec ts = {0, 50000000};
		sys4(SYS_futex, &r->tail, FUTEX_WAIT, (u32)tail, &ts);
	}
}

/* hold waits until the consumer has consumed the ring up to target (the
 * head after a synchronous record), ringing its doorbell first so that
 * it wakes at once. */
static void hold(struct thr *t, u64 target)
{
	struct xa_ring *r = t->ring;
	doorbell();
	for (;;) {
		u64 tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (tail >= target) {
			stop_waiting(r);
			return;
		}
		__atomic_store_n(&r->waiting, 1, __ATOMIC_SEQ_CST);
		tail = __atomic_load_n(&r->tail, __ATOMIC_SEQ_CST);
		if (tail >= target || reader_gone()) {
			stop_waiting(r);
			return;
		}
		struct timespec ts = {0, 50000000};
		sys4(SYS_futex, &r->tail, FUTEX_WAIT, (u32)tail, &ts);
		/* A timeout: ring again, in case the consumer missed it. */
		__atomic_store_n(&region->sleeping, 1, __ATOMIC_SEQ_CST);
		doorbell();
	}
}

/* reserve returns room for a record of len bytes (a multiple of 8),
 * padding to the end of the ring first when it would not fit there, and
 * sets *at to where the record starts in the ring's byte count. */
static void *reserve(struct thr *t, u32 len, u64 *at)
{
	t->busy++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	for (;;) {
		u64 head = __atomic_load_n(&t->head, __ATOMIC_RELAXED);
		u64 pos = head & (XA_RING_BYTES - 1);
		u64 pad = XA_RING_BYTES - pos;
		u64 need = pad < len ? pad + len : len;
		room(t, head, need);
		/* A handler that ran since head was read wrote its records
		 * from there: start again after them. */
		if (!__atomic_compare_exchange_n(&t->head, &head, head + need, 0,
						 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			continue;
		if (pad < len) {
			struct xa_rec *p = (struct xa_rec *)(t->data + pos);
			p->len = (u32)pad;
			p->kind = XA_REC_PAD;
			pos = 0;
		}
		*at = head + need - len;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		return t->data + pos;
	}
}

/* commit publishes the thread's records once the outermost write is
 * done. A handler that runs between reading t->head and storing it may
 * publish a later head itself: the ring's head never moves back. */
static void commit(struct thr *t)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (--t->busy != 0)
		return;
	struct xa_ring *r = t->ring;
	u64 head = __atomic_load_n(&t->head, __ATOMIC_RELAXED);
	u64 cur = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	while (cur < head && !__atomic_compare_exchange_n(&r->head, &cur, head, 0,
							  __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
	if (__atomic_load_n(&region->sleeping, __ATOMIC_RELAXED) &&
	    head - __atomic_load_n(&r->tail, __ATOMIC_RELAXED) >= XA_RING_BYTES / 4)
		doorbell();
}

/* begin reserves a record of len bytes, with flags XA_REC_*, and fills
 * its header (*at: where it starts, as reserve says); commit publishes
 * it. */
static void *begin_at(struct thr *t, u32 len, u16 kind, long nr, u16 flags, u64 *at)
{
	struct xa_rec *h = reserve(t, len, at);
	h->len = len;
	h->kind = kind;
	h->flags = flags;
	h->tid = t->tid;
	h->nr = (u32)nr;
	h->tsc = rdtsc();
	return h;
}

static void *begin(struct thr *t, u32 len, u16 kind, long nr)
{
	u64 at;
	return begin_at(t, len, kind, nr, 0, &at);
}

/*
 * Memory capture. capture_gen.h lists, per syscall and side, the tracee
 * memory the decoder reads. The handler reserves room for the most it can
 * copy, reads with process_vm_readv on its own process (a bad pointer from
 * the program faults there, not in the agent), and gives back the unused
 * room unless a signal handler's record was reserved after it meanwhile;
 * then an end chunk marks the rest as slack.
 */
#define IOV_MAX 256
#define ARRAY_MAX 65536

struct iovec {
	u64 base;
	u64 len;
};

static u64 align8(u64 n)
{
	return (n + 7) & ~7UL;
}

static u32 snaplen(void)
{
	return region->snaplen;
}

/* array_bytes is the size of the array c asks for, at most ARRAY_MAX. */
static u64 array_bytes(const struct xa_cap *c, const u64 *a)
{
	u64 n = a[c->b] < ARRAY_MAX ? a[c->b] * c->imm : ARRAY_MAX;
	return n < ARRAY_MAX ? n : ARRAY_MAX;
}

/* iov_limit is how much data an iovec or msghdr capture copies: up to
 * the result when c asks so (imm 1), at most the snaplen. */
static u64 iov_limit(const struct xa_cap *c, long ret, u64 snap)
{
	if (c->imm && ret < (long)snap)
		return ret > 0 ? (u64)ret : 0;
	return snap;
}

/* The room a task fact's files take at most (fact_task): status,
 * cmdline, environ and cgroup a page each, stat 1 KiB, comm and loginuid
 * 64 bytes. */
#define PROC_PAGE 4096U
#define PROC_FILES_MAX (7 * (sizeof(struct xa_chunk) + sizeof(struct xa_fact_file)) + 4 * PROC_PAGE + 1024 + 2 * 64)

/* cap_max is the most room one capture can take, chunk headers included. */
static u64 cap_max(const struct xa_cap *c, const u64 *a)
{
	u64 h = sizeof(struct xa_chunk) + 8;
	switch (c->op) {
	case XA_OP_STR:
	case XA_OP_FIXED:
	case XA_OP_FIXED_OK:
	case XA_OP_BUFCAP:
	case XA_OP_OUT:
		return h + c->imm;
	case XA_OP_BUF:
	case XA_OP_BUFRET:
		return h + snaplen();
	case XA_OP_BUFDEREF:
		return h + (c->imm ? c->imm : snaplen());
	case XA_OP_ARRAY:
		return h + array_bytes(c, a);
	case XA_OP_IOV:
	case XA_OP_MSG: {
		u64 n = c->op == XA_OP_IOV ? a[c->b] : IOV_MAX;
		if (n > IOV_MAX)
			n = IOV_MAX;
		return 3 * h + 56 + 128 + n * (sizeof(struct iovec) + h) + snaplen();
	}
	case XA_OP_FACT_FD:
		return sizeof(struct xa_chunk) + sizeof(struct xa_fact_fd);
	case XA_OP_FACT_PIPE:
		return 2 * (sizeof(struct xa_chunk) + sizeof(struct xa_fact_fd));
	case XA_OP_FACT_VM:
		return sizeof(struct xa_chunk) + sizeof(struct xa_fact_vm);
	case XA_OP_FACT_SOCK:
		return sizeof(struct xa_chunk) + sizeof(struct xa_fact_sock);
	case XA_OP_FACT_TASK:
		return 2 * sizeof(struct xa_chunk) + 8 + sizeof(struct xa_fact_task) + PROC_FILES_MAX;
	}
	return 0;
}

/* peek copies up to n bytes at addr; it returns how many it could. */
static u64 peek(struct thr *t, u64 addr, void *dst, u64 n)
{
	if (!n || !addr)
		return 0;
	struct iovec local = {(u64)dst, n}, remote = {addr, n};
	long got = xa_syscall6(SYS_process_vm_readv, t->pid, (long)&local, 1, (long)&remote, 1, 0);
	return got > 0 ? (u64)got : 0;
}

/* chunk copies n bytes at addr to *p as one chunk and advances *p. */
static u64 chunk(struct thr *t, u8 **p, u64 addr, u64 n)
{
	struct xa_chunk *c = (struct xa_chunk *)*p;
	u64 got = peek(t, addr, c + 1, n);
	c->addr = addr;
	c->len = (u32)got;
	c->flags = got < n ? XA_CHUNK_FAULT : 0;
	*p += sizeof *c + align8(got);
	return got;
}

/* chunk_direct copies n bytes at addr to *p as one chunk without a
 * syscall. Only for memory the kernel has just read or written for this
 * call, as its result proves: the program's own thread is still inside
 * the syscall, so a correct program cannot have unmapped it since. */
static void chunk_direct(u8 **p, u64 addr, u64 n)
{
	struct xa_chunk *c = (struct xa_chunk *)*p;
	const u8 *s = (const u8 *)addr;
	u8 *d = (u8 *)(c + 1);
	for (u64 i = 0; i < n; i++)
		d[i] = s[i];
	c->addr = addr;
	c->len = (u32)n;
	c->flags = 0;
	*p += sizeof *c + align8(n);
}

/* chunk_at copies n bytes at addr, directly when proved says the call
 * went through them (chunk_direct), else through process_vm_readv. */
static void chunk_at(struct thr *t, u8 **p, u64 addr, u64 n, int proved)
{
	if (proved && addr)
		chunk_direct(p, addr, n);
	else
		chunk(t, p, addr, n);
}

/* chunk_str_direct is chunk_str for a string the kernel has just read in
 * full (the call succeeded). */
static void chunk_str_direct(u8 **p, u64 addr, u64 max)
{
	const u8 *s = (const u8 *)addr;
	u64 n = 0;
	while (n < max && s[n])
		n++;
	chunk_direct(p, addr, n < max ? n + 1 : n);
}

/* chunk_str copies the string at addr, NUL included, at most max bytes,
 * reading to the end of a page at a time. */
static void chunk_str(struct thr *t, u8 **p, u64 addr, u64 max)
{
	struct xa_chunk *c = (struct xa_chunk *)*p;
	u8 *d = (u8 *)(c + 1);
	u64 got = 0;
	c->flags = XA_CHUNK_FAULT;
	while (addr && got < max) {
		u64 n = XA_PAGE - ((addr + got) & (XA_PAGE - 1));
		if (n > max - got)
			n = max - got;
		u64 r = peek(t, addr + got, d + got, n);
		for (u64 i = 0; i < r; i++) {
			if (!d[got + i]) {
				got += i + 1;
				c->flags = 0;
				goto done;
			}
		}
		got += r;
		if (r < n)
			break;
	}
	if (got == max)
		c->flags = 0; /* cut at max, as the decoder cuts it */
done:
	c->addr = addr;
	c->len = (u32)got;
	*p += sizeof *c + align8(got);
}

/* chunk_iov copies an iovec array and its buffers, limit bytes of data in
 * all. */
static void chunk_iov(struct thr *t, u8 **p, u64 addr, u64 cnt, u64 limit)
{
	if (cnt > IOV_MAX)
		cnt = IOV_MAX;
	struct xa_chunk *c = (struct xa_chunk *)*p;
	u64 got = chunk(t, p, addr, cnt * sizeof(struct iovec));
	const struct iovec *iov = (const struct iovec *)(c + 1);
	for (u64 i = 0; i < got / sizeof *iov && limit; i++) {
		u64 n = iov[i].len < limit ? iov[i].len : limit;
		if (n)
			limit -= chunk(t, p, iov[i].base, n);
	}
}

/*
 * Facts (ring.h): what decoding would otherwise read from the live
 * process, read here where xtrace would read it (after the call for an
 * exit record, before it for an enter record), the same way: fstat of a
 * descriptor (st_dev, st_ino), /proc/self/statm for the vm counters,
 * getsockname and getpeername of a socket.
 * A fact that cannot be read is left out (xtrace then reads the live
 * process, as it would without facts), except a descriptor fstat does not
 * know, which xtrace's fstat would not know either. Reading statm opens a
 * descriptor for a moment: another thread opening a file right then gets
 * the next number up.
 */
struct kstat {
	u64 dev, ino, nlink;
	u32 mode, uid, gid, pad0;
	u64 rdev;
	i64 size, blksize, blocks;
	u64 times[6];
	i64 unused[3];
};
_Static_assert(sizeof(struct kstat) == 144, "x86_64 struct stat");

static void *fact(u8 **p, u64 kind, u32 len)
{
	struct xa_chunk *c = (struct xa_chunk *)*p;
	c->addr = kind;
	c->len = len;
	c->flags = XA_CHUNK_FACT;
	*p += sizeof *c + align8(len);
	return c + 1;
}

static void fact_fd(u8 **p, i64 fd)
{
	struct kstat st;
	struct xa_fact_fd *f = fact(p, XA_FACT_FD, sizeof *f);
	f->fd = fd;
	f->ok = sys2(SYS_fstat, fd, &st) == 0;
	f->dev = f->ok ? (u32)st.dev : 0;
	f->ino = f->ok ? st.ino : 0;
}

static u64 atou(const char **s, const char *end)
{
	u64 v = 0;
	while (*s < end && **s == ' ')
		(*s)++;
	for (; *s < end && **s >= '0' && **s <= '9'; (*s)++)
		v = v * 10 + (u64)(**s - '0');
	return v;
}

/* read_proc reads up to n - 1 bytes of the file at path into b, in one
 * read; it returns how many, or -1. */
static long read_proc(const char *path, char *b, u64 n)
{
	long fd = sys4(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* The files read here come in one piece: one read, as xtrace's. */
	long got = sys3(SYS_read, fd, b, n - 1);
	sys1(SYS_close, fd);
	return got < 0 ? -1 : got;
}

/* vm_swap is VmSwap of /proc/self/status in KiB (0 when unknown), as
 * xtrace reads it: the first decimal after the key. */
static __attribute__((noinline)) u64 vm_swap(void)
{
	char b[4096];
	long n = read_proc("/proc/self/status", b, sizeof b);
	const char *end = b + (n > 0 ? n : 0);
	for (const char *s = b; s < end;) {
		if (end - s > 7 && has_prefix(s, "VmSwap:", 7)) {
			s += 7;
			while (s < end && (*s == ' ' || *s == '\t'))
				s++;
			return atou(&s, end);
		}
		while (s < end && *s++ != '\n')
			;
	}
	return 0;
}

static void fact_vm(u8 **p)
{
	char b[256];
	long n = read_proc("/proc/self/statm", b, sizeof b);
	if (n <= 0)
		return;
	const char *s = b, *end = b + n;
	u64 size = atou(&s, end), rss = atou(&s, end);
	struct xa_fact_vm *f = fact(p, XA_FACT_VM, sizeof *f);
	f->size = size * 4;
	f->rss = rss * 4;
	f->swap = __atomic_load_n(&region->flags, __ATOMIC_RELAXED) & XA_HDR_SWAP ? vm_swap() : 0;
}

#define AF_INET 2
#define AF_INET6 10

/* fact_sock ships the names of socket fd; it returns 1 when they cover
 * its tuple (an AF_INET or AF_INET6 socket), 0 when xtrace must read the
 * live process all the same (getsockname failed, or another family: a
 * unix socket's tuple names its /proc/net/unix entries). */
static int fact_sock(u8 **p, i64 fd)
{
	struct xa_fact_sock *f = fact(p, XA_FACT_SOCK, sizeof *f);
	u8 *z = (u8 *)f;
	for (u64 i = 0; i < sizeof *f; i++)
		z[i] = 0;
	f->fd = fd;
	u32 n = sizeof f->name;
	f->name_ret = (i32)sys3(SYS_getsockname, fd, f->name, &n);
	f->name_len = f->name_ret == 0 ? (n < sizeof f->name ? n : sizeof f->name) : 0;
	n = sizeof f->peer;
	f->peer_ret = (i32)sys3(SYS_getpeername, fd, f->peer, &n);
	f->peer_len = f->peer_ret == 0 ? (n < sizeof f->peer ? n : sizeof f->peer) : 0;
	u16 family = f->name_len >= 2 ? *(const u16 *)f->name : 0;
	return f->name_ret == 0 && (family == AF_INET || family == AF_INET6);
}

/* file_room is the room a file of the task takes in a record; a file
 * that fills it (but cmdline and environ, cut to a page as the driver
 * cuts them) is not a fact. */
static const u32 file_room[8] = {0, PROC_PAGE, 1024, 64, PROC_PAGE, PROC_PAGE, 64, PROC_PAGE};

/* fact_file reads the file at path into a fact chunk of the record; it
 * returns 0 when the file filled its room (not a whole file), the agent
 * could not open it for want of descriptors, or it is the status file
 * and could not be read (no /proc in the process's view), else 1. */
static int fact_file(u8 **p, u32 file, const char *path)
{
	u32 room = file_room[file];
	struct xa_chunk *c = (struct xa_chunk *)*p;
	struct xa_fact_file *f = (struct xa_fact_file *)(c + 1);
	u8 *b = (u8 *)(f + 1);
	f->file = file;
	f->ret = 0;
	u64 got = 0;
	long fd = sys4(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		f->ret = (i32)fd;
	} else {
		/* These files come in one piece (cmdline and environ up to
		 * the count asked): a short read is the end, as procfs's
		 * readOneAt takes it. */
		while (got < room) {
			long r = sys3(SYS_read, fd, b + got, room - got);
			if (r < 0)
				f->ret = (i32)r;
			if (r <= 0)
				break;
			got += (u64)r;
			if ((u64)r < room - (got - (u64)r))
				break;
		}
		sys1(SYS_close, fd);
	}
	if (f->ret)
		got = 0;
	c->addr = XA_FACT_FILE;
	c->len = (u32)(sizeof *f + got);
	c->flags = XA_CHUNK_FACT;
	*p += sizeof *c + align8(c->len);
	if (f->ret == -24 || f->ret == -23)
		return 0; /* EMFILE, ENFILE: the agent's failure, not the file's */
	if (f->ret && file == XA_FILE_STATUS)
		return 0; /* no /proc here (a chroot): xtrace reads its own */
	return got < room || file == XA_FILE_CMDLINE || file == XA_FILE_ENVIRON;
}

/* name_escaped reports whether the Name line of a status file (its
 * first) has a backslash: the comm has a character status escapes. */
static int name_escaped(const struct xa_chunk *c)
{
	const struct xa_fact_file *f = (const struct xa_fact_file *)(c + 1);
	const char *s = (const char *)(f + 1), *end = (const char *)c + sizeof *c + c->len;
	for (; s < end && *s != '\n'; s++)
		if (*s == '\\')
			return 1;
	return 0;
}

#define RLIMIT_NOFILE 7
#define ST_RDONLY 1

/* fact_task reads the thread's /proc entries that a clone or execve exit
 * event's fields need (what bits asks beyond status, stat and the fd
 * limit), where xtrace would read them while holding the thread at the
 * exit. It returns 0 when they do not cover the record: a file that did
 * not fit its room, or a failed call whose fields come from its argv. */
/* task_path returns /proc/self/NAME for a solo thread, else
 * /proc/thread-self/NAME, in b. */
static const char *task_path(char *b, const struct thr *t, const char *name)
{
	const char *dir = t->solo ? "/proc/self/" : "/proc/thread-self/";
	char *q = b;
	while (*dir)
		*q++ = *dir++;
	while (*name)
		*q++ = *name++;
	*q = 0;
	return b;
}

static int fact_task(const struct thr *t, u8 **p, u32 bits, long ret)
{
	char path[32];
	if ((bits & XA_PROC_ARGV) && ret < 0)
		return 0;
	struct xa_fact_task *k = fact(p, XA_FACT_TASK, sizeof *k);
	u8 *z = (u8 *)k;
	for (u64 i = 0; i < sizeof *k; i++)
		z[i] = 0;
	k->have = bits & ~XA_PROC_ARGV;
	u64 rl[2];
	k->limit_ret = (i32)sys4(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, rl);
	k->fdlimit = k->limit_ret ? 0 : rl[0];
	if (bits & XA_PROC_EXE) {
		struct kstat st;
		/* The exe link is the process's: any thread's reads the same. */
		k->exe_ret = (i32)sys4(SYS_newfstatat, AT_FDCWD, "/proc/self/exe", &st, 0);
		if (!k->exe_ret) {
			k->exe_mode = st.mode;
			k->exe_uid = st.uid;
			k->exe_gid = st.gid;
			u64 sfs[15]; /* struct statfs: f_flags is word 10 */
			if (sys2(SYS_statfs, "/proc/self/exe", sfs) == 0)
				k->exe_rdonly = (sfs[10] & ST_RDONLY) != 0;
		}
	}
	int whole = 1;
	struct xa_chunk *status = (struct xa_chunk *)*p;
	whole &= fact_file(p, XA_FILE_STATUS, task_path(path, t, "status"));
	if (name_escaped(status))
		whole &= fact_file(p, XA_FILE_COMM, task_path(path, t, "comm"));
	whole &= fact_file(p, XA_FILE_STAT, task_path(path, t, "stat"));
	/* The argument and environment areas are the process's. */
	if (bits & XA_PROC_CMDLINE)
		whole &= fact_file(p, XA_FILE_CMDLINE, "/proc/self/cmdline");
	if (bits & XA_PROC_ENVIRON)
		whole &= fact_file(p, XA_FILE_ENVIRON, "/proc/self/environ");
	if (bits & XA_PROC_LOGINUID)
		whole &= fact_file(p, XA_FILE_LOGINUID, task_path(path, t, "loginuid"));
	if (bits & XA_PROC_CGROUP)
		whole &= fact_file(p, XA_FILE_CGROUP, "/proc/self/cgroup");
	return whole;
}

/* capture copies what c asks for. At exit (exit 1), memory the call's
 * result shows the kernel went through is copied directly; everything
 * else through process_vm_readv. It returns 0 when the record needs the
 * live process for what c stands for although c is a fact capture (a
 * socket fact that does not cover the tuple), 1 otherwise. */
static int capture(struct thr *t, u8 **p, const struct xa_cap *c, long nr, const u64 *a, int exit, long ret)
{
	u64 snap = snaplen();
	switch (c->op) {
	case XA_OP_STR:
		if (exit && ret >= 0 && a[c->a])
			chunk_str_direct(p, a[c->a], c->imm);
		else
			chunk_str(t, p, a[c->a], c->imm);
		break;
	case XA_OP_BUF: {
		u64 n = a[c->b] < snap ? a[c->b] : snap;
		chunk_at(t, p, a[c->a], n, exit && ret >= (long)n);
		break;
	}
	case XA_OP_BUFRET:
		if (ret > 0 && exit && a[c->a])
			chunk_direct(p, a[c->a], (u64)ret < snap ? (u64)ret : snap);
		break;
	case XA_OP_FIXED:
		chunk(t, p, a[c->a], c->imm);
		break;
	case XA_OP_FIXED_OK:
		chunk_at(t, p, a[c->a], c->imm, exit && ret >= 0);
		break;
	case XA_OP_OUT:
		if (exit && ret == 0)
			chunk(t, p, a[c->a], c->imm);
		break;
	case XA_OP_ARRAY:
		chunk(t, p, a[c->a], array_bytes(c, a));
		break;
	case XA_OP_BUFCAP:
		chunk(t, p, a[c->a], a[c->b] < c->imm ? a[c->b] : c->imm);
		break;
	case XA_OP_BUFDEREF: {
		u32 n = 0;
		u64 lim = c->imm ? c->imm : snap;
		if (peek(t, a[c->b], &n, 4) == 4)
			chunk(t, p, a[c->a], n < lim ? n : lim);
		break;
	}
	case XA_OP_IOV:
		chunk_iov(t, p, a[c->a], a[c->b], iov_limit(c, ret, snap));
		break;
	case XA_OP_MSG: {
		struct xa_chunk *m = (struct xa_chunk *)*p;
		if (chunk(t, p, a[c->a], 56) != 56)
			break;
		const u8 *hdr = (const u8 *)(m + 1);
		u64 name = *(const u64 *)hdr, iov = *(const u64 *)(hdr + 16), cnt = *(const u64 *)(hdr + 24);
		u32 namelen = *(const u32 *)(hdr + 8);
		if (name && namelen)
			chunk(t, p, name, namelen < 128 ? namelen : 128);
		chunk_iov(t, p, iov, cnt, iov_limit(c, ret, snap));
		break;
	}
	case XA_OP_FACT_FD: {
		i64 fd = c->imm ? ret : (i64)a[c->a];
		if (fd >= 0)
			fact_fd(p, fd);
		break;
	}
	case XA_OP_FACT_PIPE: {
		/* Both descriptors, whatever the result: xtrace stats the
		 * first one the array holds even for a failed call. */
		int fds[2];
		if (exit && ret == 0) {
			fds[0] = ((const int *)a[c->a])[0];
			fds[1] = ((const int *)a[c->a])[1];
		} else if (peek(t, a[c->a], fds, sizeof fds) != sizeof fds) {
			break;
		}
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0)
				fact_fd(p, fds[i]);
		break;
	}
	case XA_OP_FACT_VM:
		fact_vm(p);
		break;
	case XA_OP_FACT_SOCK: {
		/* No descriptor (a failed call's result, a negative
		 * argument): the decoder has no socket to read either. */
		i64 fd = c->imm ? ret : (i64)(int)a[c->a];
		if (fd >= 0)
			return fact_sock(p, fd);
		break;
	}
	case XA_OP_FACT_TASK:
		/* The parent's clone3 exit: xtrace takes the clone flags
		 * from the program's struct clone_args. */
		if (nr == SYS_clone3 && ret > 0)
			chunk(t, p, a[0], 8);
		return fact_task(t, p, c->imm, ret);
	}
	return 1;
}

/*
 * Synchronous records. Decoding some events reads the live process, not
 * only the call's memory and facts: /proc of the thread (clone, fork,
 * vfork, clone3, execve and execveat exits, when the task fact does not
 * cover them: a failed execve, a file too long) or the descriptors it holds
 * (the socket tuples of connect, accept, sendto, sendmsg, recvfrom and
 * recvmsg, a socketpair's endpoints, a listening socket's backlog).
 * capture_gen.h says which records those are (xa_sync, derived from the
 * fetch kinds of the event tables; XA_SYNC_OK for kinds that read the
 * process only when the call succeeded; XA_SYNC_FACT and XA_SYNC_FACT_OK
 * for kinds the agent's facts cover in some cases: socket tuples, whose
 * socket names are facts, enough for AF_INET and AF_INET6 sockets; the
 * record is synchronous when a fact capture returned 0, uncovered here).
 * After such a record the thread
 * waits until xtrace has consumed it, so that xtrace decodes it while the
 * process is as the call left it: an exit record after the syscall ran,
 * before the program sees the result; an enter record before it runs.
 * Nothing waits once xtrace is gone. A record written by a signal handler
 * that interrupted the agent's own record writing cannot be published
 * before the outer record is, so it is not held (nor flagged).
 */
static int is_sync(int exit, long nr, long ret, int uncovered)
{
	if (nr < 0 || nr >= XA_CAP_NSYS)
		return 0;
	switch (xa_sync[nr][exit]) {
	case XA_SYNC_ALWAYS:
		return 1;
	case XA_SYNC_OK:
		return ret >= 0;
	case XA_SYNC_FACT:
		return uncovered;
	case XA_SYNC_FACT_OK:
		return ret >= 0 && uncovered;
	}
	return 0;
}

/* publish commits the record h and, when it is synchronous, holds the
 * thread until xtrace has consumed it. */
static void publish(struct thr *t, struct xa_rec *h, int sync)
{
	if (sync && t->busy == 1)
		h->flags |= XA_REC_SYNC;
	else
		sync = 0;
	commit(t);
	if (sync)
		hold(t, __atomic_load_n(&t->head, __ATOMIC_RELAXED));
}

/* record_as writes an enter (exit 0) or exit (exit 1) record of nr with
 * the memory capture_gen.h lists for it and flags XA_REC_*; sync makes
 * it synchronous whatever its facts (an image's first execve exit:
 * xtrace reads the image's exe link at it). */
static void record_as(struct thr *t, int exit, long nr, const u64 *a, long ret, u16 flags, int sync)
{
	if (!t->ring || !recording())
		return;
	u32 fixed = exit ? sizeof(struct xa_exit) : sizeof(struct xa_enter);
	const struct xa_cap *caps = 0;
	u32 ncaps = 0;
	if (nr >= 0 && nr < XA_CAP_NSYS) {
		caps = &xa_caps[xa_cap_index[nr][exit][0]];
		ncaps = xa_cap_index[nr][exit][1];
	}
	/* A record takes at most half a ring, so that it always fits once
	 * the consumer has caught up: captures past that are left out. */
	u32 all = ncaps;
	u64 room_max = fixed + sizeof(struct xa_chunk);
	for (u32 i = 0; i < ncaps; i++) {
		u64 m = cap_max(&caps[i], a);
		if (room_max + m > XA_RING_BYTES / 2) {
			ncaps = i;
			break;
		}
		room_max += m;
	}
	u64 start;
	struct xa_rec *h = begin_at(t, (u32)align8(room_max), exit ? XA_REC_EXIT : XA_REC_ENTER, nr,
				    flags, &start);
	if (exit) {
		((struct xa_exit *)h)->ret = ret;
	} else {
		for (int i = 0; i < 6; i++)
			((struct xa_enter *)h)->args[i] = a[i];
	}
	u8 *p = (u8 *)h + fixed;
	/* A fact capture left out covers nothing. */
	int uncovered = ncaps < all;
	for (u32 i = 0; i < ncaps; i++)
		uncovered |= !capture(t, &p, &caps[i], nr, a, exit, ret);
	u64 used = (u64)(p - (u8 *)h);
	if (used < h->len) {
		u64 end = start + h->len;
		if (__atomic_compare_exchange_n(&t->head, &end, start + used, 0,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			h->len = (u32)used;
		} else {
			struct xa_chunk *end = (struct xa_chunk *)p;
			end->addr = 0;
			end->len = 0;
			end->flags = XA_CHUNK_END;
		}
	}
	publish(t, h, sync | is_sync(exit, nr, ret, uncovered));
}

static void record(struct thr *t, int exit, long nr, const u64 *a, long ret)
{
	record_as(t, exit, nr, a, ret, 0, 0);
}

static void record_exit(struct thr *t, long nr, long ret)
{
	u64 none[6] = {0};
	record(t, 1, nr, none, ret);
}

/* child_reset arms a new task that shares its parent's image, claims its
 * ring and writes its first record: the syscall nr that made it, with the
 * clone flags the program asked for and its creator (the parent thread's
 * tid and pid, which the caller took before the clone: a child's copy of
 * the parent's state is overwritten here). */
static void child_reset(struct thr *t, long nr, u64 flags, u32 ptid, u32 ppid)
{
	t->ring = 0;
	t->vm_child = 0;
	t->solo = !(flags & CLONE_THREAD);
	arm();
	claim(t);
	if (!t->ring || !recording())
		return;
	struct xa_child *c = begin(t, sizeof *c, XA_REC_CHILD, nr);
	c->flags = flags;
	c->ptid = ptid;
	c->ppid = ppid;
	commit(t);
}

/* record_image writes the first record of an image that no recorded
 * execve started, and the execve exit that describes it, synchronous:
 * xtrace names the image by its exe link, read while the thread waits. */
static void record_image(struct thr *t)
{
	if (!t->ring || !recording())
		return;
	struct xa_image *m = begin(t, sizeof *m, XA_REC_IMAGE, 0);
	m->ppid = (u32)sys0(SYS_getppid);
	m->pad = 0;
	commit(t);
	u64 none[6] = {0};
	record_as(t, 1, SYS_execve, none, 0, 0, 1);
}

/*
 * Exit statuses. A process cannot record its own death, and xtrace is not
 * the parent of most of the tree, so every new process hands xtrace a
 * pidfd of itself while it surely lives, over xtrace's abstract unix
 * socket "xtrace-agent:" + the region path; xtrace reads the status from
 * the pidfd (PIDFD_GET_INFO) once the process is gone. The socket's
 * descriptor is open only inside the handler.
 */
#define AF_UNIX 1
#define SOCK_SEQPACKET 5
#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define MSG_NOSIGNAL 0x4000

static char notify_name[128];
static u64 notify_len;

struct sockaddr_un {
	u16 family;
	char path[108];
};

struct msghdr {
	void *name;
	u32 namelen;
	struct iovec *iov;
	u64 iovlen;
	void *control;
	u64 controllen;
	int flags;
};

static void announce(struct thr *t)
{
	if (!recording())
		return;
	long pfd = sys2(SYS_pidfd_open, t->pid, 0);
	if (pfd < 0)
		return;
	/* The connect waits while xtrace's backlog is full (a fork storm);
	 * when recording ends xtrace closes the socket, which ends the wait. */
	long s = sys3(SYS_socket, AF_UNIX, SOCK_SEQPACKET | O_CLOEXEC, 0);
	if (s >= 0) {
		struct sockaddr_un sa = {.family = AF_UNIX};
		for (u64 i = 0; i < notify_len; i++)
			sa.path[1 + i] = notify_name[i];
		if (sys3(SYS_connect, s, &sa, 2 + 1 + notify_len) == 0) {
			u32 pid = t->pid;
			struct iovec iov = {(u64)&pid, sizeof pid};
			u64 control[3] = {16 + 4, (u64)SOL_SOCKET | (u64)SCM_RIGHTS << 32, (u64)(u32)pfd};
			struct msghdr mh = {.iov = &iov, .iovlen = 1, .control = control, .controllen = 24};
			sys3(SYS_sendmsg, s, &mh, MSG_NOSIGNAL);
		}
		sys1(SYS_close, s);
	}
	sys1(SYS_close, pfd);
}

/* new_process is child_reset for a child that is a process of its own. */
static void new_process(struct thr *t, long nr, u64 flags, u32 ptid, u32 ppid)
{
	child_reset(t, nr, flags, ptid, ppid);
	announce(t);
}

/* xa_child_start is where a child on a new stack begins (gate.S): it
 * arms, claims a ring and records the child's side of the clone. */
void xa_child_start(struct cframe *f)
{
	struct thr *t = &me;
	child_reset(t, (long)f->nr, f->flags, f->ptid, f->ppid);
	t->vm_child = (f->flags & CLONE_VM) && !(f->flags & CLONE_THREAD);
	if (!(f->flags & CLONE_THREAD))
		announce(t);
	record_exit(t, (long)f->nr, 0);
}

/* clone_stack runs a clone or clone3 whose child starts on the stack
 * ending at sp: the struct cframe goes just below it. A child that shares
 * memory but not a TLS block (posix_spawn's CLONE_VM|CLONE_VFORK) writes
 * its own state into the parent's `me`; the parent, which vfork keeps
 * waiting meanwhile, gets its state back afterwards. */
static long clone_stack(struct thr *t, u64 *g, long nr, u64 flags, u64 sp, struct clone_args *cl, u64 size)
{
	struct cframe *f = (struct cframe *)((sp - 8 - sizeof(struct cframe)) & ~15UL);
	for (int i = 0; i < NGREGS; i++)
		f->regs[i] = g[i];
	f->sp = sp;
	f->nr = (u64)nr;
	f->flags = flags;
	f->ptid = t->tid;
	f->ppid = t->pid;
	struct thr saved = *t;
	long ret;
	if (cl) {
		cl->stack_size = (u64)f - cl->stack;
		ret = xa_clone_stack(nr, (long)cl, (long)size, 0, 0, 0, 0);
	} else {
		ret = xa_clone_stack(nr, (long)flags, (long)f, (long)g[RDX], (long)g[R10],
				     (long)g[R8], (long)g[R9]);
	}
	if ((flags & CLONE_VM) && !(flags & CLONE_SETTLS))
		*t = saved;
	return ret;
}

static long do_clone(struct thr *t, u64 *g)
{
	u64 flags = g[RDI];
	if (flags & CLONE_THREAD)
		t->solo = 0;
	if (g[RSI])
		return clone_stack(t, g, SYS_clone, flags, g[RSI], 0, 0);
	if ((flags & CLONE_VM) && (flags & CLONE_VFORK))
		flags &= ~(CLONE_VM | CLONE_VFORK);
	u32 ptid = t->tid, ppid = t->pid;
	long ret = xa_syscall6(SYS_clone, (long)flags, 0, (long)g[RDX], (long)g[R10],
			       (long)g[R8], (long)g[R9]);
	if (ret == 0)
		new_process(t, SYS_clone, g[RDI], ptid, ppid);
	return ret;
}

static long do_clone3(struct thr *t, u64 *g)
{
	struct clone_args cl = {0};
	u64 size = g[RSI];
	if (size > sizeof cl)
		size = sizeof cl;
	const u8 *src = (const u8 *)g[RDI];
	for (u64 i = 0; i < size; i++)
		((u8 *)&cl)[i] = src[i];
	if (cl.flags & CLONE_THREAD)
		t->solo = 0;
	if (cl.stack && cl.stack_size)
		return clone_stack(t, g, SYS_clone3, cl.flags, cl.stack + cl.stack_size, &cl, size);
	u64 flags = cl.flags;
	if ((cl.flags & CLONE_VM) && (cl.flags & CLONE_VFORK))
		cl.flags &= ~(CLONE_VM | CLONE_VFORK);
	u32 ptid = t->tid, ppid = t->pid;
	long ret = xa_syscall6(SYS_clone3, (long)&cl, (long)size, 0, 0, 0, 0);
	if (ret == 0)
		new_process(t, SYS_clone3, flags, ptid, ppid);
	return ret;
}

/*
 * Hand-over. The loader brings the agent into a dynamically linked
 * program that gains no privileges; a static one, or one that runs with
 * other ids or file capabilities (the loader ignores LD_AUDIT in secure
 * mode), would run unrecorded. When xtrace asks for it (--backend=auto:
 * XA_HDR_HANDOVER for static programs, XA_HDR_HANDOVER_PRIV for
 * privileged ones when xtrace holds CAP_SYS_PTRACE), the thread that execs such a program first asks
 * xtrace, over the abstract socket "xtrace-adopt:" + the region path, to
 * record the process with ptrace, and waits until xtrace has attached;
 * then it disarms dispatch and execs the program as the program asked
 * (without the agent's variables). xtrace's ptrace backend records it
 * from that execve on.
 */
#define SYS_pread64 17
#define SYS_getuid 102
#define SYS_getgid 104
#define SYS_fgetxattr 193
#define PR_SYS_DISPATCH_OFF 0

/* How many script interpreters deep alien looks, as the kernel does
 * (agent.maxInterpDepth is the same). */
#define MAX_INTERP_DEPTH 4

/* Why the loader would not bring the agent into an image (alien). */
#define ALIEN_STATIC 1     /* no dynamic loader */
#define ALIEN_PRIVILEGED 2 /* secure mode: setuid, setgid, file capabilities */

/* alien says why the loader will not bring the agent into the image at
 * path (relative to the working directory, as execve takes it), 0 when
 * it will: a dynamically linked ELF program that gains no privileges, or
 * a script whose interpreter is one. When it cannot tell it says 0: the
 * execve then fails, or runs, as it would have. */
static int alien(const char *path, int depth)
{
	long fd = sys4(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	int ok = 1, why = 0;
	u8 st[144], h[256];
	if (sys2(SYS_fstat, fd, st) == 0) {
		u32 mode = *(u32 *)(st + 24), uid = *(u32 *)(st + 28), gid = *(u32 *)(st + 32);
		if (((mode & 04000) && uid != (u32)sys0(SYS_getuid)) ||
		    ((mode & 02000) && gid != (u32)sys0(SYS_getgid)))
			ok = 0, why = ALIEN_PRIVILEGED;
	}
	if (ok && xa_syscall6(SYS_fgetxattr, fd, (long)"security.capability", 0, 0, 0, 0) > 0)
		ok = 0, why = ALIEN_PRIVILEGED;
	long n = ok ? sys4(SYS_pread64, fd, h, sizeof h - 1, 0) : 0;
	if (ok && n >= 2 && h[0] == '#' && h[1] == '!') {
		char interp[256];
		u64 i = 2, k = 0;
		while (i < (u64)n && (h[i] == ' ' || h[i] == '\t'))
			i++;
		while (i < (u64)n && h[i] != ' ' && h[i] != '\t' && h[i] != '\n' && h[i] && k < sizeof interp - 1)
			interp[k++] = (char)h[i++];
		interp[k] = 0;
		if (depth < MAX_INTERP_DEPTH && k > 0 && (why = alien(interp, depth + 1)) != 0)
			ok = 0;
	} else if (ok && n >= 64 && h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F') {
		u64 phoff = *(u64 *)(h + 32);
		u16 phentsize = *(u16 *)(h + 54), phnum = *(u16 *)(h + 56);
		int interp = 0;
		for (u16 i = 0; i < phnum && i < 128 && phentsize >= 4; i++) {
			u32 type = 0;
			if (sys4(SYS_pread64, fd, &type, 4, phoff + (u64)i * phentsize) != 4)
				break;
			if (type == 3 /* PT_INTERP */) {
				interp = 1;
				break;
			}
		}
		if (!interp)
			ok = 0, why = ALIEN_STATIC;
	}
	sys1(SYS_close, fd);
	return ok ? 0 : why;
}

/* handover asks xtrace to record this process with ptrace and waits
 * until it has attached; it reports whether xtrace did. */
static int handover(struct thr *t)
{
	long s = sys3(SYS_socket, AF_UNIX, SOCK_SEQPACKET | O_CLOEXEC, 0);
	if (s < 0)
		return 0;
	struct sockaddr_un sa = {.family = AF_UNIX};
	u64 len = 0;
	for (const char *q = "xtrace-adopt:"; *q;)
		sa.path[1 + len++] = *q++;
	for (u64 i = 13; i < notify_len && 1 + len < sizeof sa.path; i++)
		sa.path[1 + len++] = notify_name[i];
	int ok = 0;
	if (sys3(SYS_connect, s, &sa, 2 + 1 + len) == 0) {
		u32 pid = t->pid;
		u8 reply = 0;
		if (sys3(SYS_write, s, &pid, sizeof pid) == sizeof pid && sys3(SYS_read, s, &reply, 1) == 1)
			ok = reply == 1;
	}
	sys1(SYS_close, s);
	return ok;
}

/* do_exec runs execve or execveat with the agent's variables put back
 * into the environment it passes, so that the new image records too. */
static long do_exec(struct thr *t, long nr, u64 *g)
{
	if (!recording()) /* xtrace is gone: the new image runs without the agent */
		return xa_syscall6(nr, (long)g[RDI], (long)g[RSI], (long)g[RDX], (long)g[R10],
				   (long)g[R8], (long)g[R9]);
	/* A privileged program only when xtrace can trace it without the
	 * kernel dropping its privileges (XA_HDR_HANDOVER_PRIV); else it
	 * runs unrecorded, named at the end. */
	u32 hf = __atomic_load_n(&region->flags, __ATOMIC_RELAXED);
	if (((t->alien == ALIEN_STATIC && (hf & XA_HDR_HANDOVER)) ||
	     (t->alien == ALIEN_PRIVILEGED && (hf & XA_HDR_HANDOVER_PRIV))) &&
	    handover(t)) {
		/* Recorded by ptrace from this execve on: no dispatch, no agent
		 * in the new image. */
		xa_syscall6(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0, 0);
		return xa_syscall6(nr, (long)g[RDI], (long)g[RSI], (long)g[RDX], 0, 0, 0);
	}
	char **envp = (char **)(nr == SYS_execve ? g[RDX] : g[R10]);
	u64 n = 0;
	while (envp && envp[n] && n < 65536)
		n++;
	const char *env[n + 3];
	char preload[4096];
	u64 k = 0;
	int seen = 0;
	for (u64 i = 0; i < n; i++) {
		const char *e = envp[i];
		if (has_prefix(e, "XTRACE_AGENT=", 13))
			continue;
		if (has_prefix(e, LOADER_VAR "=", LOADER_LEN + 1) && !seen) {
			seen = 1;
			const char *v = e + LOADER_LEN + 1;
			u64 vl = slen(v);
			if (has_prefix(v, lib_path, lib_len) && (v[lib_len] == 0 || v[lib_len] == ':')) {
				env[k++] = e;
				continue;
			}
			if (LOADER_LEN + 1 + lib_len + 1 + vl + 1 > sizeof preload)
				return -7; /* E2BIG */
			char *p = preload;
			for (const char *s = LOADER_VAR "="; *s;)
				*p++ = *s++;
			for (u64 j = 0; j < lib_len; j++)
				*p++ = lib_path[j];
			*p++ = ':'; /* even before an empty value, which the program then sees */
			for (u64 j = 0; j <= vl; j++)
				*p++ = v[j];
			env[k++] = preload;
			continue;
		}
		env[k++] = e;
	}
	if (!seen) {
		char *p = preload;
		for (const char *s = LOADER_VAR "="; *s;)
			*p++ = *s++;
		for (u64 j = 0; j <= lib_len; j++)
			*p++ = lib_path[j];
		env[k++] = preload;
	}
	env[k++] = region_env;
	env[k] = 0;
	if (t->ring) {
		t->ring->exec_solo = t->solo;
		__atomic_store_n(&t->ring->exec_nr, (u32)nr, __ATOMIC_RELEASE);
	}
	long ret;
	if (nr == SYS_execve)
		ret = xa_syscall6(nr, (long)g[RDI], (long)g[RSI], (long)env, 0, 0, 0);
	else
		ret = xa_syscall6(nr, (long)g[RDI], (long)g[RSI], (long)g[RDX], (long)env,
				  (long)g[R8], 0);
	if (t->ring)
		__atomic_store_n(&t->ring->exec_nr, 0, __ATOMIC_RELEASE);
	return ret;
}

/*
 * Signal virtualisation. The agent's SIGSYS handler must never be
 * replaced and SIGSYS never blocked: a trap while SIGSYS is blocked kills
 * the process. So the program's own SIGSYS action is kept here instead of
 * in the kernel (and called for a SIGSYS that is not a dispatch trap), and
 * SIGSYS is taken out of every mask the program hands the kernel: signal
 * masks of sigaction, sigprocmask, sigsuspend, ppoll, pselect6 and
 * epoll_pwait. The program reads back its masks without SIGSYS.
 */
static struct ksigaction user_sigsys;

/* record_signal records that signal sig is about to reach a program
 * handler. */
static void record_signal(int sig, const struct ksiginfo *si)
{
	struct thr *t = &me;
	if (!t->ring && recording())
		claim(t);
	if (!t->ring || !recording())
		return;
	struct xa_signal *s = begin(t, sizeof *s, XA_REC_SIGNAL, sig);
	s->code = si->code;
	s->pid = (u32)si->kill.pid;
	s->uid = si->kill.uid;
	s->pad = 0;
	commit(t);
}

typedef void (*sighandler)(int, struct ksiginfo *, void *);

/* record_sigreturn records the rt_sigreturn that ends a program handler
 * the agent called: the agent's restorer makes it from the gate, where
 * it does not trap, but the program's handler returning is that call.
 * Its result is what it restores to rax: the interrupted context's. */
static void record_sigreturn(const void *ctx)
{
	struct thr *t = &me;
	u64 none[6] = {0};
	const u64 *g = (const u64 *)((const u8 *)ctx + UC_GREGS);
	record(t, 0, SYS_rt_sigreturn, none, 0);
	record(t, 1, SYS_rt_sigreturn, none, (long)g[RAX]);
}

/* program_sigsys hands a SIGSYS that is not a dispatch trap to the
 * program's action: its handler, or the default (the process dies of it),
 * or nothing when ignored. */
static void program_sigsys(struct ksiginfo *si, void *ctx)
{
	u64 h = (u64)user_sigsys.handler;
	if (h == SIG_IGN)
		return;
	if (h != SIG_DFL) {
		record_signal(SIGSYS, si);
		((sighandler)user_sigsys.handler)(SIGSYS, si, ctx);
		record_sigreturn(ctx);
		return;
	}
	struct ksigaction dfl = {0};
	sys4(SYS_rt_sigaction, SIGSYS, &dfl, 0, 8);
	sys3(SYS_tgkill, sys0(SYS_getpid), sys0(SYS_gettid), SIGSYS);
}

/*
 * Signal deliveries. The agent sees a signal that reaches a program
 * handler by standing in for the handler: sigaction installs on_signal in
 * the kernel and keeps the program's action in user_act (what sigaction
 * reads back). on_signal records the delivery and calls the program's
 * handler. Signals whose action is the default or ignore pass the kernel
 * untouched and are not seen.
 */
static struct ksigaction user_act[NSIG + 1];
static u8 user_set[NSIG + 1]; /* user_act[sig] holds a handler the agent stands in for */

static void on_signal(int sig, struct ksiginfo *si, void *ctx)
{
	record_signal(sig, si);
	struct ksigaction a = user_act[sig];
	if (a.flags & SA_RESETHAND)
		user_set[sig] = 0; /* the kernel has reset its action too */
	((sighandler)a.handler)(sig, si, ctx);
	record_sigreturn(ctx);
}

static long do_sigaction(u64 *g)
{
	long sig = (long)g[RDI];
	if (sig != SIGSYS) {
		const struct ksigaction *act = (const struct ksigaction *)g[RSI];
		struct ksigaction *old = (struct ksigaction *)g[RDX];
		if (g[R10] != 8 || sig < 1 || sig > NSIG)
			return xa_syscall6(SYS_rt_sigaction, sig, (long)act, (long)old, (long)g[R10], 0, 0);
		struct ksigaction k, kold, prev = user_act[sig];
		int had = user_set[sig], wrap = 0;
		if (act) {
			k = *act;
			k.mask &= ~SIGSYS_BIT;
			u64 h = (u64)k.handler;
			if (h != SIG_DFL && h != SIG_IGN && !me.vm_child) {
				k.handler = (void *)on_signal;
				k.flags |= SA_SIGINFO | SA_RESTORER;
				k.restorer = xa_restore_rt;
				wrap = 1;
			}
		}
		long ret = xa_syscall6(SYS_rt_sigaction, sig, act ? (long)&k : 0, old ? (long)&kold : 0, 8, 0, 0);
		if (ret != 0 || me.vm_child) {
			if (ret == 0 && old)
				*old = kold;
			return ret;
		}
		if (old)
			*old = had && (u64)kold.handler == (u64)on_signal ? prev : kold;
		if (act) {
			if (wrap)
				user_act[sig] = *act;
			user_set[sig] = (u8)wrap;
		}
		return 0;
	}
	if (g[R10] != 8)
		return -22; /* EINVAL */
	struct ksigaction *act = (struct ksigaction *)g[RSI], *old = (struct ksigaction *)g[RDX];
	struct ksigaction prev = user_sigsys;
	if (act)
		user_sigsys = *act;
	if (old)
		*old = prev;
	return 0;
}

/* unblocked returns the mask at p without SIGSYS, in *copy, or p itself
 * when it has no SIGSYS or is not a whole sigset. */
static const u64 *unblocked(const u64 *p, u64 size, u64 *copy)
{
	if (!p || size != 8 || !(*p & SIGSYS_BIT))
		return p;
	*copy = *p & ~SIGSYS_BIT;
	return copy;
}

static long do_masked(long nr, u64 *g)
{
	u64 copy, a[6] = {g[RDI], g[RSI], g[RDX], g[R10], g[R8], g[R9]};
	struct {
		const u64 *set;
		u64 size;
	} ps;
	switch (nr) {
	case SYS_rt_sigprocmask:
		if (a[0] != SIG_BLOCK && a[0] != SIG_SETMASK)
			break;
		a[1] = (u64)unblocked((const u64 *)a[1], a[3], &copy);
		break;
	case SYS_rt_sigsuspend:
		a[0] = (u64)unblocked((const u64 *)a[0], a[1], &copy);
		break;
	case SYS_ppoll:
		a[3] = (u64)unblocked((const u64 *)a[3], a[4], &copy);
		break;
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
		a[4] = (u64)unblocked((const u64 *)a[4], a[5], &copy);
		break;
	case SYS_pselect6:
		if (a[5]) {
			ps = *(const typeof(ps) *)a[5];
			ps.set = unblocked(ps.set, ps.size, &copy);
			a[5] = (u64)&ps;
		}
		break;
	}
	return xa_syscall6(nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4], (long)a[5]);
}

/*
 * The state rt_sigreturn puts back. The agent's handler returns through
 * rt_sigreturn, which restores the signal mask and the alternate signal
 * stack saved when the SIGSYS came: a sigprocmask or sigaltstack the
 * handler ran for the program would be undone. So after those the saved
 * copies in the context are set to the new state.
 */
static void keep_state(long nr, const u64 *a, long ret, u8 *ctx)
{
	if (ret != 0)
		return;
	if (nr == SYS_rt_sigprocmask && a[3] == 8) {
		/* The old mask as the program set it, SIGSYS included. */
		if (a[2] && me.sigsys_blocked)
			*(u64 *)a[2] |= SIGSYS_BIT;
	}
	if (nr == SYS_rt_sigprocmask && a[1] && a[3] == 8) {
		u64 *mask = (u64 *)(ctx + UC_SIGMASK), set = *(const u64 *)a[1];
		u32 has = (set & SIGSYS_BIT) != 0;
		if (a[0] == SIG_SETMASK || has)
			me.sigsys_blocked = a[0] == SIG_UNBLOCK ? 0 : has;
		if (a[0] == SIG_BLOCK)
			*mask |= set;
		else if (a[0] == SIG_UNBLOCK)
			*mask &= ~set;
		else if (a[0] == SIG_SETMASK)
			*mask = set;
		*mask &= ~SIGSYS_BIT;
	} else if (nr == SYS_sigaltstack && a[0]) {
		sys2(SYS_sigaltstack, 0, ctx + UC_STACK);
	}
}

static void on_sigsys(int sig, struct ksiginfo *si, void *ctx)
{
	(void)sig;
	u64 *g = (u64 *)((u8 *)ctx + UC_GREGS);
	if (si->code != SYS_USER_DISPATCH) {
		program_sigsys(si, ctx);
		return;
	}
	long nr = (long)g[RAX];
	struct thr *t = &me;
	if (!t->ring && recording())
		claim(t);

	u64 args[6] = {g[RDI], g[RSI], g[RDX], g[R10], g[R8], g[R9]};
	if (nr == SYS_execve || nr == SYS_execveat) {
		/* Said in the enter record: xtrace cannot tell for sure later
		 * (a relative path, a process gone by then). */
		const char *path = (const char *)(nr == SYS_execve ? args[0] : args[1]);
		t->alien = nr == SYS_execve ? (u16)alien(path, 0) : 0;
	}
	u16 flags = t->alien && (nr == SYS_execve || nr == SYS_execveat)
			    ? XA_REC_ALIEN | (t->alien == ALIEN_STATIC ? XA_REC_STATIC : 0)
			    : 0;
	record_as(t, 0, nr, args, 0, flags, 0);

	long ret;
	switch (nr) {
	case SYS_rt_sigreturn:
		/* It returns into the context it restores, whose rax (at the
		 * stack pointer: the signal frame's ucontext) is its result. */
		record(t, 1, nr, args, (long)((const u64 *)(g[RSP] + UC_GREGS))[RAX]);
		xa_sigreturn_at(g[RSP]);
	case SYS_exit:
	case SYS_exit_group:
		if (t->ring)
			__atomic_store_n(&t->ring->state, XA_CLOSED, __ATOMIC_RELEASE);
		doorbell();
		ret = xa_syscall6(nr, (long)g[RDI], 0, 0, 0, 0, 0);
		break;
	case SYS_clone:
		ret = do_clone(t, g);
		break;
	case SYS_clone3:
		ret = do_clone3(t, g);
		break;
	case SYS_fork:
	case SYS_vfork: {
		u32 ptid = t->tid, ppid = t->pid;
		ret = sys0(SYS_fork);
		if (ret == 0)
			new_process(t, nr, nr == SYS_vfork ? CLONE_VM | CLONE_VFORK | SIGCHLD : SIGCHLD,
				    ptid, ppid);
		break;
	}
	case SYS_execve:
	case SYS_execveat:
		ret = do_exec(t, nr, g);
		break;
	case SYS_rt_sigaction:
		ret = do_sigaction(g);
		break;
	case SYS_prctl:
		/* The agent's own dispatch is the thread's only one. */
		if (g[RDI] == PR_SET_SYSCALL_USER_DISPATCH)
			ret = -16; /* EBUSY */
		else
			ret = xa_syscall6(nr, (long)g[RDI], (long)g[RSI], (long)g[RDX],
					  (long)g[R10], (long)g[R8], (long)g[R9]);
		break;
	case SYS_rt_sigprocmask:
	case SYS_rt_sigsuspend:
	case SYS_ppoll:
	case SYS_pselect6:
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
		ret = do_masked(nr, g);
		break;
	default:
		ret = xa_syscall6(nr, (long)g[RDI], (long)g[RSI], (long)g[RDX],
				  (long)g[R10], (long)g[R8], (long)g[R9]);
	}
	g[RAX] = (u64)ret;
	keep_state(nr, args, ret, ctx);
	record(t, 1, nr, args, ret);
}

/* adopt takes over the ring this thread held before execve, if it had
 * one, and records the execve's return into the new image. A thread
 * other than the leader that calls execve takes the leader's tid (the
 * pid) in the new image: its ring is then the one of this process with
 * an execve in flight (the other threads are gone; should several have
 * called execve at once, the first found is taken), and the ring of the
 * old leader, which execve ended, is closed. */
static int adopt(struct thr *t)
{
	u32 tid = (u32)sys0(SYS_gettid), pid = (u32)sys0(SYS_getpid);
	struct xa_ring *found = 0;
	/* Only the rings in use (the header's active bitmap): touching the
	 * header page of every ring cost a page fault per ring in every new
	 * image. A ring with an execve in flight is owned, so in use. */
	for (u32 w = 0; w < XA_NRINGS / 64 && !(found && found->tid == tid); w++) {
		u64 bits = __atomic_load_n(&region->active[w], __ATOMIC_ACQUIRE);
		for (; bits; bits &= bits - 1) {
			struct xa_ring *r = ring_at(w * 64 + (u32)__builtin_ctzll(bits));
			if (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) != XA_OWNED ||
			    r->pid != pid || !__atomic_load_n(&r->exec_nr, __ATOMIC_ACQUIRE))
				continue;
			if (r->tid == tid) {
				found = r;
				break;
			}
			if (!found)
				found = r;
		}
	}
	if (!found)
		return 0;
	if (found->tid != tid) {
		/* The old leader's ring (its tid is ours now) will get no
		 * more records: close it, as the leader's death did not. */
		for (u32 w = 0; w < XA_NRINGS / 64; w++) {
			u64 bits = __atomic_load_n(&region->active[w], __ATOMIC_ACQUIRE);
			for (; bits; bits &= bits - 1) {
				struct xa_ring *r = ring_at(w * 64 + (u32)__builtin_ctzll(bits));
				u32 owned = XA_OWNED;
				if (r != found && r->pid == pid && r->tid == tid)
					__atomic_compare_exchange_n(&r->state, &owned, XA_CLOSED, 0,
								    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
			}
		}
	}
	t->tid = tid;
	t->pid = pid;
	t->solo = (u16)found->exec_solo;
	__atomic_store_n(&found->tid, tid, __ATOMIC_RELEASE);
	take(t, found);
	long nr = found->exec_nr;
	__atomic_store_n(&found->exec_nr, 0, __ATOMIC_RELEASE);
	record_exit(t, nr, 0);
	return 1;
}

static char *env_value(char **envp, const char *name, char ***at)
{
	u64 n = slen(name);
	for (; envp && *envp; envp++) {
		if (has_prefix(*envp, name, n) && (*envp)[n] == '=') {
			*at = envp;
			return *envp + n + 1;
		}
	}
	return 0;
}

static void env_remove(char **at)
{
	for (; *at; at++)
		at[0] = at[1];
}

/* The program's LD_AUDIT without the agent's library, when it has more. */
static char user_preload[4096];

/* hide takes the agent's variables out of the environment the program
 * sees: XTRACE_AGENT goes, and LD_AUDIT goes or keeps only the user's
 * part, in a copy: the strings themselves stay as they are, so that
 * /proc/<pid>/environ shows them whole (xtrace takes the agent's part
 * out of what it records, agent.StripEnv) rather than a shifted string
 * followed by the rest of the old one. */
static void hide(char **envp, const char *path)
{
	char **at;
	u64 pl = slen(path);
	if (pl >= sizeof region_env - 14)
		fatal("region path too long: ", path);
	char *p = region_env;
	for (const char *s = "XTRACE_AGENT="; *s;)
		*p++ = *s++;
	for (u64 i = 0; i <= pl; i++)
		*p++ = path[i];
	if (env_value(envp, "XTRACE_AGENT", &at))
		env_remove(at);

	char *v = env_value(envp, LOADER_VAR, &at);
	if (!v)
		return;
	u64 n = 0;
	while (v[n] && v[n] != ':' && v[n] != ' ')
		n++;
	if (n >= sizeof lib_path)
		fatal("library path too long", "");
	for (u64 i = 0; i < n; i++)
		lib_path[i] = v[i];
	lib_path[n] = 0;
	lib_len = n;
	if (!v[n]) {
		env_remove(at);
		return;
	}
	const char *user = v + n + 1;
	char *d = v;
	if (LOADER_LEN + 1 + slen(user) < sizeof user_preload) {
		d = user_preload;
		for (const char *s = LOADER_VAR "="; *s;)
			*d++ = *s++;
		*at = user_preload;
	}
	while ((*d++ = *user++))
		;
}

/* la_version is the audit interface's handshake: the loader keeps an
 * audit module only when it returns a version it supports, the one it
 * offers. */
__attribute__((visibility("default"))) unsigned la_version(unsigned version)
{
	return version;
}

/* init runs from the library's init array, when the loader has loaded it
 * as an audit module; glibc's loader passes argc, argv and envp to it. */
__attribute__((constructor)) static void init(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	char **at;
	const char *path = env_value(envp, "XTRACE_AGENT", &at);
	if (!path)
		return;
	long fd = sys4(SYS_openat, AT_FDCWD, path, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0) {
		/* "/proc/PID/fd/N": a process started after xtrace ended runs
		 * unrecorded; one that cannot reach a live xtrace must not. */
		long pid = 0;
		for (const char *q = path + 6; *q >= '0' && *q <= '9'; q++)
			pid = pid * 10 + (*q - '0');
		if (has_prefix(path, "/proc/", 6) && pid > 0 && sys2(SYS_kill, pid, 0) == -3)
			return;
		fatal("cannot open the shared region ", path);
	}
	long p = xa_syscall6(SYS_mmap, 0, (long)XA_REGION_BYTES, PROT_RW, MAP_SHARED, fd, 0);
	sys1(SYS_close, fd);
	if (p < 0 && p > -4096)
		fatal("cannot map the shared region ", path);
	region = (struct xa_header *)p;
	if (region->magic != XA_MAGIC || region->nrings != XA_NRINGS ||
	    region->ring_bytes != XA_RING_BYTES)
		fatal("the shared region has another layout: ", path);
	hide(envp, path);

	struct ksigaction sa = {
		.handler = (void *)on_sigsys,
		.flags = SA_SIGINFO | SA_RESTORER | SA_NODEFER,
		.restorer = xa_restore_rt,
		.mask = 0,
	};
	if (sys4(SYS_rt_sigaction, SIGSYS, &sa, 0, 8) != 0)
		fatal("cannot install the SIGSYS handler", "");
	u64 pl = slen(path);
	if (pl + 13 > sizeof notify_name)
		fatal("region path too long: ", path);
	for (const char *q = "xtrace-agent:"; *q;)
		notify_name[notify_len++] = *q++;
	for (u64 i = 0; i < pl; i++)
		notify_name[notify_len++] = path[i];
	if (!adopt(&me)) {
		claim(&me);
		record_image(&me);
		announce(&me);
	}
	arm();
}
