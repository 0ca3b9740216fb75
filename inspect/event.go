package inspect

import (
	"encoding/binary"

	"xtrace/event"
	"xtrace/scap"
)

// Event is the context of one processed event, sinsp_evt's equivalent.
type Event struct {
	*scap.Event
	// Num is evt.num: the 1-based count of events read, hidden ones
	// included.
	Num uint64
	// Info is the table description of the event type.
	Info *event.Desc
	// Thread is the thread the event belongs to, as sinsp's
	// get_thread_info: the thread the parsers used, else the table entry
	// for the event's tid; nil when sysdig knows none. Container events
	// carry a placeholder thread (tid -1, comm "container:<id>") that is
	// not in the table.
	Thread *Thread
	// FDNum is fd.num: the last fd the thread used (the fd param of an
	// enter event, the enter's fd for its exit, the fd an open returned),
	// or -1. It only means something for fd-related events; see
	// [Event.FDInfo].
	FDNum int64
	// FD is the fd the parsers attached to the event (sinsp's m_fdinfo),
	// or nil.
	FD *FD
	// EnterTS is TS minus the latency sinsp shows for the event (the
	// time of the thread's last enter event, for exits), 0 when that
	// latency is 0. Events that skip the enter/exit bookkeeping, such as
	// context switches, keep the thread's previous latency, as in sinsp.
	EnterTS uint64

	in          *Inspector
	tinfo       *Thread // sinsp's m_tinfo
	errorCode   int32
	filteredOut bool
	consumed    bool
}

// Inspector returns the state the event was processed against.
func (e *Event) Inspector() *Inspector { return e.in }

// FilteredOut reports whether sysdig drops the event before any consumer
// sees it: the filter rejected it, or it is a state-only (EVF) event.
func (e *Event) FilteredOut() bool { return e.filteredOut }

// Delivered reports whether sinsp's next() returns this event to its
// caller: it was not filtered out and is not one of the container events
// sinsp consumes while opening a capture section. sysdig's -n counts
// delivered events; chisels see all of them, internal ones included.
func (e *Event) Delivered() bool { return !e.filteredOut && !e.consumed }

// Consumed reports whether the event is one of the container events sinsp
// consumes while opening a capture section (never delivered, never
// written again by sysdig -w).
func (e *Event) Consumed() bool { return e.consumed }

// Hidden reports whether sysdig's printer shows nothing for the event:
// it was not delivered, or it is an internal event (procinfo, drop, ...)
// or of an unknown type.
func (e *Event) Hidden() bool {
	return !e.Delivered() || e.Info == nil || e.Info.Category&event.CatInternal != 0
}

// ErrorCode returns the errno of a failed exit event (positive), 0
// otherwise, as sinsp's reset computes it from a "res" or "fd" first
// parameter of a paired exit.
func (e *Event) ErrorCode() int32 { return e.errorCode }

// Latency returns the thread latency sinsp reports for the event
// (evt.latency, -t d): on exit events the time since the thread's last
// enter event, 0 on enter events and events without a parser thread;
// other events keep the thread's last value.
func (e *Event) Latency() uint64 {
	if e.tinfo == nil {
		return 0
	}
	return e.tinfo.Latency
}

// HasParserThread reports whether the state parsers attached a thread to
// the event (sinsp's m_tinfo is set). Fields such as evt.latency read
// only that thread.
func (e *Event) HasParserThread() bool { return e.tinfo != nil }

// FDInfo returns what sinsp's fd.* fields see: for events that create,
// use or destroy an fd, the fd number (thread's last fd) and its entry
// (the parsers' fd, else a lookup of that number, possibly nil); ok is
// false for other events and events without a thread.
func (e *Event) FDInfo() (num int64, fd *FD, ok bool) {
	if e.Info == nil || e.Info.Flags&(event.CreatesFD|event.UsesFD|event.DestroysFD) == 0 || e.Thread == nil {
		return -1, nil, false
	}
	num = e.Thread.lastFD
	fd = e.FD
	if fd == nil && num != -1 {
		fd = e.Thread.FD(num)
	}
	return num, fd, true
}

// refresh recomputes the derived fields after the parsers ran.
func (e *Event) refresh() {
	t := e.tinfo
	th := t
	if in := e.in; th == nil && in != nil && (e.TID != in.missTID || in.threads.gen != in.missGen) {
		// (lookup's own miss check, without the call: events of
		// unknown threads come here right after a lookup failed.)
		th = in.lookup(e.TID)
	}
	e.Thread = th
	fdNum := int64(-1)
	if th != nil {
		fdNum = th.lastFD
	}
	e.FDNum = fdNum
	var enterTS uint64
	if t != nil && t.Latency != 0 {
		enterTS = e.TS - t.Latency
	}
	e.EnterTS = enterTS
}

// param returns parameter i, or nil when the event does not carry it.
func (e *Event) param(i int) []byte {
	if i < 0 || i >= e.NumParams() {
		return nil
	}
	return e.Param(i)
}

// i64 reads parameter i as the little-endian 64-bit value sinsp would
// read; shorter parameters are zero-extended, missing ones read as 0.
func (e *Event) i64(i int) int64 { return int64(le64(e.param(i))) }

func (e *Event) u32(i int) uint32 { return le32(e.param(i)) }

func (e *Event) u8(i int) uint8 {
	if p := e.param(i); len(p) > 0 {
		return p[0]
	}
	return 0
}

// str reads parameter i as a C string (up to the first NUL).
func (e *Event) str(i int) string { return cstr(e.param(i)) }

func le64(p []byte) uint64 {
	if len(p) >= 8 {
		return binary.LittleEndian.Uint64(p)
	}
	var b [8]byte
	copy(b[:], p)
	return binary.LittleEndian.Uint64(b[:])
}

func le32(p []byte) uint32 {
	if len(p) >= 4 {
		return binary.LittleEndian.Uint32(p)
	}
	var b [4]byte
	copy(b[:], p)
	return binary.LittleEndian.Uint32(b[:])
}

func le16(p []byte) uint16 {
	if len(p) >= 2 {
		return binary.LittleEndian.Uint16(p)
	}
	var b [2]byte
	copy(b[:], p)
	return binary.LittleEndian.Uint16(b[:])
}

func cstr(p []byte) string {
	return string(p[:indexNUL(p)])
}

// ParamIndex returns the index of the parameter called name, or -1.
func (e *Event) ParamIndex(name string) int {
	if e.Info == nil {
		return -1
	}
	for i := range e.Info.Params {
		if i >= e.NumParams() {
			break
		}
		if e.Info.Params[i].Name == name {
			return i
		}
	}
	return -1
}

// ProcName returns what proc.name shows for the event: the thread's comm
// ("container:<id>" for container events), or "<NA>" when the thread is
// unknown.
func (e *Event) ProcName() string {
	if e.Thread == nil {
		return "<NA>"
	}
	return e.Thread.Comm
}

// TypeName returns what evt.type shows: the table name, or for generic
// events the syscall name of the ID parameter ("<unknown>" when it has
// none).
func (e *Event) TypeName() string {
	if e.Info == nil {
		return "<unknown>"
	}
	if e.Type == typeGenericE || e.Type == typeGenericX {
		if e.NumParams() == 0 {
			return event.SCName(0)
		}
		return event.SCName(le16(e.Param(0)))
	}
	return e.Info.Name
}

// rawEvent indexes the parameters of an event image in v2 layout (the
// stored copy of an enter event).
type rawEvent struct {
	raw  []byte
	typ  event.Type
	n    int
	offs [34]uint32
}

// load indexes raw; it reports false for an image that does not parse.
func (r *rawEvent) load(raw []byte) bool {
	r.raw, r.n = raw, 0
	if len(raw) < 26 {
		return false
	}
	r.typ = event.Type(binary.LittleEndian.Uint16(raw[20:]))
	d := event.Info(r.typ)
	if d == nil {
		return false
	}
	nparams := int(binary.LittleEndian.Uint32(raw[22:]))
	lenSize := 2
	if d.Flags&event.LargePayload != 0 {
		lenSize = 4
	}
	n := nparams
	if len(d.Params) < n {
		n = len(d.Params)
	}
	if n > len(r.offs)-1 || 26+nparams*lenSize > len(raw) || nparams < 0 {
		return false
	}
	off := 26 + nparams*lenSize
	r.offs[0] = uint32(off)
	for i := 0; i < n; i++ {
		var l int
		if lenSize == 2 {
			l = int(binary.LittleEndian.Uint16(raw[26+2*i:]))
		} else {
			l = int(binary.LittleEndian.Uint32(raw[26+4*i:]))
		}
		off += l
		if off > len(raw) {
			return false
		}
		r.offs[i+1] = uint32(off)
	}
	r.n = n
	return true
}

func (r *rawEvent) param(i int) []byte {
	if i < 0 || i >= r.n {
		return nil
	}
	return r.raw[r.offs[i]:r.offs[i+1]]
}

func (r *rawEvent) i64(i int) int64  { return int64(le64(r.param(i))) }
func (r *rawEvent) u32(i int) uint32 { return le32(r.param(i)) }
func (r *rawEvent) u8(i int) uint8 {
	if p := r.param(i); len(p) > 0 {
		return p[0]
	}
	return 0
}
