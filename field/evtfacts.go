package field

import (
	"math"

	"xtrace/event"
	"xtrace/inspect"
)

// Per-event-type facts a few fields need, as tables indexed by event type
// and built from the event table's symbols (sinsp names these event types
// in filterchecks.cpp).

// typeTable marks event types.
type typeTable [event.NumTypes]bool

// has reports whether t is marked (false for types beyond the table).
func (s *typeTable) has(t event.Type) bool { return t < event.NumTypes && s[t] }

// factSet returns a table marking the event types with fact f in the
// event table (event/tables/event_facts.tsv).
func factSet(f event.Fact) *typeTable {
	set := new(typeTable)
	for t := event.Type(0); t < event.NumTypes; t++ {
		set[t] = event.Info(t).Has(f)
	}
	return set
}

// openLike are the events whose flags/mode parameters evt.is_open_* read.
var openLike = factSet(event.FactOpenLike)

// creatExit is creat's exit event (evt.is_open_exec reads its mode).
var creatExit = factSet(event.FactCreatExit)

// nameFromParam1 are the exit events whose second parameter names the fd
// they create, which fd.name shows when the fd is not in the table (a
// failed open, accept or connect).
var nameFromParam1 = factSet(event.FactNameFromParam1)

// nameFromDirfd are the openat exits whose fd name is built from their
// dirfd and name parameters.
var nameFromDirfd = factSet(event.FactNameFromDirfd)

// openEnter are the enter events of file-creating calls (fd.filename of
// an event without fd only has a value for these).
var openEnter = factSet(event.FactOpenEnter)

// connectExit is connect's exit event: a failed connect has no fd name.
var connectExit = factSet(event.FactConnectExit)

// openExit is open's exit event.
var openExit = factSet(event.FactOpenExit)

// creatorTypeChar is fd.typechar for an event whose fd is not in the
// table, by the enter type of the call: the kind of fd the call creates
// (the FDKind of the event table; sysdig says IPv4 for every new socket,
// even IPv6 and unix ones), 'o' for the rest.
func creatorTypeChar(t event.Type) byte {
	if t >= event.NumTypes {
		return 'o'
	}
	if c := event.Info(t &^ 1).FDKind; c != 0 {
		return c
	}
	return 'o'
}

// creatorClass classifies an event without fd for evt.count.error.*:
// 'f' for file-creating exits, 'n' for accept and connect exits, 'o' else.
func creatorClass(e *inspect.Event) byte {
	switch {
	case nameFromDirfd.has(e.Type) || openExit.has(e.Type) || creatExit.has(e.Type):
		return 'f'
	case nameFromParam1.has(e.Type):
		return 'n'
	}
	return 'o'
}

func float64frombits(u uint64) float64 { return math.Float64frombits(u) }
