package agent

import (
	"errors"
	"testing"

	"xtrace/agent/ring"
)

func TestMemoryRead(t *testing.T) {
	var m Memory
	m.Set([]ring.Chunk{
		{Addr: 0x1000, Data: []byte("/etc/passwd\x00")},
		{Addr: 0x2000, Data: []byte("abc"), Fault: true},
	})
	tests := []struct {
		addr uint64
		n    int
		want string
		err  error
	}{
		{0x1000, 64, "/etc/passwd\x00", nil}, // a string: up to its NUL
		{0x1005, 3, "pas", nil},              // inside a chunk
		{0x2000, 8, "abc", nil},              // a copy cut short: fewer bytes
		{0x2003, 1, "", ErrNotCopied},        // just past it
		{0x3000, 4, "", ErrNotCopied},        // never copied
		{0x3000, 0, "", nil},                 // nothing asked
	}
	for _, tt := range tests {
		dst := make([]byte, tt.n)
		n, err := m.Read(tt.addr, dst)
		if string(dst[:n]) != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("Read(%#x, %d) = %q, %v; want %q, %v", tt.addr, tt.n, dst[:n], err, tt.want, tt.err)
		}
	}
}

// TestMemoryFacts answers the decoder's fact questions from a record's
// facts: a descriptor fstat could not read has its fact (0), one the
// record does not cover has none, and Set drops the facts.
func TestMemoryFacts(t *testing.T) {
	rec := ring.Record{Facts: ring.Facts{
		Fds:   []ring.FdFact{{Fd: 3, OK: true, Dev: 0x803, Ino: 42}, {Fd: 4}},
		VM:    ring.VMFact{Size: 10240, RSS: 2048, Swap: 8},
		HasVM: true,
	}}
	var m Memory
	m.SetRecord(&rec)
	tests := []struct {
		fd       int
		dev, ino uint64
		ok       bool
	}{
		{3, 0x803, 42, true},
		{4, 0, 0, true},
		{5, 0, 0, false},
	}
	for _, tt := range tests {
		dev, ok1 := m.FdDev(tt.fd)
		ino, ok2 := m.FdIno(tt.fd)
		if dev != tt.dev || ino != tt.ino || ok1 != tt.ok || ok2 != tt.ok {
			t.Errorf("fd %d: dev %#x %v, ino %d %v; want %#x, %d, %v", tt.fd, dev, ok1, ino, ok2, tt.dev, tt.ino, tt.ok)
		}
	}
	if size, rss, swap, ok := m.VM(); size != 10240 || rss != 2048 || swap != 8 || !ok {
		t.Errorf("VM() = %d, %d, %d, %v", size, rss, swap, ok)
	}
	m.Set(nil)
	if _, ok := m.FdDev(3); ok {
		t.Error("Set kept the facts of the record before")
	}
	if _, _, _, ok := m.VM(); ok {
		t.Error("Set kept the vm facts of the record before")
	}
}

func TestCalls(t *testing.T) {
	var cs Calls
	args := [6]uint64{3, 0x1000, 11}
	steps := []struct {
		rec  ring.Record
		args [6]uint64
		ret  int64
	}{
		{ring.Record{Kind: ring.KindEnter, Tid: 7, Pid: 5, NR: 1, Args: args}, args, 0},
		{ring.Record{Kind: ring.KindEnter, Tid: 8, Pid: 5, NR: 110}, [6]uint64{}, 0},
		{ring.Record{Kind: ring.KindExit, Tid: 7, Pid: 5, NR: 1, Ret: 11}, args, 11},
		{ring.Record{Kind: ring.KindExit, Tid: 8, Pid: 5, NR: 110, Ret: 1}, [6]uint64{}, 1},
	}
	for i, s := range steps {
		c := cs.Call(&s.rec)
		if c.TID != int(s.rec.Tid) || c.PID != 5 || c.Nr != int(s.rec.NR) || c.Args != s.args || c.Ret != s.ret {
			t.Errorf("step %d: %+v, want args %v ret %d", i, c, s.args, s.ret)
		}
	}
}
