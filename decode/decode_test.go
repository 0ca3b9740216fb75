package decode

import (
	"encoding/binary"
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"xtrace/event"
)

// The decoder reads tracee memory with process_vm_readv, which works on
// the calling process too: these tests decode calls "made" by the test
// process itself, with pointers into its own memory.

func ptr(b []byte) uint64 { return uint64(uintptr(unsafe.Pointer(&b[0]))) }

func cstr(s string) []byte { return append([]byte(s), 0) }

// params decodes the parameters of an encoded event.
func params(t *testing.T, raw []byte) (event.Type, [][]byte) {
	t.Helper()
	if len(raw) < 26 {
		t.Fatalf("event too short: %d", len(raw))
	}
	typ := event.Type(binary.LittleEndian.Uint16(raw[20:]))
	n := int(binary.LittleEndian.Uint32(raw[22:]))
	if got := int(binary.LittleEndian.Uint32(raw[16:])); got != len(raw) {
		t.Fatalf("event len %d, have %d bytes", got, len(raw))
	}
	off := 26 + 2*n
	var ps [][]byte
	for i := 0; i < n; i++ {
		l := int(binary.LittleEndian.Uint16(raw[26+2*i:]))
		ps = append(ps, raw[off:off+l])
		off += l
	}
	if off != len(raw) {
		t.Fatalf("params end at %d of %d", off, len(raw))
	}
	return typ, ps
}

func self() *Call {
	return &Call{TID: unix.Gettid(), PID: os.Getpid()}
}

func TestWrite(t *testing.T) {
	d := New(Options{Snaplen: 4})
	defer d.Close()
	buf := []byte("hello world")
	c := self()
	c.Nr, c.Args = unix.SYS_WRITE, [6]uint64{1, ptr(buf), uint64(len(buf))}
	raw, err := d.Enter(1, c)
	if err != nil {
		t.Fatal(err)
	}
	typ, ps := params(t, raw)
	if typ != 8 || binary.LittleEndian.Uint64(ps[0]) != 1 || binary.LittleEndian.Uint32(ps[1]) != 11 {
		t.Errorf("enter: type %d params %v", typ, ps)
	}
	c.Ret = -int64(unix.EBADF)
	raw, err = d.Exit(2, c)
	if err != nil {
		t.Fatal(err)
	}
	_, ps = params(t, raw)
	// A failed write still records the buffer, cut to the snaplen.
	if int64(binary.LittleEndian.Uint64(ps[0])) != -9 || string(ps[1]) != "hell" {
		t.Errorf("exit params %q", ps)
	}
}

func TestReadFailedHasNoData(t *testing.T) {
	d := New(Options{})
	defer d.Close()
	buf := []byte("stale")
	c := self()
	c.Nr, c.Args, c.Ret = unix.SYS_READ, [6]uint64{3, ptr(buf), 5}, -int64(unix.EAGAIN)
	raw, err := d.Exit(1, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, ps := params(t, raw); len(ps[1]) != 0 {
		t.Errorf("data %q, want empty", ps[1])
	}
}

func TestOpenatPaths(t *testing.T) {
	d := New(Options{})
	defer d.Close()
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'a'
	}
	long = append(long, 0)
	for _, tc := range []struct {
		name     string
		path     uint64
		enter    string
		exitDrop bool
	}{
		{"plain", ptr(cstr("/etc/passwd")), "/etc/passwd", false},
		{"null", 0, "(NULL)", false},
		{"fault", 8, "(NULL)", true},
		{"long", ptr(long), string(long[:255]), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := self()
			c.Nr = unix.SYS_OPENAT
			c.Args = [6]uint64{uint64(0xffffff9c), tc.path, unix.O_RDONLY | unix.O_CLOEXEC, 0}
			raw, err := d.Enter(1, c)
			if err != nil {
				t.Fatal(err)
			}
			_, ps := params(t, raw)
			if int64(binary.LittleEndian.Uint64(ps[0])) != -100 {
				t.Errorf("dirfd %d", int64(binary.LittleEndian.Uint64(ps[0])))
			}
			if string(ps[1]) != tc.enter+"\x00" {
				t.Errorf("name %q, want %q", ps[1], tc.enter)
			}
			if binary.LittleEndian.Uint32(ps[2]) != 0x1001 {
				t.Errorf("flags %#x", binary.LittleEndian.Uint32(ps[2]))
			}
			c.Ret = -2
			_, err = d.Exit(2, c)
			if tc.exitDrop != (err == ErrDropped) {
				t.Errorf("exit error %v, want dropped=%v", err, tc.exitDrop)
			}
		})
	}
}

func TestFlags(t *testing.T) {
	for _, c := range []struct {
		name string
		got  uint32
		want uint32
	}{
		{"O_RDONLY|O_CLOEXEC", openFlags(unix.O_RDONLY | unix.O_CLOEXEC), 4097},
		{"O_DIRECTORY", openFlags(unix.O_DIRECTORY), 0x1 | 0x400 | 0x2000},
		{"O_DSYNC", openFlags(unix.O_DSYNC), 0x1 | 0x10 | 0x80},
		{"O_WRONLY|O_CREAT|O_TRUNC", openFlags(unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC), 262},
		{"mode without O_CREAT", openMode(unix.O_RDONLY, 0o644), 0},
		{"mode with O_DIRECTORY", openMode(unix.O_DIRECTORY, 0o644), 0o644},
		{"clone thread flags", cloneFlags(0x3d0f00), 41990659},
		{"futex wait private", uint32(futexOp(128)), 128},
		{"fcntl F_SETPIPE_SZ", uint32(fcntlCmd(1031)), 28},
		{"mmap private anon", mmapFlags(unix.MAP_PRIVATE | unix.MAP_ANONYMOUS), 10},
		{"ptrace PTRACE_SEIZE", uint32(ptraceRequest(0x4206)), 0x14},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
}

// TestFetchTableCoversSyscalls checks that every event the tracer may ask
// for has a row with the table's parameter count.
func TestFetchTableCoversSyscalls(t *testing.T) {
	for _, sc := range event.Syscalls() {
		for _, typ := range []event.Type{sc.Enter, sc.Exit} {
			if int(typ) >= len(fetchTable) || (fetchTable[typ] == nil && len(event.Info(typ).Params) > 0) {
				t.Errorf("%s: no fetch row for event %d", sc.Name, typ)
				continue
			}
			if len(fetchTable[typ]) != len(event.Info(typ).Params) {
				t.Errorf("%s: event %d has %d fetches for %d params", sc.Name, typ, len(fetchTable[typ]), len(event.Info(typ).Params))
			}
		}
	}
}

// TestEveryEventEncodes decodes every syscall with zeroed arguments (NULL
// pointers) and checks that what comes out is a well-formed event of the
// table's shape, or a documented drop.
func TestEveryEventEncodes(t *testing.T) {
	d := New(Options{})
	defer d.Close()
	for nr := 0; nr < numSyscalls; nr++ {
		c := self()
		c.Nr = nr
		for i, f := range []func(uint64, *Call) ([]byte, error){d.Enter, d.Exit} {
			raw, err := f(1, c)
			if err == ErrDropped {
				continue
			}
			if err != nil {
				t.Errorf("nr %d dir %d: %v", nr, i, err)
				continue
			}
			typ, ps := params(t, raw)
			et, xt, _ := syscallEvents(nr)
			desc := event.Info([]event.Type{et, xt}[i])
			if typ != desc.Wire {
				t.Errorf("nr %d: written as type %d, want %d", nr, typ, desc.Wire)
			}
			want := len(desc.Params)
			if desc.Extended() {
				// The generic prefix, then the extended params (or the
				// empty marker of an enter without params).
				want += event.WirePrefix + max(0, 1-len(desc.Params))*(1-i)
			}
			if len(ps) != want {
				t.Errorf("nr %d: %d params, want %d", nr, len(ps), want)
			}
		}
	}
}

// TestDecodeAllocs pins zero allocations for a write enter and exit.
func TestDecodeAllocs(t *testing.T) {
	d := New(Options{})
	defer d.Close()
	buf := []byte("some data to capture")
	c := self()
	c.Nr, c.Args = unix.SYS_WRITE, [6]uint64{1, ptr(buf), uint64(len(buf))}
	c.Ret = int64(len(buf))
	allocs := testing.AllocsPerRun(1000, func() {
		d.Enter(1, c)
		d.Exit(2, c)
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per write, want 0", allocs)
	}
}

func BenchmarkDecodeWrite(b *testing.B) {
	d := New(Options{})
	defer d.Close()
	buf := []byte("some data to capture, long enough to fill the snaplen of eighty bytes ..........")
	c := &Call{TID: unix.Gettid(), PID: os.Getpid(), Nr: unix.SYS_WRITE, Args: [6]uint64{1, ptr(buf), uint64(len(buf))}, Ret: int64(len(buf))}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d.Enter(1, c)
		d.Exit(2, c)
	}
}

func BenchmarkDecodeOpenat(b *testing.B) {
	d := New(Options{})
	defer d.Close()
	path := cstr("/etc/hostname")
	c := &Call{TID: unix.Gettid(), PID: os.Getpid(), Nr: unix.SYS_OPENAT, Args: [6]uint64{uint64(0xffffff9c), ptr(path), 0}, Ret: 0}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d.Enter(1, c)
		d.Exit(2, c)
	}
}

// TestForkDoesNotShareBuffers: a new thread starts from a copy of its
// creator's call; the two must not write into one path buffer.
func TestForkDoesNotShareBuffers(t *testing.T) {
	d := New(Options{})
	defer d.Close()
	long, short := cstr("/lib/x86_64-linux-gnu/libc.so.6"), cstr("/etc/hosts")
	parent := self()
	parent.Nr, parent.Args = unix.SYS_OPENAT, [6]uint64{uint64(0xffffff9c), ptr(long), 0}
	if _, err := d.Enter(1, parent); err != nil {
		t.Fatal(err)
	}
	child := parent.Fork()
	child.Args[1] = ptr(short)
	if _, err := d.Enter(2, &child); err != nil {
		t.Fatal(err)
	}
	parent.Ret = -2
	raw, err := d.Exit(3, parent)
	if err != nil {
		t.Fatal(err)
	}
	if _, ps := params(t, raw); string(ps[2]) != "/lib/x86_64-linux-gnu/libc.so.6\x00" {
		t.Errorf("parent's exit path %q", ps[2])
	}
}
