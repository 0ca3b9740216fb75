package procfs

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"xtrace/scap"
)

// BenchmarkSnapshot takes a whole live snapshot (MI, IL, UL, PL, FDL), as
// the recorder does once at start.
func BenchmarkSnapshot(b *testing.B) {
	b.ReportAllocs()
	fs := NewFS("")
	for b.Loop() {
		if _, err := fs.Snapshot(SnapshotOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcesses reads only the PL and FDL parts.
func BenchmarkProcesses(b *testing.B) {
	b.ReportAllocs()
	fs := NewFS("")
	for b.Loop() {
		if _, _, err := fs.processes(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTaskExecve reads what an execve exit event needs, as the
// recorder does while the tracee is stopped.
func BenchmarkTaskExecve(b *testing.B) {
	b.ReportAllocs()
	fs := NewFS("")
	pid, tid := os.Getpid(), unix.Gettid()
	var t Task
	for b.Loop() {
		if err := fs.Task(pid, tid, TaskExecve, &t); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTaskClone reads what a clone exit event needs.
func BenchmarkTaskClone(b *testing.B) {
	b.ReportAllocs()
	fs := NewFS("")
	pid, tid := os.Getpid(), unix.Gettid()
	var t Task
	for b.Loop() {
		if err := fs.Task(pid, tid, TaskClone, &t); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFDs reads the fd table of the benchmark process.
func BenchmarkFDs(b *testing.B) {
	b.ReportAllocs()
	fs := NewFS("")
	pid := os.Getpid()
	var fds []scap.FD
	for b.Loop() {
		var err error
		if fds, err = fs.FDs(pid, fds[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
