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
