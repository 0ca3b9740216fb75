// Package procfs reads what a capture header and the recorder need from
// /proc and the system databases: the machine-wide snapshot sysdig writes at
// the start of a capture (machine info, interfaces, users and groups, every
// thread of every process, every process' fd table with sockets resolved
// through /proc/net), and per-process reads used while recording (execve and
// clone exit parameters).
package procfs

import (
	"errors"

	"xtrace/scap"
)

// SnapshotOptions tune Snapshot.
type SnapshotOptions struct {
	// Root is the proc mount point ("/proc" when empty).
	Root string
	// ExcludeUsers leaves the user and group lists out (-E).
	ExcludeUsers bool
}

// Snapshot reads the machine-wide state as a capture header: MI, IL, UL,
// one PL entry per thread of every process, one FDL list per process.
//
// TODO(procfs): implement.
func Snapshot(o SnapshotOptions) (*scap.Header, error) {
	return nil, errors.New("procfs: snapshot not implemented")
}

// ReadProc reads thread tid of process pid as a process-list entry.
//
// TODO(procfs): implement.
func ReadProc(pid, tid int) (scap.Proc, error) {
	return scap.Proc{}, errors.New("procfs: not implemented")
}

// ReadFDs reads the fd table of process pid as fd-list entries.
//
// TODO(procfs): implement.
func ReadFDs(pid int) ([]scap.FD, error) {
	return nil, errors.New("procfs: not implemented")
}
