/*
 * ring.h: the shared-memory layout between the agent (producer, one ring
 * per thread) and xtrace (consumer). agent/ring/layout.go mirrors every
 * constant and offset here; TestLayout checks them against each other.
 *
 * The region (a memfd created by xtrace, mapped MAP_SHARED by every traced
 * process) is one header page followed by XA_NRINGS rings. A ring is a
 * control page and XA_RING_BYTES of records. head and tail count bytes
 * ever written and ever consumed; head - tail is the fill. A record never
 * wraps: when it does not fit before the end, a pad record fills the rest.
 */
#ifndef XTRACE_AGENT_RING_H
#define XTRACE_AGENT_RING_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef long i64;
typedef int i32;

#define XA_MAGIC 0x31544e4741525458UL /* "XTRAGNT1" little-endian */
#define XA_PAGE 4096UL
#define XA_NRINGS 1024U

/* Region header, at offset 0. */
struct xa_header {
	u64 magic;
	u32 nrings;
	u32 ring_bytes;
	/* Consumer doorbell: a futex xtrace sleeps on while sleeping is 1. */
	u32 doorbell;
	u32 sleeping;
	/* Rings claimed so far: a hint for where to start looking. */
	u32 claims;
	/* Longest I/O buffer to copy (sysdig's -s), written by xtrace. */
	u32 snaplen;
	/* Set when xtrace stops reading (or found gone by a waiting agent):
	 * agents then record nothing and never wait. */
	u32 closed;
	u32 xtrace_pid;
	/* XA_HDR_*, written by xtrace before the command starts. */
	u32 flags;
	u32 pad0;
	u64 pad1[2];
	/* Bit i is set while ring i is claimed (the agent sets it after
	 * claiming, xtrace clears it before freeing), so that xtrace looks
	 * at the rings in use only. */
	u64 active[XA_NRINGS / 64];
};

/* Header flags. */
#define XA_HDR_SWAP 1U /* the machine has swap: a vm fact reads VmSwap too */
#define XA_HDR_HANDOVER 2U /* hand a static program to xtrace's ptrace backend at its execve */
#define XA_HDR_HANDOVER_PRIV 4U /* ... and a setuid, setgid or setcap one */

/* Ring states. */
#define XA_FREE 0U
#define XA_OWNED 1U   /* a thread writes to it */
#define XA_CLOSED 2U  /* its thread wrote its last record (exit) */

/* Ring control page. head, tail and waiting sit on their own lines. */
struct xa_ring {
	u32 state;
	u32 tid;
	u32 pid;
	u32 gen;          /* bumped at every claim */
	u32 exec_nr;      /* execve or execveat in flight, for the new image */
	u32 exec_solo;    /* ... by a process that never had a second thread */
	u8 pad0[40];
	u64 head;         /* producer: bytes committed */
	u8 pad1[56];
	u64 tail;         /* consumer: bytes consumed; its low word is a futex */
	u8 pad2[56];
	u32 waiting;      /* producer sleeps on tail for room */
	u8 pad3[60];
};

/* Record kinds. */
#define XA_REC_PAD 0
#define XA_REC_ENTER 1
#define XA_REC_EXIT 2
#define XA_REC_SIGNAL 3 /* a program handler is about to run; nr is the signal */
#define XA_REC_CHILD 4  /* a new task's first record; nr is the syscall that made it */
#define XA_REC_IMAGE 5  /* an image not started by a recorded execve: its first record */

/* Record flags. */
#define XA_REC_SYNC 1U /* the thread waits until the consumer has consumed the record */
#define XA_REC_ALIEN 2U /* an execve enter of a program the agent cannot enter (static, setuid, setcap) */
#define XA_REC_STATIC 4U /* ... because it is static (else privileged): XA_HDR_HANDOVER(_PRIV) hands it to ptrace */

/* Every record starts with this and is a multiple of 8 bytes long. */
struct xa_rec {
	u32 len;    /* whole record, header included */
	u16 kind;
	u16 flags;  /* XA_REC_SYNC, XA_REC_ALIEN, XA_REC_STATIC */
	u32 tid;
	u32 nr;     /* syscall number */
	u64 tsc;    /* rdtsc at the event */
};

struct xa_enter {
	struct xa_rec h;
	u64 args[6];
};

struct xa_exit {
	struct xa_rec h;
	i64 ret;
};

struct xa_signal {
	struct xa_rec h;
	int code;   /* si_code */
	u32 pid;    /* si_pid: the sender, for kill, tgkill, sigqueue */
	u32 uid;    /* si_uid */
	u32 pad;
};

/* The first record of every new thread or process, before the exit
 * record of the clone in the child. */
struct xa_child {
	struct xa_rec h;
	u64 flags;  /* the native clone flags the program asked for */
	u32 ptid;   /* the creating thread */
	u32 ppid;   /* its thread group */
};

/* The first record of an image that no recorded execve started (the
 * command itself, or a program an unrecorded one started); a synchronous
 * exit record of execve follows. */
struct xa_image {
	struct xa_rec h;
	u32 ppid;   /* getppid() */
	u32 pad;
};

/* Tracee memory copied with a record (capture_gen.h says which) follows
 * its fixed part as chunks, each a multiple of 8 bytes long: the address
 * and length read, then the bytes. */
struct xa_chunk {
	u64 addr;
	u32 len;    /* bytes that follow (not counting the padding) */
	u32 flags;
};
#define XA_CHUNK_FAULT 1U /* the read stopped at unreadable memory */
#define XA_CHUNK_END 2U   /* no more chunks: the rest of the record is slack */
#define XA_CHUNK_FACT 4U  /* not memory: a fact, addr its XA_FACT_* kind */

/*
 * Facts: what decoding a record would otherwise read from the live
 * process, read by the agent in-process where xtrace would read it (after
 * the syscall ran for an exit record, before it runs for an enter record),
 * so that the record need not be synchronous. A fact travels as a chunk
 * with XA_CHUNK_FACT set and its kind in addr; the chunk's bytes are the
 * fact.
 */
#define XA_FACT_FD 1   /* struct xa_fact_fd */
#define XA_FACT_VM 2   /* struct xa_fact_vm */
#define XA_FACT_SOCK 3 /* struct xa_fact_sock */

/* A descriptor the call returned or made, fstat'ed. */
struct xa_fact_fd {
	i64 fd;
	u32 ok;     /* 0: fstat failed; dev and ino are 0 */
	u32 dev;    /* st_dev as the kernel encodes it (new_encode_dev) */
	u64 ino;    /* st_ino */
};

/* The process's memory counters, in KiB: /proc/self/statm's size and
 * resident pages times 4, and VmSwap of /proc/self/status when the
 * header says XA_HDR_SWAP (else 0). */
struct xa_fact_vm {
	u64 size;
	u64 rss;
	u64 swap;
};

/* The two ends of a socket descriptor, for its socket tuple: what
 * getsockname and getpeername returned (0 or -errno) and the address each
 * wrote (len bytes of it, the rest zero). The record that carries it is
 * synchronous all the same when the family is not AF_INET or AF_INET6
 * (a unix socket's tuple names kernel objects that only /proc shows) or
 * getsockname failed. */
struct xa_fact_sock {
	i64 fd;
	i32 name_ret;
	i32 peer_ret;
	u32 name_len;
	u32 peer_len;
	u8 name[128];
	u8 peer[128];
};

/* A task's /proc entries, for the clone, fork, vfork, clone3, execve and
 * execveat exits (the driver's process fields): read by the thread itself
 * from /proc/thread-self (cgroup from /proc/self) after the call, each
 * file as one XA_FACT_FILE chunk (struct xa_fact_file, then the file's
 * bytes), and one XA_FACT_TASK (struct xa_fact_task) with the values
 * that are not files. Which optional files a record has is the capture's
 * XA_PROC_* bits (capture_gen.h, from the event's proc fetches). */
#define XA_FACT_FILE 4 /* struct xa_fact_file, then the bytes */
#define XA_FACT_TASK 5 /* struct xa_fact_task */

/* Files. */
#define XA_FILE_STATUS 1
#define XA_FILE_STAT 2
#define XA_FILE_COMM 3    /* only when status's Name is escaped */
#define XA_FILE_CMDLINE 4 /* at most a page, as the driver reads it */
#define XA_FILE_ENVIRON 5 /* at most a page */
#define XA_FILE_LOGINUID 6
#define XA_FILE_CGROUP 7  /* /proc/self/cgroup */

/* XA_PROC_*: the optional parts an event's fields need. */
#define XA_PROC_CMDLINE 1U
#define XA_PROC_ENVIRON 2U
#define XA_PROC_LOGINUID 4U
#define XA_PROC_EXE 8U     /* the executable's stat and mount flags */
#define XA_PROC_CGROUP 16U
#define XA_PROC_ARGV 32U   /* a failed call's fields come from its argv
			    * and envp (a failed execve): not a fact */

struct xa_fact_file {
	u32 file;   /* XA_FILE_* */
	i32 ret;    /* 0, or the -errno of its open or read */
};

struct xa_fact_task {
	u32 have;       /* the XA_PROC_* parts read */
	i32 limit_ret;  /* prlimit(RLIMIT_NOFILE): 0 or -errno */
	u64 fdlimit;    /* its soft limit */
	i32 exe_ret;    /* stat of /proc/thread-self/exe: 0 or -errno */
	u32 exe_rdonly; /* statfs of it: ST_RDONLY set */
	u32 exe_mode;
	u32 exe_uid;
	u32 exe_gid;
	u32 pad;
};

#define XA_RING_BYTES (1U << 18)
#define XA_RING_STRIDE (XA_PAGE + XA_RING_BYTES)
#define XA_REGION_BYTES (XA_PAGE + (u64)XA_NRINGS * XA_RING_STRIDE)

#endif
