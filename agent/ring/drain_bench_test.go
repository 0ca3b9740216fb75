package ring

import "testing"

// BenchmarkDrainIdle is a Drain that finds nothing to read: what a
// synchronous record's round trip pays on xtrace's side besides the
// callback, and what an idle consumer pays per wake-up.
func BenchmarkDrainIdle(b *testing.B) {
	r, err := Create(80)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for range b.N {
		r.Drain(func(*Record) {})
	}
}
