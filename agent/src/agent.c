/*
 * agent.c: xtrace's in-process recorder. Loaded into a traced process by
 * LD_PRELOAD, it maps the shared region named by XTRACE_AGENT, installs a
 * SIGSYS handler and arms syscall user dispatch, so that every syscall the
 * program makes outside gate.S traps into on_sigsys. The handler appends
 * an enter record to the thread's ring, runs the syscall from the gate,
 * puts the result in the interrupted context and appends an exit record.
 *
 * Freestanding: no libc, no allocation; everything the handler touches is
 * async-signal-safe (its own syscalls, atomics on the shared region, and
 * initial-exec TLS).
 */
#include "ring.h"

#define SYS_openat 257
#define SYS_close 3
#define SYS_mmap 9
#define SYS_rt_sigaction 13
#define SYS_rt_sigreturn 15
#define SYS_write 1
#define SYS_getpid 39
#define SYS_gettid 186
#define SYS_exit 60
#define SYS_exit_group 231
#define SYS_futex 202
#define SYS_prctl 157
#define SYS_nanosleep 35

#define AT_FDCWD -100
#define O_RDWR 02
#define O_CLOEXEC 02000000
#define PROT_RW 3
#define MAP_SHARED 1
#define SIGSYS 31
#define SA_SIGINFO 0x4UL
#define SA_RESTORER 0x04000000UL
#define SA_NODEFER 0x40000000UL
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#define SYS_USER_DISPATCH 2
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

/* Offsets into the kernel's x86_64 ucontext: the general registers start
 * at 40 (after uc_flags, uc_link, uc_stack), in sigcontext order. */
#define UC_GREGS 40
enum { R8, R9, R10, R11, R12, R13, R14, R15, RDI, RSI, RBP, RBX, RDX, RAX, RCX, RSP, RIP };

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
	void *call_addr;
	int syscall;
	u32 arch;
};

struct timespec {
	long sec;
	long nsec;
};

extern long xa_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
extern void xa_restore_rt(void);
extern void xa_sigreturn_at(u64 sp) __attribute__((noreturn));
extern char xa_gate_start[], xa_gate_end[];

#define sys0(n) xa_syscall6((n), 0, 0, 0, 0, 0, 0)
#define sys1(n, a) xa_syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) xa_syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) xa_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) xa_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* The thread's writer state. busy counts record writes in progress on
 * this thread (a signal handler's syscalls nest inside the agent's own);
 * only the outermost write publishes head, so the consumer never sees a
 * reserved record before it is written. */
struct thr {
	struct xa_ring *ring;
	u8 *data;
	u64 head;
	u32 busy;
	u32 tid;
};

static __thread struct thr me __attribute__((tls_model("initial-exec")));
static struct xa_header *region;

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

/* claim takes a free ring for the calling thread, waiting while all are
 * taken (the consumer frees the rings of exited threads). */
static void claim(struct thr *t)
{
	u32 n = region->nrings;
	for (;;) {
		u32 start = __atomic_fetch_add(&region->claims, 1, __ATOMIC_RELAXED);
		for (u32 i = 0; i < n; i++) {
			struct xa_ring *r = ring_at((start + i) % n);
			u32 free = XA_FREE;
			if (__atomic_compare_exchange_n(&r->state, &free, XA_OWNED, 0,
							__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
				t->tid = (u32)sys0(SYS_gettid);
				r->tid = t->tid;
				r->pid = (u32)sys0(SYS_getpid);
				r->gen++;
				t->ring = r;
				t->data = (u8 *)r + XA_PAGE;
				t->head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
				return;
			}
		}
		struct timespec ts = {0, 1000000};
		doorbell();
		sys2(SYS_nanosleep, &ts, 0);
	}
}

/* room waits until len bytes fit after t->head. */
static void room(struct thr *t, u64 len)
{
	struct xa_ring *r = t->ring;
	for (;;) {
		u64 tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (XA_RING_BYTES - (t->head - tail) >= len)
			return;
		__atomic_store_n(&r->waiting, 1, __ATOMIC_SEQ_CST);
		tail = __atomic_load_n(&r->tail, __ATOMIC_SEQ_CST);
		if (XA_RING_BYTES - (t->head - tail) >= len)
			return;
		__atomic_store_n(&region->sleeping, 1, __ATOMIC_SEQ_CST);
		doorbell();
		struct timespec ts = {0, 50000000};
		sys4(SYS_futex, &r->tail, FUTEX_WAIT, (u32)tail, &ts);
	}
}

/* reserve returns room for a record of len bytes (a multiple of 8),
 * padding to the end of the ring first when it would not fit there. */
static void *reserve(struct thr *t, u32 len)
{
	t->busy++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	u64 pos = t->head & (XA_RING_BYTES - 1);
	u64 pad = XA_RING_BYTES - pos;
	if (pad < len) {
		room(t, pad + len);
		struct xa_rec *p = (struct xa_rec *)(t->data + pos);
		p->len = (u32)pad;
		p->kind = XA_REC_PAD;
		t->head += pad;
		pos = 0;
	} else {
		room(t, len);
	}
	void *rec = t->data + pos;
	t->head += len;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return rec;
}

static void commit(struct thr *t)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (--t->busy != 0)
		return;
	struct xa_ring *r = t->ring;
	__atomic_store_n(&r->head, t->head, __ATOMIC_RELEASE);
	if (__atomic_load_n(&region->sleeping, __ATOMIC_RELAXED) &&
	    t->head - __atomic_load_n(&r->tail, __ATOMIC_RELAXED) >= XA_RING_BYTES / 4)
		doorbell();
}

/* begin reserves a record and fills its header; commit publishes it. */
static void *begin(struct thr *t, u32 len, u16 kind, long nr)
{
	struct xa_rec *h = reserve(t, len);
	h->len = len;
	h->kind = kind;
	h->flags = 0;
	h->tid = t->tid;
	h->nr = (u32)nr;
	h->tsc = rdtsc();
	return h;
}

static void on_sigsys(int sig, struct ksiginfo *si, void *ctx)
{
	(void)sig;
	u64 *g = (u64 *)((u8 *)ctx + UC_GREGS);
	if (si->code != SYS_USER_DISPATCH)
		return;
	long nr = (long)g[RAX];
	struct thr *t = &me;
	if (!t->ring)
		claim(t);

	struct xa_enter *e = begin(t, sizeof *e, XA_REC_ENTER, nr);
	e->args[0] = g[RDI];
	e->args[1] = g[RSI];
	e->args[2] = g[RDX];
	e->args[3] = g[R10];
	e->args[4] = g[R8];
	e->args[5] = g[R9];
	commit(t);

	if (nr == SYS_rt_sigreturn)
		xa_sigreturn_at(g[RSP]);
	if (nr == SYS_exit || nr == SYS_exit_group) {
		__atomic_store_n(&t->ring->state, XA_CLOSED, __ATOMIC_RELEASE);
		doorbell();
	}

	long ret = xa_syscall6(nr, (long)g[RDI], (long)g[RSI], (long)g[RDX],
			       (long)g[R10], (long)g[R8], (long)g[R9]);
	g[RAX] = (u64)ret;

	struct xa_exit *x = begin(t, sizeof *x, XA_REC_EXIT, nr);
	x->ret = ret;
	commit(t);
}

static const char *env(char **envp, const char *name)
{
	for (; envp && *envp; envp++) {
		const char *e = *envp, *n = name;
		while (*n && *e == *n)
			e++, n++;
		if (!*n && *e == '=')
			return e + 1;
	}
	return 0;
}

/* init runs from the library's init array; glibc's loader passes argc,
 * argv and envp to it. */
__attribute__((constructor)) static void init(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	const char *path = env(envp, "XTRACE_AGENT");
	if (!path)
		return;
	long fd = sys4(SYS_openat, AT_FDCWD, path, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		fatal("cannot open the shared region ", path);
	long p = xa_syscall6(SYS_mmap, 0, (long)XA_REGION_BYTES, PROT_RW, MAP_SHARED, fd, 0);
	sys1(SYS_close, fd);
	if (p < 0 && p > -4096)
		fatal("cannot map the shared region ", path);
	region = (struct xa_header *)p;
	if (region->magic != XA_MAGIC || region->nrings != XA_NRINGS ||
	    region->ring_bytes != XA_RING_BYTES)
		fatal("the shared region has another layout: ", path);

	struct ksigaction sa = {
		.handler = (void *)on_sigsys,
		.flags = SA_SIGINFO | SA_RESTORER | SA_NODEFER,
		.restorer = xa_restore_rt,
		.mask = 0,
	};
	if (sys4(SYS_rt_sigaction, SIGSYS, &sa, 0, 8) != 0)
		fatal("cannot install the SIGSYS handler", "");
	if (xa_syscall6(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
			(long)xa_gate_start, xa_gate_end - xa_gate_start, 0, 0) != 0)
		fatal("cannot arm syscall user dispatch", "");
}
