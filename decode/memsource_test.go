package decode

import (
	"testing"

	"golang.org/x/sys/unix"
)

// fakeMem is a MemSource holding a few ranges of a process that is not
// this one (addresses nothing maps here).
type fakeMem map[uint64][]byte

func (f fakeMem) Read(addr uint64, dst []byte) (int, error) {
	for base, b := range f {
		if addr >= base && addr < base+uint64(len(b)) {
			return copy(dst, b[addr-base:]), nil
		}
	}
	return 0, errFault
}

// TestMemSource: with Call.Mem set, paths, buffers and gathered iovec
// data come from the source, not from process_vm_readv.
func TestMemSource(t *testing.T) {
	d := New(Options{Snaplen: 80})
	defer d.Close()
	const pathAt, bufAt, iovAt = 0x10000000, 0x20000000, 0x30000000
	iov := make([]byte, 32)
	le := func(b []byte, v uint64) {
		for i := range 8 {
			b[i] = byte(v >> (8 * i))
		}
	}
	le(iov[0:], bufAt)
	le(iov[8:], 3)
	le(iov[16:], bufAt+6)
	le(iov[24:], 5)
	mem := fakeMem{pathAt: []byte("/from/the/agent\x00"), bufAt: []byte("abc---world"), iovAt: iov}

	c := self()
	c.Mem = mem
	c.Nr, c.Args, c.Ret = unix.SYS_OPENAT, [6]uint64{uint64(0xffffff9c), pathAt, 0}, -2
	raw, err := d.Exit(1, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, ps := params(t, raw); string(ps[2]) != "/from/the/agent\x00" {
		t.Errorf("openat name %q", ps[2])
	}

	c.Nr, c.Args, c.Ret = unix.SYS_WRITEV, [6]uint64{1, iovAt, 2}, 8
	raw, err = d.Exit(2, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, ps := params(t, raw); len(ps) < 2 || string(ps[1]) != "abcworld" {
		t.Errorf("writev data %q", ps)
	}

	// Memory the source does not hold drops the event, as a fault in
	// the process does.
	c.Nr, c.Args, c.Ret = unix.SYS_WRITE, [6]uint64{1, 0x40000000, 4}, 4
	if _, err := d.Exit(3, c); err != ErrDropped {
		t.Errorf("write from memory the source lacks: %v, want ErrDropped", err)
	}
}
