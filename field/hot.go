package field

import (
	"xtrace/event"
	"xtrace/inspect"
)

// Direct getters. Filters compare a few fields far more often than the
// others; these functions give their values straight from the event,
// without a Field handle's Value, so that a compiled comparison can call
// them directly. Each one is the single definition of its field: the
// table's getter is written with it, so Extract and the direct getter
// cannot disagree.

// Hot names the fields that have a direct getter.
type Hot uint8

// The fields with direct getters. HotNone is every other field.
const (
	HotNone Hot = iota
	HotEvtFailed
	HotEvtType
	HotEvtDir
	HotEvtRawres
	HotProcName
	HotProcPID
	HotFdName
	HotFdType
)

// hotByName maps the hot fields' names (none takes an argument).
var hotByName = map[string]Hot{
	"evt.failed": HotEvtFailed,
	"evt.type":   HotEvtType,
	"evt.dir":    HotEvtDir,
	"evt.rawres": HotEvtRawres,
	"proc.name":  HotProcName,
	"proc.pid":   HotProcPID,
	"fd.name":    HotFdName,
	"fd.type":    HotFdType,
}

// Hot reports which direct getter gives the field's values, HotNone when
// it has none.
func (f *Field) Hot() Hot {
	if f.def.Arg != ArgNone {
		return HotNone
	}
	return hotByName[f.def.Name]
}

// EvtFailed is evt.failed: whether the event's return value (see
// [EvtRawres]) is negative. It always has a value.
func EvtFailed(e *inspect.Event) bool {
	if e.Type >= event.NumTypes {
		return false
	}
	i := int(resultIndex[e.Type])
	if i < 0 || i >= e.NumParams() {
		return false
	}
	// The sign bit of a little-endian integer of 1, 2, 4 or 8 bytes;
	// other widths read as 0, as ParamInt gives.
	p := e.Param(i)
	switch len(p) {
	case 1, 2, 4, 8:
		return p[len(p)-1]&0x80 != 0
	}
	return false
}

// EvtRawres is evt.rawres: the return value of an exit event (its "res"
// parameter, or the "fd" parameter of an exit event that creates an fd);
// false when the event has none.
func EvtRawres(e *inspect.Event) (int64, bool) {
	v, _, ok := result(e)
	return v, ok
}

// EvtIsExit reports whether evt.dir is "<" (an exit event) rather than
// ">". It always has a value.
func EvtIsExit(e *inspect.Event) bool { return isExit(e) }

// EvtType is evt.type: the event's name (the syscall's for generic
// events). It always has a value.
func EvtType(e *inspect.Event) string { return e.TypeName() }

// ProcName is proc.name: the thread's command name; false without a
// thread.
func ProcName(e *inspect.Event) (string, bool) {
	if t := e.Thread; t != nil {
		return t.Comm, true
	}
	return "", false
}

// ProcPID is proc.pid; false without a thread.
func ProcPID(e *inspect.Event) (int64, bool) {
	if t := e.Thread; t != nil {
		return t.PID, true
	}
	return 0, false
}

// FdType is fd.type: the kind of the event's fd ("file", "ipv4", ...);
// false for events without an fd entry.
func FdType(e *inspect.Event) (string, bool) {
	_, fd, ok := e.FDInfo()
	if !ok || fd == nil {
		return "", false
	}
	return fd.Type.String(), true
}

// FdName is fd.name: the name of the event's fd, or the name an exit
// event that creates an fd gives when the fd is not in the table. In
// output (not in comparisons, see SetCompare) bytes outside 0x20-0x7e are
// dropped. The string is valid until the next call on f.
func (f *Field) FdName(e *inspect.Event) (string, bool) {
	fd, ok := f.fdNameValue(e)
	if !ok {
		return "", false
	}
	if fd == nil {
		if !f.creatorName(e) {
			return "", false
		}
		return f.sanitize(bytesView(f.buf)), true
	}
	return f.sanitize(fd.Name), true
}
