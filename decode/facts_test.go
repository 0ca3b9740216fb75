package decode

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"xtrace/event"
	"xtrace/procfs"
)

// fakeFacts is a Facts source: fds maps a descriptor to its device and
// inode; vm, when set, holds vm_size, vm_rss and vm_swap; socks maps a
// socket to its local and peer address (a nil peer: getpeername failed).
// asked counts the questions.
type fakeFacts struct {
	fds   map[int][2]uint64
	vm    *[3]uint64
	socks map[int][2][]byte
	task  *procfs.TaskFiles
	asked *int
}

func (f fakeFacts) SockNames(fd int) (local, peer []byte, peerOK, ok bool) {
	*f.asked++
	v, ok := f.socks[fd]
	return v[0], v[1], v[1] != nil, ok
}

func (f fakeFacts) Task() (*procfs.TaskFiles, bool) {
	*f.asked++
	return f.task, f.task != nil
}

func (f fakeFacts) FdDev(fd int) (uint64, bool) {
	*f.asked++
	v, ok := f.fds[fd]
	return v[0], ok
}

func (f fakeFacts) FdIno(fd int) (uint64, bool) {
	*f.asked++
	v, ok := f.fds[fd]
	return v[1], ok
}

func (f fakeFacts) VM() (size, rss, swap uint64, ok bool) {
	*f.asked++
	if f.vm == nil {
		return 0, 0, 0, false
	}
	return f.vm[0], f.vm[1], f.vm[2], true
}

// named returns the unsigned parameter name of the encoded event raw, or
// the bytes of a non-numeric one in b.
func named(t *testing.T, raw []byte, name string) (v uint64, b []byte) {
	t.Helper()
	typ, ps := params(t, raw)
	for i, p := range event.Info(typ).Params {
		if p.Name != name {
			continue
		}
		b = ps[i]
		var w [8]byte
		copy(w[:], b)
		return binary.LittleEndian.Uint64(w[:]), b
	}
	t.Fatalf("event %d has no parameter %s", typ, name)
	return 0, nil
}

// TestFacts decodes exits whose parameters the decoder reads from /proc
// (the device of an opened file, the inode of a pipe, the vm counters),
// made by the test process itself: without Call.Facts the values come
// from /proc and equal what fstat says; with Call.Facts they come from
// there, /proc serving the facts the source does not hold; vm_size
// loses Options.HiddenVMKiB, clamped at 0.
func TestFacts(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := int(f.Fd())
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	var pfds [2]int32
	var pst unix.Stat_t
	if _, _, e := unix.RawSyscall(unix.SYS_PIPE2, uintptr(unsafe.Pointer(&pfds)), 0, 0); e != 0 {
		t.Fatal(e)
	}
	defer unix.Close(int(pfds[0]))
	defer unix.Close(int(pfds[1]))
	if err := unix.Fstat(int(pfds[0]), &pst); err != nil {
		t.Fatal(err)
	}
	vm := [3]uint64{10240, 2048, 16}
	tests := []struct {
		name   string
		hidden uint64
		facts  *fakeFacts
		nr     int
		args   [6]uint64
		ret    int64
		param  string
		want   uint64
		asks   int
	}{
		{"dev from proc", 0, nil, unix.SYS_OPENAT, [6]uint64{}, int64(fd), "dev", uint64(uint32(st.Dev)), 0},
		{"dev from facts", 0, &fakeFacts{fds: map[int][2]uint64{fd: {0x1234, 9}}}, unix.SYS_OPENAT, [6]uint64{}, int64(fd), "dev", 0x1234, 1},
		{"dev not in facts", 0, &fakeFacts{fds: map[int][2]uint64{fd + 1: {0x1234, 9}}}, unix.SYS_OPENAT, [6]uint64{}, int64(fd), "dev", uint64(uint32(st.Dev)), 1},
		{"dev fstat failed", 0, &fakeFacts{fds: map[int][2]uint64{fd: {0, 0}}}, unix.SYS_OPENAT, [6]uint64{}, int64(fd), "dev", 0, 1},
		{"dev of a failed open", 0, &fakeFacts{}, unix.SYS_OPENAT, [6]uint64{}, -2, "dev", 0, 0},
		{"ino from proc", 0, nil, unix.SYS_PIPE2, [6]uint64{uint64(uintptr(unsafe.Pointer(&pfds)))}, 0, "ino", pst.Ino, 0},
		{"ino from facts", 0, &fakeFacts{fds: map[int][2]uint64{int(pfds[0]): {0, 77}}}, unix.SYS_PIPE2, [6]uint64{uint64(uintptr(unsafe.Pointer(&pfds)))}, 0, "ino", 77, 1},
		{"vm_size from facts", 0, &fakeFacts{vm: &vm}, unix.SYS_MMAP, [6]uint64{}, 0x1000, "vm_size", 10240, 1},
		{"vm_size hidden", 4096, &fakeFacts{vm: &vm}, unix.SYS_MMAP, [6]uint64{}, 0x1000, "vm_size", 6144, 1},
		{"vm_size hidden clamped", 20000, &fakeFacts{vm: &vm}, unix.SYS_MUNMAP, [6]uint64{}, 0, "vm_size", 0, 1},
		{"vm_rss from facts", 4096, &fakeFacts{vm: &vm}, unix.SYS_BRK, [6]uint64{}, 0x1000, "vm_rss", 2048, 1},
		{"vm_swap from facts", 0, &fakeFacts{vm: &vm}, unix.SYS_MMAP, [6]uint64{}, 0x1000, "vm_swap", 16, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(Options{HiddenVMKiB: tt.hidden})
			defer d.Close()
			c := self()
			c.Nr, c.Args, c.Ret = tt.nr, tt.args, tt.ret
			asked := 0
			if tt.facts != nil {
				tt.facts.asked = &asked
				c.Facts = *tt.facts
			}
			raw, err := d.Exit(1, c)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := named(t, raw, tt.param); got != tt.want {
				t.Errorf("%s = %d (%#x), want %d (%#x)", tt.param, got, got, tt.want, tt.want)
			}
			if asked != tt.asks {
				t.Errorf("the facts were asked %d times, want %d", asked, tt.asks)
			}
		})
	}

	// Without facts, vm_size comes from /proc less HiddenVMKiB.
	t.Run("vm_size from proc", func(t *testing.T) {
		for try := 0; ; try++ {
			sizes := [2]uint64{}
			for i, hidden := range []uint64{0, 1024} {
				d := New(Options{HiddenVMKiB: hidden})
				c := self()
				c.Nr, c.Ret = unix.SYS_BRK, 0x1000
				raw, err := d.Exit(1, c)
				d.Close()
				if err != nil {
					t.Fatal(err)
				}
				sizes[i], _ = named(t, raw, "vm_size")
			}
			if sizes[0] > 1024 && sizes[0]-sizes[1] == 1024 {
				return
			}
			if try == 5 { // the runtime may map memory in between
				t.Fatalf("vm_size %d KiB, %d KiB with 1024 hidden", sizes[0], sizes[1])
			}
		}
	})
}

// TestExecveHidden decodes an execve exit of the test process: its env
// goes through Options.StripEnv and its vm_size loses HiddenVMKiB.
func TestExecveHidden(t *testing.T) {
	environ, err := os.ReadFile("/proc/self/environ")
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	strip := func(dst, env []byte) []byte {
		got = append(got[:0], env...)
		return append(dst, "KEPT=1\x00"...)
	}
	var sizes [2]uint64
	for try := 0; ; try++ {
		for i, o := range []Options{{}, {HiddenVMKiB: 2048, StripEnv: strip}} {
			d := New(o)
			c := self()
			c.Nr = unix.SYS_EXECVE
			raw, err := d.Exit(1, c)
			d.Close()
			if err != nil {
				t.Fatal(err)
			}
			sizes[i], _ = named(t, raw, "vm_size")
			_, env := named(t, raw, "env")
			want := environ
			if i == 1 {
				want = []byte("KEPT=1\x00")
			}
			if len(want) > pageSize {
				want = want[:pageSize]
			}
			if !bytes.Equal(env, want) && !(i == 0 && bytes.HasPrefix(want, env)) {
				t.Errorf("options %d: env %q, want %q", i, env, want)
			}
		}
		if sizes[0]-sizes[1] == 2048 {
			break
		}
		if try == 5 {
			t.Fatalf("vm_size %d KiB, %d KiB with 2048 hidden", sizes[0], sizes[1])
		}
	}
	if !bytes.HasPrefix(environ, got) || len(got) == 0 {
		t.Errorf("StripEnv was given %q, want the environment of /proc/self/environ", got)
	}
}

// TestSockFacts decodes the socket tuples of calls on a TCP loopback
// connection of the test process (connect and sendto enters, accept4
// and recvfrom exits) and of a unix socket pair, with and without
// Call.Facts holding getsockname and getpeername of the socket: the
// tuples must be the same, the facts asked for the inet sockets only
// being used, and a unix socket's tuple read from the process whatever
// the facts say.
func TestSockFacts(t *testing.T) {
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ln)
	if err := unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(ln, 1); err != nil {
		t.Fatal(err)
	}
	lsa, err := unix.Getsockname(ln)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(cl)
	if err := unix.Connect(cl, lsa); err != nil {
		t.Fatal(err)
	}
	srv, _, err := unix.Accept4(ln, unix.SOCK_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(srv)
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])

	// names reads a socket's names as the agent does.
	names := func(fd int) [2][]byte {
		var sa, pa [128]byte
		n, pn := uint32(len(sa)), uint32(len(pa))
		if _, _, e := unix.RawSyscall(unix.SYS_GETSOCKNAME, uintptr(fd), uintptr(unsafe.Pointer(&sa)), uintptr(unsafe.Pointer(&n))); e != 0 {
			t.Fatal(e)
		}
		v := [2][]byte{sa[:n], nil}
		if _, _, e := unix.RawSyscall(unix.SYS_GETPEERNAME, uintptr(fd), uintptr(unsafe.Pointer(&pa)), uintptr(unsafe.Pointer(&pn))); e == 0 {
			v[1] = pa[:pn]
		}
		return v
	}
	// The server's address as a user buffer (connect's, recvfrom's).
	var ua [16]byte
	binary.LittleEndian.PutUint16(ua[:], unix.AF_INET)
	binary.BigEndian.PutUint16(ua[2:], uint16(lsa.(*unix.SockaddrInet4).Port))
	copy(ua[4:], []byte{127, 0, 0, 1})
	ualen := uint32(len(ua))
	socks := map[int][2][]byte{cl: names(cl), srv: names(srv), pair[0]: names(pair[0])}
	tests := []struct {
		name  string
		enter bool
		nr    int
		args  [6]uint64
		ret   int64
		asks  int // with facts
	}{
		{"connect", false, unix.SYS_CONNECT, [6]uint64{uint64(cl), ptr(ua[:]), uint64(len(ua))}, 0, 1},
		{"sendto", true, unix.SYS_SENDTO, [6]uint64{uint64(cl), 0, 5, 0, ptr(ua[:]), uint64(len(ua))}, 0, 1},
		{"sendto without address", true, unix.SYS_SENDTO, [6]uint64{uint64(cl), 0, 5, 0, 0, 0}, 0, 0},
		{"recvfrom", false, unix.SYS_RECVFROM, [6]uint64{uint64(srv), 0, 5, 0, ptr(ua[:]), uint64(uintptr(unsafe.Pointer(&ualen)))}, 5, 1},
		{"accept4", false, unix.SYS_ACCEPT4, [6]uint64{uint64(ln)}, int64(srv), 1},
		{"unix sendto", true, unix.SYS_SENDTO, [6]uint64{uint64(pair[0]), 0, 5, 0, ptr(ua[:]), uint64(len(ua))}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decodeWith := func(f Facts) []byte {
				d := New(Options{})
				defer d.Close()
				c := self()
				c.Nr, c.Args, c.Ret, c.Facts = tt.nr, tt.args, tt.ret, f
				dec := d.Exit
				if tt.enter {
					dec = d.Enter
				}
				raw, err := dec(1, c)
				if err != nil {
					t.Fatal(err)
				}
				_, tuple := named(t, raw, "tuple")
				return append([]byte(nil), tuple...)
			}
			asked := 0
			live := decodeWith(nil)
			facts := decodeWith(fakeFacts{socks: socks, asked: &asked})
			if (len(live) == 0) != (tt.asks == 0) {
				t.Fatalf("tuple from the process %x", live)
			}
			if !bytes.Equal(facts, live) {
				t.Errorf("tuple from the facts %x, from the process %x", facts, live)
			}
			if asked != tt.asks {
				t.Errorf("the facts were asked %d times, want %d", asked, tt.asks)
			}
			// Facts that lie show whether they were used: only an inet
			// socket's are.
			lie := map[int][2][]byte{}
			for fd, v := range socks {
				l := append([]byte(nil), v[0]...)
				if binary.LittleEndian.Uint16(l) == unix.AF_INET {
					l[4] = 10 // 10.0.0.1
				}
				lie[fd] = [2][]byte{l, v[1]}
			}
			used := !bytes.Equal(decodeWith(fakeFacts{socks: lie, asked: &asked}), live)
			if want := tt.asks > 0 && tt.name != "unix sendto"; used != want {
				t.Errorf("facts used %v, want %v", used, want)
			}
		})
	}
}
