package ring

import (
	"testing"
	"time"
)

func TestClockNanos(t *testing.T) {
	c := Clock{pairs: []pair{{1000, 5000}, {2000, 6000}, {4000, 6500}}}
	tests := []struct {
		tsc, want uint64
	}{
		{1000, 5000}, // at a pair: exact
		{1500, 5500}, // first span: 1 ns per tick
		{2000, 6000},
		{3000, 6250}, // second span: 0.25 ns per tick
		{4000, 6500},
		{5000, 6750}, // after the last pair: the last span's rate
		{500, 4500},  // before the first: the first span's rate
	}
	for _, tt := range tests {
		if got := c.Nanos(tt.tsc); got != tt.want {
			t.Errorf("Nanos(%d) = %d, want %d", tt.tsc, got, tt.want)
		}
	}
}

// TestClockMonotonic marks the clock while stamps are taken and checks
// that converted stamps never go back and stay near the wall clock.
func TestClockMonotonic(t *testing.T) {
	var c Clock
	c.Mark()
	start := uint64(time.Now().UnixNano())
	var stamps []uint64
	for i := 0; i < 2000; i++ {
		stamps = append(stamps, rdtsc())
		if i%100 == 0 {
			time.Sleep(100 * time.Microsecond)
			c.Mark()
		}
	}
	c.Mark()
	end := uint64(time.Now().UnixNano())
	prev := uint64(0)
	for i, s := range stamps {
		ns := c.Nanos(s)
		if ns < prev {
			t.Fatalf("stamp %d: %d ns after %d ns", i, ns, prev)
		}
		if ns+uint64(time.Millisecond) < start || ns > end+uint64(time.Millisecond) {
			t.Fatalf("stamp %d: %d ns outside the run [%d, %d]", i, ns, start, end)
		}
		prev = ns
	}
}
