package procfs

import (
	"errors"
	"os"
	"reflect"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"xtrace/scap"
)

// The fixture tree testdata/proc holds:
//
//	4242  "demo worker" with thread 4243, nested pid namespace, hybrid
//	      cgroups, files and a directory open, a socket whose link does not
//	      resolve, and net tables
//	2     a kernel thread (no exe, empty command line): skipped
//	4300  a process that vanished (no status): skipped
const fixture = "testdata/proc"

const cgroups4242 = "cpu=/user.slice/demo\x00cpuacct=/user.slice/demo\x00" +
	"name=systemd=/user.slice/user-1000.slice/session-1.scope\x00memory=/user.slice\x00" +
	"cpu=/user.slice/user-1000.slice/session-1.scope\x00memory=/user.slice/user-1000.slice/session-1.scope\x00" +
	"cpuset=/user.slice/user-1000.slice/session-1.scope\x00"

func fixtureProcs() []scap.Proc {
	main := scap.Proc{
		TID: 4242, PID: 4242, PTID: 4200, SID: 4100, VPGID: 15,
		Comm: "demo", Exe: "/usr/bin/demo", ExePath: "/bin/sh",
		Args: "-v\x00--name\x00x y\x00", Cwd: "/tmp", FDLimit: 1024,
		UID: 1001, GID: 101, VMSizeKB: 9876, VMRSSKB: 1908, VMSwapKB: 12,
		PFMajor: 3, PFMinor: 731, Env: "HOME=/home/demo\x00LANG=C.UTF-8\x00",
		VTID: 17, VPID: 17, Cgroups: cgroups4242, Root: "/", LoginUID: 1000,
	}
	thread := main
	// The thread's comm holds a newline, which status shows escaped.
	thread.TID, thread.Comm, thread.Cwd, thread.VTID = 4243, `demo\nio`, "/var", 18
	thread.Flags = threadFlags
	thread.PFMajor, thread.PFMinor = 1, 5
	return []scap.Proc{main, thread}
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func fixtureFDs(t *testing.T) []scap.FD {
	return []scap.FD{
		{Num: 0, Ino: inode(t, "testdata/files/hello.txt"), Type: scap.FDFileV2, Name: "../../../files/hello.txt",
			OpenFlags: 2 | 8 | 0x1000, Dev: EncodeDev(259, 1)},
		{Num: 1, Ino: inode(t, "testdata/files"), Type: scap.FDDirectory, Name: "../../../files"},
		{Num: 10, Ino: inode(t, "testdata/files/hello.txt"), Type: scap.FDFileV2, Name: "../../../files/hello.txt",
			OpenFlags: 3 | 0x10 | 0x80, Dev: EncodeDev(8, 300)},
	}
}

func TestFixtureProcesses(t *testing.T) {
	fs := NewFS(fixture)
	procs, fdls, err := fs.processes()
	if err != nil {
		t.Fatal(err)
	}
	want := fixtureProcs()
	if len(procs) != len(want) {
		t.Fatalf("got %d PL entries, want %d: %+v", len(procs), len(want), procs)
	}
	for i := range want {
		if !reflect.DeepEqual(procs[i], want[i]) {
			t.Errorf("PL entry %d:\n got %+v\nwant %+v", i, procs[i], want[i])
		}
	}
	wantFDL := []scap.FDList{{TID: 4242, FDs: fixtureFDs(t)}, {TID: 4243}}
	if !reflect.DeepEqual(fdls, wantFDL) {
		t.Errorf("FDL:\n got %+v\nwant %+v", fdls, wantFDL)
	}
}

func TestFixtureProc(t *testing.T) {
	fs := NewFS(fixture + "/")
	want := fixtureProcs()
	for _, w := range want {
		var p scap.Proc
		if err := fs.Proc(4242, int(w.TID), &p); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p, w) {
			t.Errorf("Proc(4242, %d):\n got %+v\nwant %+v", w.TID, p, w)
		}
	}
	var p scap.Proc
	tests := []struct {
		pid, tid int
		errIs    error
	}{
		{2, 2, ErrNoProcess},
		{4300, 4300, ErrNoProcess},
		{4999, 4999, ErrNoProcess},
		{4999, 4999, syscall.ENOENT},
	}
	for _, tt := range tests {
		err := fs.Proc(tt.pid, tt.tid, &p)
		if !errors.Is(err, tt.errIs) {
			t.Errorf("Proc(%d, %d) = %v, want %v", tt.pid, tt.tid, err, tt.errIs)
		}
	}
	msgs := []struct {
		pid, tid int
		want     string
	}{
		{2, 2, "procfs: reading thread 2 of process 2: procfs: no such user process"},
		{4999, 5000, "procfs: reading thread 5000 of process 4999: procfs: no such user process (no such file or directory)"},
	}
	for _, m := range msgs {
		if err := fs.Proc(m.pid, m.tid, &p); err == nil || err.Error() != m.want {
			t.Errorf("Proc(%d, %d) error %q, want %q", m.pid, m.tid, err, m.want)
		}
	}
}

func TestFixtureFDs(t *testing.T) {
	fs := NewFS(fixture)
	got, err := fs.FDs(4242, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := fixtureFDs(t); !reflect.DeepEqual(got, want) {
		t.Errorf("FDs:\n got %+v\nwant %+v", got, want)
	}
	for _, want := range fixtureFDs(t) {
		var fd scap.FD
		if listed, err := fs.FD(4242, int(want.Num), &fd); err != nil || !listed || !reflect.DeepEqual(fd, want) {
			t.Errorf("FD(4242, %d) = %v, %v:\n got %+v\nwant %+v", want.Num, listed, err, fd, want)
		}
	}
	for _, num := range []int{2, 99} {
		var fd scap.FD
		if listed, err := fs.FD(4242, num, &fd); err != nil || listed {
			t.Errorf("FD(4242, %d) = %v, %v; want not listed", num, listed, err)
		}
	}
	if _, err := fs.FDs(4999, nil); !errors.Is(err, ErrNoProcess) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("FDs(4999) error = %v, want not exist", err)
	}
}

func TestFixtureSocket(t *testing.T) {
	fs := NewFS(fixture)
	tests := []struct {
		ino  uint64
		want scap.FD
	}{
		{1002, scap.FD{Ino: 1002, Type: scap.FDIPv4Sock, SIP: ip("127.0.0.1"), SPort: 54321, DIP: ip("127.0.0.1"), DPort: 8080, L4Proto: L4TCP}},
		{1302, scap.FD{Ino: 1302, Type: scap.FDIPv6Sock, SIP: ip("::ffff:127.0.0.1"), SPort: 8082, DIP: ip("::ffff:127.0.0.1"), DPort: 49152, L4Proto: L4TCP}},
		{1101, scap.FD{Ino: 1101, Type: scap.FDIPv4Serv, SIP: ip("0.0.0.0"), SPort: 68, L4Proto: L4UDP}},
		{1501, scap.FD{Ino: 1501, Type: scap.FDUnixSock, Source: 0xffff8881031e2000, Name: "/run/demo.sock"}},
		{1602, scap.FD{Ino: 1602, Type: scap.FDNetlink}},
	}
	for _, tt := range tests {
		var fd scap.FD
		found, err := fs.Socket(4242, tt.ino, &fd)
		if err != nil || !found {
			t.Errorf("Socket(4242, %d) = %v, %v", tt.ino, found, err)
			continue
		}
		if !reflect.DeepEqual(fd, tt.want) {
			t.Errorf("Socket(4242, %d):\n got %+v\nwant %+v", tt.ino, fd, tt.want)
		}
	}
	var fd scap.FD
	if found, err := fs.Socket(4242, 777, &fd); found || err != nil {
		t.Errorf("Socket(4242, 777) = %v, %v; want not found", found, err)
	}
	if _, err := fs.Socket(4999, 1, &fd); err == nil {
		t.Error("Socket on a missing process succeeded")
	}
}

func TestFixtureTask(t *testing.T) {
	fs := NewFS(fixture)
	var task Task
	if err := fs.Task(4242, 4243, TaskExecve|TaskCwd|TaskExePath, &task); err != nil {
		t.Fatal(err)
	}
	want := Task{
		TID: 4243, PID: 4242, PTID: 4200, VTID: 18, VPID: 17, VPGID: 15, SID: 4100,
		Comm: []byte("demo\nio"), Exe: []byte("/usr/bin/demo"), Args: []byte("-v\x00--name\x00x y\x00"),
		Env: []byte("HOME=/home/demo\x00LANG=C.UTF-8\x00"), Cwd: []byte("/var"), ExePath: []byte("/bin/sh"),
		Cgroups: []byte(cgroups4242), FDLimit: 1024, PFMajor: 1, PFMinor: 5,
		VMSizeKB: 9876, VMRSSKB: 1908, VMSwapKB: 12, UID: 1001, GID: 101,
		TTY: 34817, LoginUID: 1000, CPU: 0,
	}
	if !reflect.DeepEqual(task, want) {
		t.Errorf("Task:\n got %+v\nwant %+v", task, want)
	}

	// A narrower read clears the fields it does not select.
	if err := fs.Task(4242, 4243, 0, &task); err != nil {
		t.Fatal(err)
	}
	if len(task.Exe)+len(task.Args)+len(task.Env)+len(task.Cwd)+len(task.ExePath)+len(task.Cgroups) != 0 || task.LoginUID != -1 {
		t.Errorf("Task with no optional fields: %+v", task)
	}
	if err := fs.Task(4999, 4999, 0, &task); !errors.Is(err, ErrNoProcess) {
		t.Errorf("Task(4999) error = %v, want not exist", err)
	}
}

func TestExeWritable(t *testing.T) {
	st := unix.Stat_t{Uid: 0, Gid: 50, Mode: unix.S_IFREG | 0o755}
	rw := func() bool { return false }
	ro := func() bool { return true }
	tests := []struct {
		name     string
		st       unix.Stat_t
		c        creds
		readOnly func() bool
		want     bool
	}{
		{"owner", st, creds{uid: 0}, ro, true},
		{"other user", st, creds{uid: 1000, gid: 1000}, rw, false},
		{"CAP_FOWNER", st, creds{uid: 1000, capEff: capFowner}, ro, true},
		{"CAP_DAC_OVERRIDE", st, creds{uid: 1000, capEff: capDACOverride}, rw, true},
		{"CAP_DAC_OVERRIDE on read-only mount", st, creds{uid: 1000, capEff: capDACOverride}, ro, false},
		{"group write, primary group", unix.Stat_t{Uid: 0, Gid: 50, Mode: 0o775}, creds{uid: 1000, gid: 50}, rw, true},
		{"group write, supplementary group", unix.Stat_t{Uid: 0, Gid: 50, Mode: 0o775}, creds{uid: 1000, gid: 1, groups: []uint32{7, 50}}, rw, true},
		{"group write, not a member", unix.Stat_t{Uid: 0, Gid: 50, Mode: 0o775}, creds{uid: 1000, gid: 1}, rw, false},
		{"other write", unix.Stat_t{Uid: 0, Gid: 50, Mode: 0o757}, creds{uid: 1000, gid: 1}, rw, true},
		// The group class applies to members even when only others may write.
		{"other write, group member", unix.Stat_t{Uid: 0, Gid: 50, Mode: 0o757}, creds{uid: 1000, gid: 50}, rw, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exeWritable(&tt.st, &tt.c, tt.readOnly); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNetLookupLazy: a netTable reads only the files it needs to find a
// socket (the cheap ones first), and finds in them what scap's order finds.
func TestNetLookupLazy(t *testing.T) {
	fs := NewFS(fixture)
	dirfd, err := openDir(fixture + "/4242")
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dirfd)
	for _, tt := range []struct {
		ino      uint64
		typ      uint8
		maxFiles int // files read to find it
	}{
		{1501, scap.FDUnixSock, 1},
		{1602, scap.FDNetlink, 2},
		{1101, scap.FDIPv4Serv, 3},
		{1002, scap.FDIPv4Sock, 5},
		{1302, scap.FDIPv6Sock, 8},
	} {
		tab := &netTable{socks: map[uint64]sockEntry{}}
		e, ok := tab.lookup(fs, dirfd, tt.ino)
		if !ok || e.typ != tt.typ || tab.read > tt.maxFiles {
			t.Errorf("lookup(%d) = type %d, %v after %d files; want type %d within %d", tt.ino, e.typ, ok, tab.read, tt.typ, tt.maxFiles)
		}
		// scap's order: every file, from the first.
		var want uint8
		for _, f := range netFiles {
			b, err := fs.readAt(dirfd, "net/"+f.name, 0)
			if err != nil {
				continue
			}
			parseNetFile(f.kind, f.l4, b, func(i uint64, s *sockEntry) bool {
				if i == tt.ino && want == 0 {
					want = s.typ
				}
				return true
			})
		}
		if want != e.typ {
			t.Errorf("lookup(%d) and scap's order disagree: %d vs %d", tt.ino, e.typ, want)
		}
	}
}
