package inspect

import (
	"math/rand/v2"
	"testing"
)

// TestIDTable checks the table against a Go map through random puts and
// deletes over key ranges that make long probe runs and wrap around.
func TestIDTable(t *testing.T) {
	for _, keyRange := range []int64{16, 1000, 1 << 40} {
		r := rand.New(rand.NewPCG(1, uint64(keyRange)))
		var m idTable[int64]
		ref := map[int64]*int64{}
		for step := range 20000 {
			k := r.Int64N(keyRange) - keyRange/4
			switch r.IntN(3) {
			case 0, 1:
				v := new(int64)
				*v = int64(step)
				m.put(k, v)
				ref[k] = v
			case 2:
				m.del(k)
				delete(ref, k)
			}
			if m.len() != len(ref) {
				t.Fatalf("range %d step %d: len %d, want %d", keyRange, step, m.len(), len(ref))
			}
			if step%97 == 0 {
				for k, v := range ref {
					if got := m.get(k); got != v {
						t.Fatalf("range %d step %d: get(%d) = %p, want %p", keyRange, step, k, got, v)
					}
				}
				n := 0
				for v := range m.all {
					n++
					_ = v
				}
				if n != len(ref) {
					t.Fatalf("range %d step %d: all yields %d, want %d", keyRange, step, n, len(ref))
				}
			}
			if got, want := m.get(k), ref[k]; got != want {
				t.Fatalf("range %d step %d: get(%d) = %p, want %p", keyRange, step, k, got, want)
			}
		}
	}
}
