package ring

import (
	"sort"
	"time"
)

// rdtsc reads the time-stamp counter, as the agent does for every record
// (tsc_amd64.s).
func rdtsc() uint64

// clockPairs is how many calibration pairs a Clock keeps: one per drain,
// several seconds' worth.
const clockPairs = 512

// pair is one calibration point: the TSC and the wall clock read
// together.
type pair struct{ tsc, ns uint64 }

// Clock turns the agent's TSC stamps into wall-clock nanoseconds. It
// takes a calibration pair at every drain, after the heads of the rings
// were read, so every record drained is older than the newest pair, and
// converts by linear interpolation between the two pairs around a stamp:
// exact at the pairs, monotonic everywhere (a thread's records keep their
// order), following the wall clock's rate between drains.
type Clock struct {
	pairs []pair // ascending
}

// Mark takes a calibration pair.
func (c *Clock) Mark() {
	p := pair{tsc: rdtsc(), ns: uint64(time.Now().UnixNano())}
	if n := len(c.pairs); n > 0 && (p.tsc <= c.pairs[n-1].tsc || p.ns <= c.pairs[n-1].ns) {
		return // no progress since the last pair (or a clock step back)
	}
	if len(c.pairs) == clockPairs {
		copy(c.pairs, c.pairs[clockPairs/2:])
		c.pairs = c.pairs[:clockPairs/2]
	}
	c.pairs = append(c.pairs, p)
}

// Nanos converts a TSC stamp.
func (c *Clock) Nanos(tsc uint64) uint64 {
	n := len(c.pairs)
	if n == 0 {
		return 0
	}
	if n == 1 {
		return c.pairs[0].ns
	}
	i := sort.Search(n, func(i int) bool { return c.pairs[i].tsc >= tsc })
	switch {
	case i == 0:
		i = 1 // before the first pair: the first span's rate
	case i == n:
		i = n - 1 // after the last: the last span's rate
	}
	a, b := c.pairs[i-1], c.pairs[i]
	d := float64(int64(tsc-a.tsc)) * float64(b.ns-a.ns) / float64(b.tsc-a.tsc)
	return uint64(int64(a.ns) + int64(d))
}
