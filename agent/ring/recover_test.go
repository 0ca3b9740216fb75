package ring

import (
	"encoding/binary"
	"sync/atomic"
	"testing"
	"time"
)

// exitRecord is a bare exit record.
func exitRecord() []byte {
	b := make([]byte, ExitBytes)
	binary.LittleEndian.PutUint32(b[recLen:], uint32(len(b)))
	binary.LittleEndian.PutUint16(b[recKind:], KindExit)
	return b
}

// TestDrainSkipsCorrupt: bytes that are no record (the program scribbled
// on its ring) are skipped, so that a producer waiting for room is let
// go; the records before them are read.
func TestDrainSkipsCorrupt(t *testing.T) {
	garbage := make([]byte, 64)
	for i := range garbage {
		garbage[i] = 0xff
	}
	r := ringWith(t, append(exitRecord(), garbage...))
	c := ringOff(0)
	atomic.StoreUint32(u32p(r.mem, c+ringWaiting), 1)
	n := r.Drain(func(*Record) {})
	if n != 1 {
		t.Errorf("Drain read %d records, want 1", n)
	}
	if tail, head := atomic.LoadUint64(u64p(r.mem, c+ringTail)), atomic.LoadUint64(u64p(r.mem, c+ringHead)); tail != head {
		t.Errorf("tail %d, head %d: the producer would wait for ever", tail, head)
	}
	if r.Stats().Corrupt != 1 {
		t.Errorf("Stats().Corrupt = %d, want 1", r.Stats().Corrupt)
	}
}

// TestDrainFindsStrays: a ring whose producer waits although its active
// bit is clear is read again (an agent bug would otherwise leave the
// thread waiting for ever), and counted.
func TestDrainFindsStrays(t *testing.T) {
	r := ringWith(t, exitRecord())
	atomic.AndUint64(u64p(r.mem, hdrActive), ^uint64(1))
	atomic.StoreUint32(u32p(r.mem, ringOff(0)+ringWaiting), 1)
	r.strayed = time.Time{}
	if n := r.Drain(func(*Record) {}); n != 1 {
		t.Errorf("Drain read %d records of the stray ring, want 1", n)
	}
	if r.Stats().Strays != 1 {
		t.Errorf("Stats().Strays = %d, want 1", r.Stats().Strays)
	}
	// A ring in use is no stray; neither is one nobody waits on.
	if n := r.Drain(func(*Record) {}); n != 0 || r.Stats().Strays != 1 {
		t.Errorf("a second Drain: %d records, %d strays", n, r.Stats().Strays)
	}
}
