/*
 * work: the agent tests' workloads. Every mode makes a known number of
 * getppid calls so that a test can count them per thread.
 *
 *   work getppid N        N getppid on the main thread
 *   work threads T N      T threads (pthread) of N getppid each
 *   work forks P N        P children by fork, each N getppid, one at a time
 *   work vforks P N       P children by vfork, each execs "work getppid N"
 *   work spawn P N        P children by posix_spawn of "work getppid N"
 *   work forkexecs P N    P children by fork, each execs "work getppid N"
 *   work rawforks N       three children by the raw syscalls, each N getppid:
 *                         fork, clone(CLONE_FS|SIGCHLD), clone3(CLONE_FS)
 *   work exec N           execs itself as "work getppid N"
 *   work threadexec N     a second thread execs "work getppid N"
 *   work faultexec N      a second thread writes to N new pages and ends,
 *                         then the program execs "work getppid 1"
 *   work opens N DIR      openat DIR/0 .. DIR/N-1, each closed at once,
 *                         then an openat of a missing file
 *   work environ K        prints its environment, one variable a line,
 *                         "#user-lib" if a library user.so is mapped, then
 *                         "--"; execs itself as "work environ K-1" if K > 0
 *   work statm            prints the size of its address space in pages
 *   work vm N             N rounds of mmap, munmap, brk up a page, brk back
 *   work pipes N          N pipe2, both ends closed at once
 *   work facts N PATH     N pipe2 and N openat of PATH, all kept open, an
 *                         mmap, then waits for standard input to close
 *   work sockets N        a TCP connection on 127.0.0.1 (connect, accept4),
 *                         N rounds of sendto and recvfrom over it, over UDP
 *                         on 127.0.0.1 and over UDP on ::1 ("no-inet6" on
 *                         standard output when ::1 is missing), a unix
 *                         connection (connect, accept4) to an abstract
 *                         address, then waits for standard input to close
 *   work io PATH          openat PATH, write, read back, writev, then an
 *                         openat of an unmapped address (EFAULT)
 *   work interrupt N      N sleeps to 2 ms later, interrupted by a 1 ms timer
 *                         whose SIGALRM handler calls getppid; prints how
 *                         many times the handler ran
 *   work sigstorm N US    N getppid while a timer every US microseconds
 *                         runs a SIGALRM handler that calls getppid; prints
 *                         how many times the handler ran
 *   work exits            three children: exit(3), killed by SIGKILL, by
 *                         SIGTERM's default action
 *   work daemon N         a child in its own session makes N getppid
 *                         after the parent, which prints its pid, has ended
 *   work signals N        N getppid with every signal blocked, N in a
 *                         SIGUSR1 handler whose mask is full, its own
 *                         SIGSYS handler called by kill(SIGSYS), and a
 *                         mask and alternate stack that must stay set
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

extern char **environ;
static long n;

static void loop(long k)
{
	for (long i = 0; i < k; i++)
		syscall(SYS_getppid);
}

static void *run(void *a)
{
	loop(n);
	return a;
}

static void *run_exec(void *a)
{
	execve("/proc/self/exe", a, environ);
	perror("work: execve");
	exit(1);
}

static void *fault_pages(void *a)
{
	long pages = *(long *)a;
	char *m = mmap(0, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 0;
	madvise(m, pages * 4096, MADV_NOHUGEPAGE);
	for (long i = 0; i < pages; i++)
		m[i * 4096] = 1;
	return a;
}

static volatile sig_atomic_t got_sys;

static void on_usr1(int sig)
{
	(void)sig;
	loop(n);
}

static void on_sys(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (sig == SIGSYS && si->si_code == SI_USER)
		got_sys = 1;
}

static int signals(void)
{
	sigset_t all, old;
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &old) != 0)
		return 1;
	loop(n);
	if (sigprocmask(SIG_SETMASK, &old, 0) != 0)
		return 1;

	struct sigaction sa = {0}, prev;
	sa.sa_handler = on_usr1;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, 0) != 0 || raise(SIGUSR1) != 0)
		return 1;
	if (sigaction(SIGUSR1, 0, &prev) != 0 || prev.sa_handler != on_usr1) {
		fprintf(stderr, "work: sigaction(SIGUSR1) reads back another handler\n");
		return 1;
	}

	struct sigaction ss = {0};
	ss.sa_sigaction = on_sys;
	ss.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &ss, 0) != 0 || sigaction(SIGSYS, 0, &prev) != 0)
		return 1;
	if (prev.sa_sigaction != on_sys) {
		fprintf(stderr, "work: sigaction(SIGSYS) reads back another handler\n");
		return 1;
	}
	if (kill(getpid(), SIGSYS) != 0 || !got_sys) {
		fprintf(stderr, "work: own SIGSYS handler not called\n");
		return 1;
	}

	sigset_t usr2, cur;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &usr2, 0) != 0 || sigprocmask(SIG_BLOCK, 0, &cur) != 0 ||
	    !sigismember(&cur, SIGUSR2)) {
		fprintf(stderr, "work: SIGUSR2 not blocked after sigprocmask\n");
		return 1;
	}
	char alt[16384];
	stack_t as = {.ss_sp = alt, .ss_size = sizeof alt}, got;
	if (sigaltstack(&as, 0) != 0 || sigaltstack(0, &got) != 0 || got.ss_sp != alt) {
		fprintf(stderr, "work: sigaltstack not kept\n");
		return 1;
	}
	as.ss_flags = SS_DISABLE;
	return sigaltstack(&as, 0);
}

static volatile long alarms;

static void on_alarm(int sig)
{
	(void)sig;
	syscall(SYS_getppid);
	alarms++;
}

/* alarm_every runs on_alarm every us microseconds. */
static int alarm_every(long us)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	struct itimerval it = {{0, us}, {0, us}};
	return sigaction(SIGALRM, &sa, 0) != 0 || setitimer(ITIMER_REAL, &it, 0) != 0;
}

/* alarms_ran stops the alarms and prints how many times the handler ran. */
static int alarms_ran(void)
{
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, 0);
	printf("%ld\n", alarms);
	return 0;
}

static int interrupt(long k)
{
	if (alarm_every(1000))
		return 1;
	/* Sleep to absolute times, so that the run ends however often the
	 * timer interrupts (a relative sleep restarted with what remains can
	 * starve when a signal is always pending). */
	struct timespec at;
	clock_gettime(CLOCK_MONOTONIC, &at);
	for (long i = 0; i < k; i++) {
		at.tv_nsec += 2000000;
		if (at.tv_nsec >= 1000000000) {
			at.tv_sec++;
			at.tv_nsec -= 1000000000;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, 0) != 0)
			;
	}
	return alarms_ran();
}

static int sigstorm(long k, long us)
{
	if (alarm_every(us))
		return 1;
	for (long i = 0; i < k; i++)
		syscall(SYS_getppid);
	return alarms_ran();
}

static int io(const char *path)
{
	char buf[64];
	int fd = syscall(SYS_openat, AT_FDCWD, path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "hello agent", 11) != 11 || lseek(fd, 0, SEEK_SET) != 0 ||
	    read(fd, buf, sizeof buf) != 11)
		return 1;
	struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
	if (writev(fd, iov, 2) != 4)
		return 1;
	if (syscall(SYS_openat, AT_FDCWD, (char *)8, O_RDONLY) != -1)
		return 1;
	struct stat st;
	if (syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) != 0 ||
	    syscall(SYS_newfstatat, AT_FDCWD, "/nonexistent-xtrace", &st, 0) != -1)
		return 1;
	return close(fd);
}

static int exits(void)
{
	for (int i = 0; i < 3; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			if (i == 0)
				_exit(3);
			kill(getpid(), i == 1 ? SIGKILL : SIGTERM);
			pause();
		}
		int st;
		if (waitpid(pid, &st, 0) != pid)
			return 1;
	}
	return 0;
}

static int opens(long k, const char *dir)
{
	char path[4096];
	for (long i = 0; i < k; i++) {
		snprintf(path, sizeof path, "%s/%ld", dir, i);
		int fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
		if (fd < 0 || syscall(SYS_close, fd) != 0)
			return 1;
	}
	return syscall(SYS_openat, AT_FDCWD, "/nonexistent-xtrace", O_RDONLY) == -1 ? 0 : 1;
}

/* vm makes k rounds of the calls whose exits report the vm counters. */
static int vm(long k)
{
	long cur = syscall(SYS_brk, 0);
	for (long i = 0; i < k; i++) {
		long p = syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == -1 || syscall(SYS_munmap, p, 4096) != 0)
			return 1;
		if (syscall(SYS_brk, cur + 4096) != cur + 4096 || syscall(SYS_brk, cur) != cur)
			return 1;
	}
	return 0;
}

static int pipes(long k)
{
	for (long i = 0; i < k; i++) {
		int fds[2];
		if (syscall(SYS_pipe2, fds, O_CLOEXEC) != 0 || syscall(SYS_close, fds[0]) != 0 ||
		    syscall(SYS_close, fds[1]) != 0)
			return 1;
	}
	return 0;
}

/* facts leaves what the descriptor and vm facts describe in place until
 * standard input closes, so that a test can read /proc for the same. */
static int facts(long k, const char *path)
{
	for (long i = 0; i < k; i++) {
		int fds[2];
		if (syscall(SYS_pipe2, fds, 0) != 0 || syscall(SYS_openat, AT_FDCWD, path, O_RDONLY) < 0)
			return 1;
	}
	if (syscall(SYS_mmap, 0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == -1)
		return 1;
	char c;
	while (syscall(SYS_read, 0, &c, 1) > 0)
		;
	return 0;
}

/* dgram makes k rounds of sendto and recvfrom between two datagram
 * sockets of family fam bound to addr (its port chosen by the kernel). */
static int dgram(long k, int fam, struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage to, from;
	socklen_t tolen = sizeof to, fromlen;
	char buf[8];
	int a = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0), b = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (a < 0 || b < 0 || bind(a, addr, len) != 0 || bind(b, addr, len) != 0 ||
	    getsockname(b, (struct sockaddr *)&to, &tolen) != 0)
		return -1;
	for (long i = 0; i < k; i++) {
		fromlen = sizeof from;
		if (sendto(a, "ping", 5, 0, (struct sockaddr *)&to, tolen) != 5 ||
		    recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen) != 5)
			return -1;
	}
	return 0;
}

/* sockets leaves its sockets open until standard input closes, so that a
 * test can read their names from the process for the same tuples. */
static int sockets(long k)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct sockaddr_in srv, from;
	socklen_t len = sizeof srv, fromlen;
	char buf[8];
	int ln = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), cl = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ln < 0 || cl < 0 || bind(ln, (struct sockaddr *)&in, sizeof in) != 0 || listen(ln, 1) != 0 ||
	    getsockname(ln, (struct sockaddr *)&srv, &len) != 0 || connect(cl, (struct sockaddr *)&srv, len) != 0)
		return 1;
	int sv = accept4(ln, 0, 0, SOCK_CLOEXEC);
	if (sv < 0)
		return 1;
	for (long i = 0; i < k; i++) {
		fromlen = sizeof from;
		if (sendto(cl, "ping", 5, 0, (struct sockaddr *)&srv, len) != 5 ||
		    recvfrom(sv, buf, 5, MSG_WAITALL, (struct sockaddr *)&from, &fromlen) != 5)
			return 1;
	}
	if (dgram(k, AF_INET, (struct sockaddr *)&in, sizeof in) != 0)
		return 1;
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int s6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s6 < 0 || bind(s6, (struct sockaddr *)&in6, sizeof in6) != 0) {
		printf("no-inet6\n");
		fflush(stdout);
	} else if (dgram(k, AF_INET6, (struct sockaddr *)&in6, sizeof in6) != 0) {
		return 1;
	}
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	int n = snprintf(un.sun_path + 1, sizeof un.sun_path - 1, "xtrace-sockfacts-%d", getpid());
	socklen_t ulen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	int ul = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), uc = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ul < 0 || uc < 0 || bind(ul, (struct sockaddr *)&un, ulen) != 0 || listen(ul, 1) != 0 ||
	    connect(uc, (struct sockaddr *)&un, ulen) != 0 || accept4(ul, 0, 0, SOCK_CLOEXEC) < 0)
		return 1;
	char c;
	while (syscall(SYS_read, 0, &c, 1) > 0)
		;
	return 0;
}

static void reap(pid_t pid);

/* rawforks makes a child with each raw call, so that the flags the agent
 * reports are known exactly. */
static int rawforks(void)
{
	for (int i = 0; i < 3; i++) {
		long pid;
		if (i == 0) {
			pid = syscall(SYS_fork);
		} else if (i == 1) {
			pid = syscall(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0);
		} else {
			struct clone_args ca = {.flags = CLONE_FS, .exit_signal = SIGCHLD};
			pid = syscall(SYS_clone3, &ca, sizeof ca);
		}
		if (pid < 0)
			return 1;
		if (pid == 0) {
			loop(n);
			syscall(SYS_exit_group, 0);
		}
		reap(pid);
	}
	return 0;
}

static void reap(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "work: child %d failed (status %#x)\n", pid, st);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2 || (argc < 3 && strcmp(argv[1], "exits") && strcmp(argv[1], "statm"))) {
		fprintf(stderr, "usage: work MODE ...\n");
		return 2;
	}
	const char *mode = argv[1];
	if (!strcmp(mode, "getppid")) {
		loop(atol(argv[2]));
		return 0;
	}
	if (!strcmp(mode, "daemon")) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			int nul = open("/dev/null", O_RDWR);
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(nul, 2);
			setsid();
			usleep(100000);
			loop(atol(argv[2]));
			_exit(0);
		}
		printf("%d\n", pid);
		return 0;
	}
	if (!strcmp(mode, "exits"))
		return exits();
	if (!strcmp(mode, "environ")) {
		for (char **e = environ; *e; e++)
			printf("%s\n", *e);
		/* Whether a user's audit module (named user.so) is loaded: the
		 * loader loads it after the agent's constructor ran. */
		char line[512];
		FILE *maps = fopen("/proc/self/maps", "r");
		int user = 0;
		while (maps && fgets(line, sizeof line, maps))
			user |= strstr(line, "/user.so") != 0;
		if (maps)
			fclose(maps);
		if (user)
			printf("#user-lib\n");
		printf("--\n");
		fflush(stdout);
		long k = atol(argv[2]);
		if (k > 0) {
			char next[32];
			snprintf(next, sizeof next, "%ld", k - 1);
			char *args[] = {argv[0], "environ", next, 0};
			execve("/proc/self/exe", args, environ);
			return 1;
		}
		return 0;
	}
	if (!strcmp(mode, "statm")) {
		char b[256];
		FILE *f = fopen("/proc/self/statm", "r");
		if (!f || !fgets(b, sizeof b, f))
			return 1;
		printf("%ld\n", atol(b));
		return 0;
	}
	if (!strcmp(mode, "interrupt"))
		return interrupt(atol(argv[2]));
	if (!strcmp(mode, "sigstorm") && argc > 3)
		return sigstorm(atol(argv[2]), atol(argv[3]));
	if (!strcmp(mode, "io"))
		return io(argv[2]);
	if (!strcmp(mode, "vm"))
		return vm(atol(argv[2]));
	if (!strcmp(mode, "pipes"))
		return pipes(atol(argv[2]));
	if (!strcmp(mode, "facts") && argc > 3)
		return facts(atol(argv[2]), argv[3]);
	if (!strcmp(mode, "sockets"))
		return sockets(atol(argv[2]));
	if (!strcmp(mode, "opens") && argc > 3)
		return opens(atol(argv[2]), argv[3]);
	if (!strcmp(mode, "rawforks")) {
		n = atol(argv[2]);
		return rawforks();
	}
	if (!strcmp(mode, "signals")) {
		n = atol(argv[2]);
		return signals();
	}
	if (!strcmp(mode, "threadexec")) {
		char *args[] = {argv[0], "getppid", argv[2], 0};
		pthread_t th;
		if (pthread_create(&th, 0, run_exec, args) != 0)
			return 1;
		pthread_join(th, 0);
		return 1;
	}
	if (!strcmp(mode, "faultexec")) {
		long pages = atol(argv[2]);
		pthread_t th;
		void *ok = 0;
		if (pthread_create(&th, 0, fault_pages, &pages) != 0 || pthread_join(th, &ok) != 0 || !ok)
			return 1;
		char *args[] = {argv[0], "getppid", "1", 0};
		execve("/proc/self/exe", args, environ);
		perror("work: execve");
		return 1;
	}
	if (!strcmp(mode, "exec")) {
		char *args[] = {argv[0], "getppid", argv[2], 0};
		execve("/proc/self/exe", args, environ);
		perror("work: execve");
		return 1;
	}
	if (argc < 4)
		return 2;
	long p = atol(argv[2]);
	n = atol(argv[3]);
	if (!strcmp(mode, "threads")) {
		pthread_t th[256];
		for (long i = 0; i < p; i++)
			if (pthread_create(&th[i], 0, run, 0) != 0)
				return 1;
		for (long i = 0; i < p; i++)
			pthread_join(th[i], 0);
		return 0;
	}
	char *args[] = {argv[0], "getppid", argv[3], 0};
	for (long i = 0; i < p; i++) {
		pid_t pid;
		if (!strcmp(mode, "forks")) {
			pid = fork();
			if (pid == 0) {
				loop(n);
				_exit(0);
			}
		} else if (!strcmp(mode, "forkexecs")) {
			pid = fork();
			if (pid == 0) {
				execve("/proc/self/exe", args, environ);
				_exit(127);
			}
		} else if (!strcmp(mode, "vforks")) {
			pid = vfork();
			if (pid == 0) {
				execve("/proc/self/exe", args, environ);
				_exit(127);
			}
		} else if (!strcmp(mode, "spawn")) {
			if (posix_spawn(&pid, "/proc/self/exe", 0, 0, args, environ) != 0)
				return 1;
		} else {
			return 2;
		}
		if (pid < 0)
			return 1;
		reap(pid);
	}
	return 0;
}
