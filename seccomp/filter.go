package seccomp

import (
	"xtrace/event"
	"xtrace/filter"
)

// ForFilter returns the syscalls whose events a capture filter can match,
// so that the others cost no stop at all. A top-level conjunct
// "evt.type=NAME" or "evt.type in (...)" limits the set to the syscalls
// whose events carry those names, "evt.failed=true" to the syscalls
// whose exit carries a result (see failing); or joins them and and
// intersects them. Anything else (nil included) keeps [All]. The tracer
// adds [Required] whatever this returns, and thread exits and signal
// deliveries are recorded regardless, so a narrowed capture replays with
// the same processes and fds.
func ForFilter(n filter.Node) Set {
	if set, ok := syscallsOf(n); ok {
		return set
	}
	return All()
}

// syscallsOf returns the syscalls n can match and whether n restricts
// them at all.
func syscallsOf(n filter.Node) (Set, bool) {
	switch n := n.(type) {
	case *filter.BinaryExpr:
		x, xok := syscallsOf(n.X)
		y, yok := syscallsOf(n.Y)
		switch {
		case n.Op == filter.And && xok && yok:
			for i := range x {
				x[i] &= y[i]
			}
			return x, true
		case n.Op == filter.And && xok:
			return x, true
		case n.Op == filter.And && yok:
			return y, true
		case n.Op == filter.Or && xok && yok:
			x.Union(&y)
			return x, true
		}
	case *filter.Check:
		if n.Field == "evt.failed" && n.Op == filter.OpEq && len(n.Values) == 1 &&
			(n.Values[0].Text == "true" || n.Values[0].Text == "1") {
			return failing(), true
		}
		if n.Field != "evt.type" || (n.Op != filter.OpEq && n.Op != filter.OpIn) {
			break
		}
		var set Set
		for _, v := range n.Values {
			for _, sc := range event.Syscalls() {
				// The event name, and for a generic syscall also the
				// name sysdig gives it (its PPM_SC name).
				enter, _ := sc.Events()
				if event.Info(enter).Name == v.Text || (sc.Generic() && event.SCName(sc.SC) == v.Text) {
					set.Add(sc.Nr)
				}
			}
		}
		return set, true
	}
	return Set{}, false
}

// failing returns the syscalls whose events evt.failed=true can match:
// evt.failed is true for an event whose result parameter
// (event.Desc.Result) is negative. Every syscall that
// sysdig records as generic has such a result in xtrace's extended exit
// event.
func failing() Set {
	var set Set
	for _, sc := range event.Syscalls() {
		enter, exit := sc.Events()
		if event.Info(exit).Has(event.FactNeverFails) {
			continue // brk returns the old break on failure
		}
		for _, t := range []event.Type{enter, exit} {
			if d := event.Info(t); d != nil && d.Result() >= 0 {
				set.Add(sc.Nr)
			}
		}
	}
	return set
}
