package chisel

import (
	"xtrace/field"
	"xtrace/inspect"
)

// This file holds what the thread table needs from the state engine.
//
// TODO(chisel): use the state engine's thread iteration once it has one.

// eachThread calls f for every thread in the state table.
func eachThread(in *inspect.Inspector, f func(*inspect.Thread)) {}

// threadFDs returns the fds of t's process, by number.
func threadFDs(t *inspect.Thread) []*inspect.FD { return nil }

func threadChildren(t *inspect.Thread) uint64 { return 0 }

func threadEnv(t *inspect.Thread) []string { return nil }

// compileThreadFilter compiles a thread-table filter: only fields that
// have a value without an event are allowed (sysdig's ttable_only mode).
func compileThreadFilter(expr string, o *field.Options) (func(*inspect.Event) bool, error) {
	return compileFilter(expr, o)
}

// threadProbe is the event sysdig runs a thread-table filter against.
type threadProbe struct{}

func newThreadProbe(in *inspect.Inspector, ts uint64) *threadProbe { return &threadProbe{} }

// event returns the probe for thread t and its fd.
func (p *threadProbe) event(t *inspect.Thread, fd *inspect.FD) *inspect.Event { return nil }
