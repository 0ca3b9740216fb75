package ring

import (
	"encoding/binary"
	"testing"
)

func ev(ts uint64, n int) []byte {
	raw := make([]byte, 26+n)
	binary.LittleEndian.PutUint64(raw, ts)
	binary.LittleEndian.PutUint32(raw[16:], uint32(len(raw)))
	return raw
}

func tsOf(raw []byte) uint64 { return binary.LittleEndian.Uint64(raw) }

func TestRing(t *testing.T) {
	var evicted []uint64
	r := New(3*(entryHdr+26+10), func(cpu uint16, flags uint32, raw []byte) { evicted = append(evicted, tsOf(raw)) })
	for i := uint64(1); i <= 10; i++ {
		r.Push(uint16(i), uint32(i)<<16, ev(i, 10))
	}
	if n, b := r.Len(); n != 3 || b != 3*(entryHdr+36) {
		t.Fatalf("Len = %d events, %d bytes", n, b)
	}
	var held []uint64
	r.Each(func(cpu uint16, flags uint32, raw []byte) error {
		if uint64(cpu) != tsOf(raw) || uint64(flags>>16) != tsOf(raw) {
			t.Errorf("event %d: cpu %d flags %#x", tsOf(raw), cpu, flags)
		}
		held = append(held, tsOf(raw))
		return nil
	})
	if len(held) != 3 || held[0] != 8 || held[2] != 10 {
		t.Errorf("held %v, want 8 9 10", held)
	}
	if len(evicted) != 7 || evicted[0] != 1 || evicted[6] != 7 {
		t.Errorf("evicted %v, want 1..7 in order", evicted)
	}
	if cap(r.buf) > 2*r.size+64 {
		t.Errorf("buffer grew to %d for a ring of %d", cap(r.buf), r.size)
	}
	// A bigger event pushes out two.
	r.Push(0, 0, ev(11, 30))
	if n, _ := r.Len(); n != 2 {
		t.Errorf("after a big event: %d held", n)
	}
	// One larger than the ring goes straight to evict.
	r.Push(0, 0, ev(12, 1000))
	if evicted[len(evicted)-1] != 12 {
		t.Errorf("oversized event not evicted: %v", evicted)
	}
	r.Drain()
	if n, b := r.Len(); n != 0 || b != 0 {
		t.Errorf("after Drain: %d, %d", n, b)
	}
}

func BenchmarkPush(b *testing.B) {
	r := New(1<<20, func(uint16, uint32, []byte) {})
	raw := ev(1, 100)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		r.Push(0, 0, raw)
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  bool
	}{
		{"64M", 64 << 20, false}, {"512k", 512 << 10, false}, {"1G", 1 << 30, false}, {"4096", 4096, false},
		{"10MB", 10 << 20, false}, {"0", 0, true}, {"x", 0, true}, {"-5M", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v", tt.in, got, err)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"64M", "1k", "12", "1G", "9999999999G", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if (err == nil) != (n > 0) || n > 1<<40 {
			t.Fatalf("ParseSize(%q) = %d, %v", s, n, err)
		}
	})
}
