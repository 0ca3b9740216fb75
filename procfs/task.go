package procfs

import (
	"bytes"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"
)

// Task is what the kernel driver reads from the current task for the exit
// events of clone, fork, vfork, clone3 (PPME_SYSCALL_CLONE_20_X and
// siblings) and execve, execveat (PPME_SYSCALL_EXECVE_19_X,
// PPME_SYSCALL_EXECVEAT_X). Byte-slice fields are reused by the next
// [FS.Task] call on the same Task.
type Task struct {
	TID, PID int64
	// PTID is the parent's pid from the status file. The driver reports
	// the parent thread's id (real_parent->pid), which the tracer knows
	// better when the parent is multi-threaded.
	PTID int64
	// VTID, VPID and VPGID are the ids in the task's own (innermost) pid
	// namespace; VPGID is the execve "pgid" parameter.
	VTID, VPID, VPGID int64
	SID               int64

	Comm    []byte // task comm, at most 15 bytes, no newline
	Exe     []byte // argv[0] (execve/clone "exe")
	Args    []byte // argv[1:], each followed by a NUL ("args")
	Env     []byte // KEY=VAL entries each followed by a NUL ("env")
	Cwd     []byte // working directory (the driver itself writes cwd empty)
	ExePath []byte // the executable's path (/proc/PID/exe)
	Cgroups []byte // subsys=path entries each followed by a NUL ("cgroups")

	FDLimit          int64  // RLIMIT_NOFILE soft limit ("fdlimit"), -1 unknown
	PFMajor, PFMinor uint64 // this thread's page faults ("pgft_maj", "pgft_min")
	VMSizeKB         uint32 // "vm_size"
	VMRSSKB          uint32 // "vm_rss"
	VMSwapKB         uint32 // "vm_swap"
	UID, GID         uint32 // effective ids (clone "uid", "gid")
	TTY              int32  // tty_nr, 0 for none ("tty")
	LoginUID         int32  // audit login uid, -1 unset ("loginuid")
	ExeWritable      bool   // execve flags bit PPM_EXE_WRITABLE
	CPU              int32  // CPU the thread last ran on (evt.cpu), -1 unknown
}

// TaskFields selects the optional parts of a [Task] read; the ids, comm,
// fault counters, memory sizes, effective ids, tty, fd limit and CPU are
// always read.
type TaskFields uint32

// Optional parts of a Task read.
const (
	TaskArgs        TaskFields = 1 << iota // Exe and Args, from cmdline
	TaskEnv                                // Env, from environ
	TaskCwd                                // Cwd
	TaskExePath                            // ExePath
	TaskCgroups                            // Cgroups
	TaskLoginUID                           // LoginUID
	TaskExeWritable                        // ExeWritable

	// TaskClone is what a clone-family exit event needs.
	TaskClone = TaskArgs | TaskCgroups
	// TaskExecve is what an execve-family exit event needs.
	TaskExecve = TaskArgs | TaskEnv | TaskCgroups | TaskLoginUID | TaskExeWritable
)

// driverPage is how much of the argument and environment areas the driver
// copies (PAGE_SIZE).
const driverPage = 4096

// Task reads thread tid of process pid for a clone or execve exit event:
// the always-read fields plus those selected by want. Call it while the
// thread is stopped at the syscall exit. Its error matches ErrNoProcess
// when the thread is gone.
func (fs *FS) Task(pid, tid int, want TaskFields, t *Task) error {
	path := append(append(fs.path[:0], fs.root...), '/')
	path = strconv.AppendInt(path, int64(pid), 10)
	path = append(path, "/task/"...)
	path = strconv.AppendInt(path, int64(tid), 10)
	fs.path = path
	dirfd, err := openDir(string(path))
	if err != nil {
		return fmt.Errorf("procfs: reading task %d of process %d: %w", tid, pid, noProcess(err))
	}
	defer unix.Close(dirfd)
	if err := fs.readTask(&dirSource{fs, dirfd, tid}, tid, want, t); err != nil {
		return fmt.Errorf("procfs: reading task %d of process %d: %w", tid, pid, noProcess(err))
	}
	return nil
}

func (fs *FS) readTask(src taskSource, tid int, want TaskFields, t *Task) error {
	b, err := src.read("status", 0)
	if err != nil {
		return err
	}
	st := &fs.st
	parseStatus(b, st)
	t.TID, t.PID, t.PTID = int64(tid), st.tgid, st.ppid
	t.UID, t.GID = st.euid, st.egid
	t.VMSizeKB, t.VMRSSKB, t.VMSwapKB = st.vmSize, st.vmRSS, st.vmSwap
	t.VTID, t.VPID = t.TID, t.PID
	if st.nsPidN > 0 {
		t.VTID = st.nsPidLast
	}
	if st.nsTgidN > 0 {
		t.VPID = st.nsTgidLast
	}

	// The status Name is the comm with '\n' and '\\' escaped (and, on
	// some kernels, other control characters): without a backslash it is
	// the comm itself, which saves reading the comm file.
	t.Comm = t.Comm[:0]
	if bytes.IndexByte(st.fullName, '\\') < 0 {
		t.Comm = append(t.Comm, st.fullName...)
	} else if b, err := src.read("comm", 0); err == nil {
		if n := len(b); n > 0 && b[n-1] == '\n' {
			b = b[:n-1]
		}
		t.Comm = append(t.Comm, b...)
	}

	sf := &fs.sf
	*sf = statFields{processor: -1}
	if b, err := src.read("stat", 0); err == nil {
		parseStat(b, sf)
	}
	t.PFMajor, t.PFMinor = sf.majFlt, sf.minFlt
	t.SID, t.TTY, t.CPU = sf.session, sf.ttyNr, sf.processor
	t.VPGID = sf.pgrp
	if st.nsPgidN > 0 {
		t.VPGID = st.nsPgidLast
	}
	t.FDLimit = src.fdLimit()

	t.Exe, t.Args = t.Exe[:0], t.Args[:0]
	if want&TaskArgs != 0 {
		if b, err := src.read("cmdline", driverPage); err == nil && len(b) > 0 {
			b[len(b)-1] = 0
			exe := cstr(b)
			t.Exe = append(t.Exe, exe...)
			n := len(exe)
			if n < len(b) {
				n++
			}
			t.Args = append(t.Args, b[n:]...)
		}
	}
	t.Env = t.Env[:0]
	if want&TaskEnv != 0 {
		if b, err := src.read("environ", driverPage); err == nil && len(b) > 0 {
			b[len(b)-1] = 0
			t.Env = append(t.Env, b...)
		}
	}
	t.Cwd = t.Cwd[:0]
	if want&TaskCwd != 0 {
		if l, err := src.readlink("cwd"); err == nil {
			t.Cwd = append(t.Cwd, l...)
		}
	}
	t.ExePath = t.ExePath[:0]
	if want&TaskExePath != 0 {
		if l, err := src.readlink("exe"); err == nil {
			t.ExePath = append(t.ExePath, l...)
		}
	}
	t.Cgroups = t.Cgroups[:0]
	if want&TaskCgroups != 0 {
		v := fs.cgroups()
		if b, err := src.read("cgroup", 0); err == nil {
			t.Cgroups = appendCgroups(t.Cgroups, b, v)
		}
	}
	t.LoginUID = -1
	if want&TaskLoginUID != 0 {
		if b, err := src.read("loginuid", 0); err == nil {
			if v, ok := atoi(trimSpace(b)); ok {
				t.LoginUID = int32(v)
			}
		}
	}
	t.ExeWritable = false
	if want&TaskExeWritable != 0 {
		var est unix.Stat_t
		if src.exeStat(&est) {
			c := creds{uid: st.fsuid, gid: st.fsgid, groups: st.groups, capEff: st.capEff}
			t.ExeWritable = exeWritable(&est, &c, src.exeReadOnly)
		}
	}
	return nil
}

// readOnlyFile reports whether the file name relative to dirfd is on a
// read-only mount.
func readOnlyFile(dirfd int, name string) bool {
	fd, err := unix.Openat(dirfd, name, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(fd, &sfs); err != nil {
		return false
	}
	return sfs.Flags&unix.ST_RDONLY != 0
}
