package inspect

import (
	"sort"

	"xtrace/scap"
)

// Reset drops all state and loads it again from a section header.
//
// TODO(inspect): load PL/FDL/UL/IL as sinsp does.
func (in *Inspector) Reset(h *scap.Header) {
	in.threads = map[int64]*Thread{}
	in.users = map[uint32]*scap.User{}
	in.groups = map[uint32]*scap.Group{}
	if h == nil {
		return
	}
	in.Machine = h.Machine
	in.Interfaces = h.Interfaces
}

// Process updates the state with one event and returns its context.
//
// TODO(inspect): run sinsp's parsers.
func (in *Inspector) Process(sev *scap.Event) *Event {
	in.numEvt++
	e := &in.ev
	*e = Event{Event: sev, Num: in.numEvt, Info: sev.Desc(), in: in, FDNum: -1}
	e.Thread = in.threads[sev.TID]
	return e
}

// Sorted returns the fds in ascending order.
func (ft *FDTable) Sorted() []*FD {
	out := make([]*FD, 0, len(ft.fds))
	for _, fd := range ft.fds {
		out = append(out, fd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Num < out[j].Num })
	return out
}
