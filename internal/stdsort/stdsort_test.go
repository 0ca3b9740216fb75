package stdsort

import (
	"math/rand"
	"sort"
	"testing"
)

func TestSortsCorrectly(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, n := range []int{0, 1, 2, 3, 15, 16, 17, 33, 100, 1000, 5000} {
		for _, spread := range []int{2, 10, 1 << 30} {
			s := make([]int, n)
			for i := range s {
				s[i] = r.Intn(spread)
			}
			Sort(s, func(a, b int) bool { return a < b })
			if !sort.IntsAreSorted(s) {
				t.Fatalf("n=%d spread=%d: not sorted", n, spread)
			}
		}
	}
}

func TestHeapFallbackSorts(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	s := make([]int, 500)
	for i := range s {
		s[i] = r.Intn(1000)
	}
	heapSort(s, func(a, b int) bool { return a < b })
	if !sort.IntsAreSorted(s) {
		t.Fatal("heapSort did not sort")
	}
}
