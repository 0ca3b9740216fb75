package procfs

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// taskSource is where a [Task] read gets a task's /proc entries: the
// live task directory (dirSource) or the entries the task read itself
// ([TaskFiles]).
type taskSource interface {
	// read returns at most max bytes (0: no limit) of the file name of
	// the task directory, valid until the next read.
	read(name string, max int) ([]byte, error)
	readlink(name string) ([]byte, error)
	// fdLimit is the RLIMIT_NOFILE soft limit, -1 when unknown.
	fdLimit() int64
	// exeStat stats the executable; exeReadOnly reports whether it is
	// on a read-only mount.
	exeStat(st *unix.Stat_t) bool
	exeReadOnly() bool
}

// dirSource reads the task directory open at dirfd.
type dirSource struct {
	fs    *FS
	dirfd int
	tid   int
}

func (d *dirSource) read(name string, max int) ([]byte, error) {
	return d.fs.readOneAt(d.dirfd, name, max)
}

func (d *dirSource) readlink(name string) ([]byte, error) {
	return d.fs.readlinkAt(d.dirfd, name, 1<<16)
}

func (d *dirSource) fdLimit() int64 { return d.fs.fdLimit(d.dirfd, d.tid) }

func (d *dirSource) exeStat(st *unix.Stat_t) bool {
	return unix.Fstatat(d.dirfd, "exe", st, 0) == nil
}

func (d *dirSource) exeReadOnly() bool { return readOnlyFile(d.dirfd, "exe") }

// TaskFiles are a task's /proc entries as another reader took them at
// the moment a [Task] read wants them: the in-process agent reads its own
// /proc/thread-self at a clone or execve exit and ships the bytes with
// the record. A nil file could not be read (or was not: Comm only when
// the status Name is escaped). [FS.TaskFrom] parses them as [FS.Task]
// parses the live files.
type TaskFiles struct {
	// Have is what the optional parts read: TaskArgs (FileCmdline),
	// TaskEnv (FileEnviron), TaskLoginUID (FileLoginUID),
	// TaskExeWritable (ExeStat, ExeReadOnly) and TaskCgroups
	// (FileCgroup).
	Have TaskFields

	// Files holds each entry by its TaskFile.
	Files [NumTaskFiles][]byte

	FDLimit     int64 // RLIMIT_NOFILE soft limit, -1 unknown
	ExeStatOK   bool  // ExeStat holds the executable's stat
	ExeStat     unix.Stat_t
	ExeReadOnly bool // the executable is on a read-only mount

	buf []byte // what read returns: a copy, which the parsers may change
}

// TaskFile names a task's /proc entry that TaskFiles holds. The agent's
// records number them the same (XA_FILE_* in agent/src/ring.h).
type TaskFile int

const (
	FileStatus   TaskFile = iota + 1
	FileStat              // stat
	FileComm              // comm, only when status's Name is escaped
	FileCmdline           // cmdline, at most a page
	FileEnviron           // environ, at most a page
	FileLoginUID          // loginuid
	FileCgroup            // the process's cgroup
	NumTaskFiles          // one past the last
)

// taskFileNames are the entries' names under /proc/PID.
var taskFileNames = [NumTaskFiles]string{
	FileStatus: "status", FileStat: "stat", FileComm: "comm", FileCmdline: "cmdline",
	FileEnviron: "environ", FileLoginUID: "loginuid", FileCgroup: "cgroup",
}

// Covers reports whether f holds what a Task read of want needs.
func (f *TaskFiles) Covers(want TaskFields) bool {
	need := want & (TaskArgs | TaskEnv | TaskLoginUID | TaskExeWritable | TaskCgroups)
	return f.Files[FileStatus] != nil && f.Have&need == need
}

func (f *TaskFiles) read(name string, max int) ([]byte, error) {
	var b []byte
	for i, n := range taskFileNames {
		if n == name && n != "" {
			b = f.Files[i]
		}
	}
	if b == nil {
		return nil, unix.ENOENT
	}
	if max > 0 && len(b) > max {
		b = b[:max]
	}
	f.buf = append(f.buf[:0], b...)
	return f.buf, nil
}

// readlink: the links (cwd, exe path) are not part of the files; the
// events that take TaskFiles do not read them.
func (f *TaskFiles) readlink(string) ([]byte, error) { return nil, unix.ENOENT }

func (f *TaskFiles) fdLimit() int64 { return f.FDLimit }

func (f *TaskFiles) exeStat(st *unix.Stat_t) bool {
	*st = f.ExeStat
	return f.ExeStatOK
}

func (f *TaskFiles) exeReadOnly() bool { return f.ExeReadOnly }

// TaskFrom is [FS.Task] on files the task read itself: thread tid of
// process pid as f gives it. want must not ask for TaskCwd or
// TaskExePath, and f must cover it ([TaskFiles.Covers]).
func (fs *FS) TaskFrom(f *TaskFiles, pid, tid int, want TaskFields, t *Task) error {
	if want&(TaskCwd|TaskExePath) != 0 || !f.Covers(want) {
		return fmt.Errorf("procfs: task %d of process %d: the task's files do not hold what the read wants (%#x)", tid, pid, want)
	}
	if err := fs.readTask(f, tid, want, t); err != nil {
		return fmt.Errorf("procfs: task %d of process %d from its files: %w", tid, pid, err)
	}
	return nil
}
