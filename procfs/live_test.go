package procfs

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"xtrace/scap"

	"xtrace/internal/testutil"
)

// liveFDs are fds the test process opens so that a snapshot of it has one
// of each kind scap classifies.
type liveFDs struct {
	file, pipeR, pipeW       int
	listen, client, accepted int
	udp, pairA, pairB        int
	unixListen, event        int
	listen6                  int // -1 without IPv6 loopback
	dir, netlink, inotify    int
	timer, signal, epoll     int

	filePath, unixPath           string
	pipeIno                      uint64
	listenPort, clientPort       uint16
	udpPort, listen6Port         uint16
	closers                      []func()
	listenIno, clientIno, udpIno uint64
}

// connFD returns the fd number behind a net.Conn or net.Listener.
func connFD(t *testing.T, c interface {
	SyscallConn() (syscall.RawConn, error)
}) int {
	t.Helper()
	fd := -1
	raw, err := c.SyscallConn()
	if err == nil {
		err = raw.Control(func(f uintptr) { fd = int(f) })
	}
	if err != nil || fd < 0 {
		t.Fatalf("fd of %T: %v", c, err)
	}
	return fd
}

func sockIno(t *testing.T, fd int) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// openLiveFDs opens the fds of liveFDs in the test process; they are closed
// when the test ends.
func openLiveFDs(t *testing.T) *liveFDs {
	t.Helper()
	l := &liveFDs{listen6: -1}
	t.Cleanup(func() {
		for i := len(l.closers) - 1; i >= 0; i-- {
			l.closers[i]()
		}
	})
	dir := t.TempDir()
	closeFD := func(fd int) { l.closers = append(l.closers, func() { unix.Close(fd) }) }

	l.filePath = filepath.Join(dir, "appended.log")
	f, err := os.OpenFile(l.filePath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	l.closers = append(l.closers, func() { f.Close() })
	l.file = int(f.Fd())

	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	closeFD(p[0])
	closeFD(p[1])
	l.pipeR, l.pipeW = p[0], p[1]
	l.pipeIno = sockIno(t, p[0])

	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	l.closers = append(l.closers, func() { ln.Close() })
	l.listen = connFD(t, ln)
	l.listenPort = uint16(ln.Addr().(*net.TCPAddr).Port)
	l.listenIno = sockIno(t, l.listen)

	client, err := net.DialTCP("tcp4", nil, ln.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	l.closers = append(l.closers, func() { client.Close() })
	l.client = connFD(t, client)
	l.clientPort = uint16(client.LocalAddr().(*net.TCPAddr).Port)
	l.clientIno = sockIno(t, l.client)
	acc, err := ln.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	l.closers = append(l.closers, func() { acc.Close() })
	l.accepted = connFD(t, acc)

	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	l.closers = append(l.closers, func() { udp.Close() })
	l.udp = connFD(t, udp)
	l.udpPort = uint16(udp.LocalAddr().(*net.UDPAddr).Port)
	l.udpIno = sockIno(t, l.udp)

	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	closeFD(pair[0])
	closeFD(pair[1])
	l.pairA, l.pairB = pair[0], pair[1]

	l.unixPath = filepath.Join(dir, "live.sock")
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: l.unixPath, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.closers = append(l.closers, func() { ul.Close() })
	l.unixListen = connFD(t, ul)

	ev, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	closeFD(ev)
	l.event = ev

	if l.dir, err = unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
		t.Fatal(err)
	}
	closeFD(l.dir)
	// Netlink sockets are listed in /proc/net/netlink once bound.
	if l.netlink, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE); err != nil {
		t.Fatal(err)
	}
	closeFD(l.netlink)
	if err := unix.Bind(l.netlink, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		t.Fatal(err)
	}
	if l.inotify, err = unix.InotifyInit1(unix.IN_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	closeFD(l.inotify)
	if l.timer, err = unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	closeFD(l.timer)
	var mask unix.Sigset_t
	if l.signal, err = unix.Signalfd(-1, &mask, unix.SFD_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	closeFD(l.signal)
	if l.epoll, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	closeFD(l.epoll)

	if ln6, err := net.ListenTCP("tcp6", &net.TCPAddr{IP: net.IPv6loopback}); err == nil {
		l.closers = append(l.closers, func() { ln6.Close() })
		l.listen6 = connFD(t, ln6)
		l.listen6Port = uint16(ln6.Addr().(*net.TCPAddr).Port)
	}
	return l
}

// want returns the FDL entries the snapshot must hold for l, by fd.
func (l *liveFDs) want(t *testing.T) map[int64]scap.FD {
	lo := netip.MustParseAddr("127.0.0.1").AsSlice()
	m := map[int64]scap.FD{
		int64(l.file): {Type: scap.FDFileV2, Name: l.filePath, OpenFlags: 2 | 8 | 0x1000,
			Ino: inode(t, l.filePath)},
		int64(l.pipeR):  {Type: scap.FDFIFO, Name: "pipe:[" + strconv.FormatUint(l.pipeIno, 10) + "]", Ino: l.pipeIno},
		int64(l.pipeW):  {Type: scap.FDFIFO, Name: "pipe:[" + strconv.FormatUint(l.pipeIno, 10) + "]", Ino: l.pipeIno},
		int64(l.listen): {Type: scap.FDIPv4Serv, SIP: lo, SPort: l.listenPort, L4Proto: L4TCP, Ino: l.listenIno},
		int64(l.client): {Type: scap.FDIPv4Sock, SIP: lo, SPort: l.clientPort, DIP: lo, DPort: l.listenPort,
			L4Proto: L4TCP, Ino: l.clientIno},
		int64(l.accepted): {Type: scap.FDIPv4Sock, SIP: lo, SPort: l.listenPort, DIP: lo, DPort: l.clientPort,
			L4Proto: L4TCP, Ino: sockIno(t, l.accepted)},
		int64(l.udp):        {Type: scap.FDIPv4Serv, SIP: lo, SPort: l.udpPort, L4Proto: L4UDP, Ino: l.udpIno},
		int64(l.pairA):      {Type: scap.FDUnixSock, Ino: sockIno(t, l.pairA)},
		int64(l.pairB):      {Type: scap.FDUnixSock, Ino: sockIno(t, l.pairB)},
		int64(l.unixListen): {Type: scap.FDUnixSock, Name: l.unixPath, Ino: sockIno(t, l.unixListen)},
		int64(l.event):      {Type: scap.FDEvent, Ino: sockIno(t, l.event)},
		int64(l.dir):        {Type: scap.FDDirectory, Name: filepath.Dir(l.filePath), Ino: inode(t, filepath.Dir(l.filePath))},
		int64(l.netlink):    {Type: scap.FDNetlink, Ino: sockIno(t, l.netlink)},
		int64(l.inotify):    {Type: scap.FDInotify, Ino: sockIno(t, l.inotify)},
		int64(l.timer):      {Type: scap.FDTimerFD, Ino: sockIno(t, l.timer)},
		int64(l.signal):     {Type: scap.FDSignalFD, Ino: sockIno(t, l.signal)},
		int64(l.epoll):      {Type: scap.FDEventPoll, Ino: sockIno(t, l.epoll)},
	}
	if l.listen6 >= 0 {
		m[int64(l.listen6)] = scap.FD{Type: scap.FDIPv6Serv, SIP: net.IPv6loopback, SPort: l.listen6Port,
			L4Proto: L4TCP, Ino: sockIno(t, l.listen6)}
	}
	return m
}

// checkFD compares a snapshot entry with the expectation; the unix
// endpoint id and the file device are checked for presence only.
func checkFD(t *testing.T, got, want scap.FD) {
	t.Helper()
	if want.Type == scap.FDUnixSock {
		want.Source = got.Source
	}
	if want.Type == scap.FDFileV2 {
		if got.Dev == 0 {
			t.Errorf("fd %d: Dev is 0", got.Num)
		}
		want.Dev = got.Dev
	}
	want.Num = got.Num
	if got.Type != want.Type || got.Name != want.Name || got.Ino != want.Ino ||
		got.OpenFlags != want.OpenFlags || !bytes.Equal(got.SIP, want.SIP) || !bytes.Equal(got.DIP, want.DIP) ||
		got.SPort != want.SPort || got.DPort != want.DPort || got.L4Proto != want.L4Proto || got.Source != want.Source {
		t.Errorf("fd %d:\n got %+v\nwant %+v", got.Num, got, want)
	}
}

func skipIfNoProc(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		testutil.SkipOrFail(t, fmt.Sprintf("no /proc: %v", err))
	}
}

func TestLiveSnapshot(t *testing.T) {
	skipIfNoProc(t)
	l := openLiveFDs(t)
	h, err := Snapshot(SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pid := os.Getpid()

	if h.Machine == nil || h.Machine.NumCPUs == 0 || h.Machine.MemoryBytes == 0 || h.Machine.MaxPID == 0 {
		t.Errorf("machine info: %+v", h.Machine)
	}
	if host, _ := os.Hostname(); h.Machine != nil && h.Machine.Hostname != host {
		t.Errorf("hostname %q, want %q", h.Machine.Hostname, host)
	}
	hasLo := false
	for _, itf := range h.Interfaces {
		if itf.Type == scap.IfIPv4 && bytes.Equal(itf.Addr, []byte{127, 0, 0, 1}) {
			hasLo = true
		}
	}
	if !hasLo {
		t.Errorf("no 127.0.0.1 among the interfaces: %+v", h.Interfaces)
	}
	if len(h.Users) == 0 || len(h.Groups) == 0 {
		t.Errorf("%d users, %d groups", len(h.Users), len(h.Groups))
	}
	if len(h.Procs) != len(h.FDs) {
		t.Fatalf("%d PL entries but %d FDL lists", len(h.Procs), len(h.FDs))
	}

	var main *scap.Proc
	var fds []scap.FD
	threads := 0
	for i := range h.Procs {
		p := &h.Procs[i]
		if h.FDs[i].TID != uint64(p.TID) {
			t.Fatalf("FDL %d is for tid %d, PL entry for %d", i, h.FDs[i].TID, p.TID)
		}
		if p.PID != int64(pid) {
			continue
		}
		if p.TID == int64(pid) {
			main = p
			fds = h.FDs[i].FDs
			continue
		}
		threads++
		if p.Flags != threadFlags || len(h.FDs[i].FDs) != 0 {
			t.Errorf("thread %d: flags %#x, %d fds", p.TID, p.Flags, len(h.FDs[i].FDs))
		}
	}
	if main == nil {
		t.Fatalf("no PL entry for the test process %d", pid)
	}
	if threads == 0 {
		t.Error("no thread entries for the test process")
	}
	exe, _ := os.Executable()
	cwd, _ := os.Getwd()
	cmdline, _ := os.ReadFile("/proc/self/cmdline")
	if main.ExePath != exe || main.Cwd != cwd || main.Flags != 0 || main.UID != uint32(os.Geteuid()) ||
		main.Exe != os.Args[0] || main.PTID != int64(os.Getppid()) || main.Args != string(cmdline[len(os.Args[0])+1:]) {
		t.Errorf("main thread entry: %+v", *main)
	}

	want := l.want(t)
	seen := map[int64]bool{}
	for _, fd := range fds {
		if w, ok := want[fd.Num]; ok {
			checkFD(t, fd, w)
			seen[fd.Num] = true
		}
	}
	for num, w := range want {
		if !seen[num] {
			t.Errorf("fd %d (%+v) missing from the snapshot", num, w)
		}
	}
}

func TestLiveFDsAndSocket(t *testing.T) {
	skipIfNoProc(t)
	l := openLiveFDs(t)
	fs := NewFS("")
	fds, err := fs.FDs(os.Getpid(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := l.want(t)
	n := 0
	for _, fd := range fds {
		if w, ok := want[fd.Num]; ok {
			checkFD(t, fd, w)
			n++
		}
	}
	if n != len(want) {
		t.Errorf("FDs found %d of the %d test fds", n, len(want))
	}

	for num, w := range want {
		var got scap.FD
		listed, err := fs.FD(os.Getpid(), int(num), &got)
		if err != nil || !listed {
			t.Errorf("FD(%d) = %v, %v", num, listed, err)
			continue
		}
		checkFD(t, got, w)
	}

	for _, num := range []int{l.client, l.listen, l.udp, l.unixListen} {
		var got scap.FD
		found, err := fs.Socket(os.Getpid(), sockIno(t, num), &got)
		if err != nil || !found {
			t.Errorf("Socket(fd %d) = %v, %v", num, found, err)
			continue
		}
		got.Num = int64(num)
		checkFD(t, got, want[int64(num)])
	}
}

func TestLiveProcAndTask(t *testing.T) {
	skipIfNoProc(t)
	pid, tid := os.Getpid(), unix.Gettid()
	p, err := ReadProc(pid, pid)
	if err != nil {
		t.Fatal(err)
	}
	var task Task
	fs := NewFS("")
	if err := fs.Task(pid, tid, TaskExecve|TaskCwd|TaskExePath, &task); err != nil {
		t.Fatal(err)
	}
	comm, _ := os.ReadFile("/proc/self/comm")
	if string(task.Comm) != string(bytes.TrimSuffix(comm, []byte("\n"))) {
		t.Errorf("Task comm %q, want %q", task.Comm, comm)
	}
	if string(task.Exe) != p.Exe || string(task.Args) != p.Args || string(task.Env) != p.Env ||
		string(task.Cwd) != p.Cwd || string(task.ExePath) != p.ExePath || string(task.Cgroups) != p.Cgroups {
		t.Errorf("Task and ReadProc disagree:\n task %+v\n proc %+v", task, p)
	}
	var rl unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_NOFILE, &rl)
	if task.PID != int64(pid) || task.TID != int64(tid) || task.VPID != int64(pid) ||
		task.FDLimit != int64(rl.Cur) || p.FDLimit != int64(rl.Cur) || task.VMSizeKB == 0 || task.CPU < 0 {
		t.Errorf("Task: %+v", task)
	}
	if !task.ExeWritable && os.Geteuid() == 0 {
		t.Error("root's own test binary is not writable")
	}
	fds, err := ReadFDs(pid)
	if err != nil || len(fds) < 3 {
		t.Errorf("ReadFDs: %d fds, %v", len(fds), err)
	}
	if _, err := ReadProc(pid, 1<<30); err == nil {
		t.Error("ReadProc on a missing thread succeeded")
	}
}

// TestHelperListener is not a test: run as a child by
// TestLiveNetNamespace, it listens on a TCP port in whatever network
// namespace it was started in, prints the port and waits for stdin to
// close.
func TestHelperListener(t *testing.T) {
	if os.Getenv("PROCFS_HELPER") != "listen" {
		t.Skip("helper process only")
	}
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4zero})
	if err != nil {
		os.Exit(2)
	}
	os.Stdout.WriteString(strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + "\n")
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// TestLiveNetNamespace checks that a process' sockets are resolved in its
// own network namespace: a child in a new one listens on a port that the
// test's namespace does not know.
func TestLiveNetNamespace(t *testing.T) {
	skipIfNoProc(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperListener$")
	cmd.Env = append(os.Environ(), "PROCFS_HELPER=listen")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		testutil.SkipOrFail(t, fmt.Sprintf("cannot start a process in a new network namespace: %v", err))
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("helper printed %q", line)
	}

	h, err := Snapshot(SnapshotOptions{ExcludeUsers: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range h.FDs {
		if l.TID != uint64(cmd.Process.Pid) {
			continue
		}
		for _, fd := range l.FDs {
			if fd.Type == scap.FDIPv4Serv && fd.SPort == uint16(port) && fd.L4Proto == L4TCP &&
				bytes.Equal(fd.SIP, []byte{0, 0, 0, 0}) {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("the helper's listening socket on port %d is not in its FDL", port)
	}
	if h.HasUL || len(h.Users) != 0 {
		t.Error("ExcludeUsers still wrote a user list")
	}
}
