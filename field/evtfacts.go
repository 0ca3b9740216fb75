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

// typeSet returns a table marking the event types with the given symbols.
func typeSet(symbols ...string) *typeTable {
	set := new(typeTable)
	for t := event.Type(0); t < event.NumTypes; t++ {
		d := event.Info(t)
		if d == nil {
			continue
		}
		for _, s := range symbols {
			if d.Symbol == s {
				set[t] = true
			}
		}
	}
	return set
}

// openLike are the events whose flags/mode parameters evt.is_open_* read.
var openLike = typeSet("SYSCALL_OPEN_X", "SYSCALL_OPENAT_E", "SYSCALL_OPENAT_2_X", "SYSCALL_OPENAT2_X")

// creatExit is creat's exit event (evt.is_open_exec reads its mode).
var creatExit = typeSet("SYSCALL_CREAT_X")

// nameFromParam1 are the exit events whose second parameter names the fd
// they create, which fd.name shows when the fd is not in the table (a
// failed open, accept or connect).
var nameFromParam1 = typeSet("SYSCALL_OPEN_X", "SOCKET_ACCEPT_X", "SOCKET_ACCEPT_5_X",
	"SOCKET_ACCEPT4_X", "SOCKET_ACCEPT4_5_X", "SYSCALL_CREAT_X", "SOCKET_CONNECT_X")

// nameFromDirfd are the openat exits whose fd name is built from their
// dirfd and name parameters.
var nameFromDirfd = typeSet("SYSCALL_OPENAT_X", "SYSCALL_OPENAT_2_X", "SYSCALL_OPENAT2_X")

// openEnter are the enter events of file-creating calls (fd.filename of
// an event without fd only has a value for these).
var openEnter = typeSet("SYSCALL_OPEN_E", "SYSCALL_OPENAT_E", "SYSCALL_OPENAT_2_E",
	"SYSCALL_OPENAT2_E", "SYSCALL_CREAT_E")

// connectExit is connect's exit event: a failed connect has no fd name.
var connectExit = typeSet("SOCKET_CONNECT_X")

// creatorTypeChars is fd.typechar for an event whose fd is not in the
// table, by the enter type of the call: the kind of fd the call creates,
// 'o' for the rest.
func creatorTypeChar(t event.Type) byte {
	if t >= event.NumTypes {
		return 'o'
	}
	return creatorTypeChars[t]
}

var creatorTypeChars = func() [event.NumTypes]byte {
	var out [event.NumTypes]byte
	kinds := map[string]byte{
		"SYSCALL_OPEN_E": 'f', "SYSCALL_OPENAT_E": 'f', "SYSCALL_OPENAT_2_E": 'f',
		"SYSCALL_OPENAT2_E": 'f', "SYSCALL_CREAT_E": 'f',
		// sysdig says IPv4 for every new socket, even IPv6 and unix ones.
		"SOCKET_SOCKET_E": '4', "SOCKET_ACCEPT_E": '4', "SOCKET_ACCEPT_5_E": '4',
		"SOCKET_ACCEPT4_E": '4', "SOCKET_ACCEPT4_5_E": '4',
		"SYSCALL_PIPE_E": 'p', "SYSCALL_EVENTFD_E": 'e', "SYSCALL_SIGNALFD_E": 's',
		"SYSCALL_TIMERFD_CREATE_E": 't', "SYSCALL_INOTIFY_INIT_E": 'i',
	}
	for t := event.Type(0); t < event.NumTypes; t++ {
		out[t] = 'o'
		enter := event.Info(t &^ 1)
		if enter == nil {
			continue
		}
		if c, ok := kinds[enter.Symbol]; ok {
			out[t] = c
		}
	}
	return out
}()

// creatorClass classifies an event without fd for evt.count.error.*:
// 'f' for file-creating exits, 'n' for accept and connect exits, 'o' else.
func creatorClass(e *inspect.Event) byte {
	switch {
	case nameFromDirfd.has(e.Type) || e.Type == openExit || creatExit.has(e.Type):
		return 'f'
	case nameFromParam1.has(e.Type):
		return 'n'
	}
	return 'o'
}

// openExit is open's exit event type.
var openExit = func() event.Type {
	for t := event.Type(0); t < event.NumTypes; t++ {
		if d := event.Info(t); d != nil && d.Symbol == "SYSCALL_OPEN_X" {
			return t
		}
	}
	return event.NumTypes
}()

func float64frombits(u uint64) float64 { return math.Float64frombits(u) }
