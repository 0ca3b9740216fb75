package chisel

import (
	"fmt"

	"xtrace/field"
	"xtrace/filter"
	"xtrace/inspect"
	"xtrace/scap"
)

// This file holds what the thread table needs from the state engine and
// the filter language.

// eachThread calls f for every thread in the state table, by tid.
func eachThread(in *inspect.Inspector, f func(*inspect.Thread)) {
	in.Threads(func(t *inspect.Thread) bool {
		f(t)
		return true
	})
}

// threadFDs returns the fds of t's process, by number.
func threadFDs(t *inspect.Thread) []*inspect.FD {
	if t.FDs() == nil {
		return nil
	}
	return t.FDs().Sorted()
}

func threadChildren(t *inspect.Thread) uint64 { return t.NumChildren() }

func threadEnv(t *inspect.Thread) []string { return t.Environ() }

// threadTableClasses are the field classes sysdig allows in a thread-table
// filter (the filter checks flagged FL_WORKS_ON_THREAD_TABLE).
var threadTableClasses = map[string]bool{
	"fd": true, "process": true, "user": true, "group": true,
	"container": true, "fdlist": true, "k8s": true, "mesos": true,
}

// threadTableTimeFields are the evt.* fields sysdig allows anyway.
var threadTableTimeFields = map[string]bool{
	"evt.rawtime": true, "evt.rawtime.s": true, "evt.rawtime.ns": true,
	"evt.time": true, "evt.time.s": true, "evt.datetime": true, "evt.reltime": true,
}

// compileThreadFilter compiles a thread-table filter (sysdig's ttable_only
// mode): a field of another class is an error at the end of its name.
func compileThreadFilter(expr string, o *field.Options) (func(*inspect.Event) bool, error) {
	n, err := filter.Parse(expr)
	if err != nil {
		return nil, err
	}
	bad := -1
	var walk func(filter.Node)
	walk = func(n filter.Node) {
		switch n := n.(type) {
		case *filter.BinaryExpr:
			walk(n.X)
			walk(n.Y)
		case *filter.NotExpr:
			walk(n.X)
		case *filter.Check:
			f, err := field.Lookup(n.Field, o)
			if err != nil || threadTableClasses[f.Def().Class] || threadTableTimeFields[n.Field] {
				return
			}
			if end := n.FieldPos + len(n.Field); bad < 0 || end < bad {
				bad = end
			}
		}
	}
	walk(n)
	if bad >= 0 {
		return nil, fmt.Errorf("filter error at position %d: the given filter is not supported for thread table filtering", bad)
	}
	return compileFilter(expr, o)
}

// threadProbe runs thread-table filters against the event sysdig builds
// for them: a read exit at the time of the last event, on the thread and
// fd being tested.
type threadProbe struct {
	in  *inspect.Inspector
	ts  uint64
	sev scap.Event
	ev  inspect.Event
}

func newThreadProbe(in *inspect.Inspector, ts uint64) *threadProbe {
	return &threadProbe{in: in, ts: ts}
}

// match reports whether fd of thread t passes match.
func (p *threadProbe) match(t *inspect.Thread, fd *inspect.FD, match func(*inspect.Event) bool) bool {
	return p.in.ProbeFD(&p.ev, &p.sev, t, fd, p.ts, match)
}
