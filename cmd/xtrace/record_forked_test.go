package main

import (
	"os"
	"slices"
	"testing"

	"xtrace/procfs"
	"xtrace/scap"
)

// TestAddForked: the agent backend's header describes the launched
// process before its execve as a fork of xtrace (own comm and exe, the
// command's argv[0], no faults yet, descriptors 0-2 only) and leaves out
// what the machine snapshot read of the command's tree, threads and
// descendants included, keeping everything else.
func TestAddForked(t *testing.T) {
	const pid, child, grandchild, thread, other = 900001, 900002, 900003, 900004, 900005
	proc := func(tid, pid, ptid int64, comm string) scap.Proc {
		return scap.Proc{TID: tid, PID: pid, PTID: ptid, Comm: comm}
	}
	h := &scap.Header{
		Procs: []scap.Proc{
			proc(pid, pid, int64(os.Getpid()), "cmd"),
			proc(child, child, pid, "child"),
			proc(thread, child, pid, "child"),
			proc(grandchild, grandchild, child, "grandchild"),
			proc(other, other, 1, "other"),
		},
		FDs: []scap.FDList{{TID: pid}, {TID: child}, {TID: thread}, {TID: grandchild}, {TID: other}},
	}
	// xtrace's own entry, as the machine snapshot has it.
	fs := procfs.NewFS("")
	var mine scap.Proc
	if err := fs.Proc(os.Getpid(), os.Getpid(), &mine); err != nil {
		t.Fatal(err)
	}
	own, err := fs.FDs(os.Getpid(), nil)
	if err != nil {
		t.Fatal(err)
	}
	h.Procs = append(h.Procs, mine)
	h.FDs = append(h.FDs, scap.FDList{TID: uint64(os.Getpid()), FDs: own})
	if err := addForked(h, pid, "./cmd"); err != nil {
		t.Fatal(err)
	}
	var tids []int64
	for _, p := range h.Procs {
		tids = append(tids, p.TID)
	}
	if want := []int64{other, int64(os.Getpid()), pid}; !slices.Equal(tids, want) {
		t.Fatalf("threads %v, want %v", tids, want)
	}
	var fdTIDs []uint64
	for _, l := range h.FDs {
		fdTIDs = append(fdTIDs, l.TID)
	}
	if want := []uint64{other, uint64(os.Getpid()), pid}; !slices.Equal(fdTIDs, want) {
		t.Fatalf("descriptor lists of %v, want %v", fdTIDs, want)
	}
	p := h.Procs[2]
	self, _ := os.Executable()
	if p.PID != pid || p.PTID != int64(os.Getpid()) || p.Exe != "./cmd" || p.Args != "" || p.ExePath != self || p.PFMinor != 0 {
		t.Errorf("launched process before its execve: %+v; want pid %d, parent %d, argv[0] ./cmd only, exe %s, no faults", p, pid, os.Getpid(), self)
	}
	for _, fd := range h.FDs[2].FDs {
		if fd.Num > 2 {
			t.Errorf("descriptor %d passed on; only 0-2 are", fd.Num)
		}
	}
}
