package inject

import (
	"xtrace/inspect"
	"xtrace/scap"
)

// Injector matches rules against the syscalls a recording sees. It is used
// from the tracer thread only.
type Injector struct {
	rules []*Rule
	in    *inspect.Inspector
	ev    scap.Event
}

// New returns an Injector for rules; [Injector.Start] must give it the
// capture header before the first event.
func New(rules []*Rule) *Injector { return &Injector{rules: rules} }

// Rules returns the rules.
func (j *Injector) Rules() []*Rule { return j.rules }

// Start sets the state the recording starts from: the processes and fds
// of the capture header.
func (j *Injector) Start(h *scap.Header) { j.in = inspect.New(h) }

// process runs one event through the state engine.
func (j *Injector) process(cpu uint16, raw []byte) *inspect.Event {
	if j.in == nil {
		j.in = inspect.New(&scap.Header{})
	}
	if j.ev.LoadPromoted(cpu, 0, raw) != nil {
		return nil
	}
	return j.in.Process(&j.ev)
}

// Observe updates the state with an event the tracer wrote (anything but
// a syscall's enter event, which goes to Enter).
func (j *Injector) Observe(cpu uint16, raw []byte) { j.process(cpu, raw) }

// Enter updates the state with a syscall's enter event and returns what
// the first rule that matches it and fires asks for (the zero Fault when
// none does).
func (j *Injector) Enter(cpu uint16, raw []byte) Fault {
	ev := j.process(cpu, raw)
	if ev == nil {
		return Fault{}
	}
	for _, r := range j.rules {
		if r.match(ev) && r.fires() {
			return r.fault()
		}
	}
	return Fault{}
}
