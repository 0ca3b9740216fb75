// Package inspect rebuilds the state a capture describes (threads, their fd
// tables, users and groups, network interfaces, containers) and wraps each
// event read from a capture in an Event that knows its thread, its fd, its
// number and its matching enter event, the way sysdig 0.29.3's libsinsp
// does (sinsp.cpp, parsers.cpp, threadinfo.cpp, fdinfo.cpp, event.cpp of
// falcosecurity/libs e5c53d64). It also renders event parameters exactly
// as sysdig prints them (evt.info, the buffer modes).
//
// Use:
//
//	in := inspect.New(rd.Header())
//	in.SetFilter(match)            // optional, evaluated where sinsp does
//	for {
//		sev, err := rd.Next()
//		...
//		if rd.Section() != section { in.Reset(rd.Header()) }
//		ev := in.Process(sev)   // updates state, returns the event context
//		if !ev.Delivered() { continue } // what sinsp's next() never returns
//		// chisels see every delivered event; printers skip Hidden ones
//		...
//	}
//
// The returned *Event is reused by the next Process call. Nothing in
// Process allocates for events that do not change state.
package inspect

import (
	"fmt"

	"xtrace/event"
	"xtrace/scap"
)

// Inspector holds the state of one capture.
type Inspector struct {
	threads idTable[Thread]
	// missTID is the last tid lookup did not find, while threads.gen
	// is still missGen.
	missTID int64
	missGen uint64

	// Machine and Interfaces come from the capture header.
	Machine    *scap.MachineInfo
	Interfaces []scap.Interface
	users      map[uint32]*scap.User
	groups     map[uint32]*scap.Group
	ifaces     netInterfaces
	// serverPorts collects the ports of listening sockets of every fd
	// list loaded so far (sinsp never clears it between sections).
	serverPorts map[uint16]bool
	containers  map[string]*Container
	cgroups     map[string]*cgroupsInfo // see Thread.setCgroups
	// containerJSON maps container event payloads to what they decoded
	// to (see parseContainerJSON).
	containerJSON map[string]*Container

	filter func(*Event) bool
	// resolvePorts is the table socket ports resolve against (sysdig
	// -R); nil prints numbers.
	resolvePorts *Services

	ev      Event
	enter   rawEvent // the retrieved enter event (sinsp's m_tmp_evt)
	section int
	opening bool // reading the container events that open a section
	numEvt  uint64
	openNum uint64 // evt.num of container events opening a later section
	firstTS uint64
	prevTS  uint64
	lastTS  uint64

	tidToRemove     int64
	tidOfFDToRemove int64
	fdsToRemove     []int64
	// prologue is set while Process must take slowPrologue: at the start
	// of a section and when a removal is pending.
	prologue bool

	scratch []byte
	resBuf  []byte
	// paramStr mirrors sinsp's m_paramstr_storage (see setParamStr).
	paramStr []byte
	syslog   syslogDecoder
	err      *StateError // set by the event that would abort sysdig
}

// Config holds the settings that change how state is built.
type Config struct {
	// Services, when not nil, makes socket names show the service names
	// it lists instead of port numbers (sysdig -R).
	Services *Services
}

// New returns an Inspector initialised from a capture header (h may be
// nil).
func New(h *scap.Header) *Inspector { return NewWithConfig(h, Config{}) }

// NewWithConfig is New with settings.
func NewWithConfig(h *scap.Header, c Config) *Inspector {
	in := &Inspector{
		syslog:        syslogDecoder{priority: -1},
		serverPorts:   map[uint16]bool{},
		users:         map[uint32]*scap.User{},
		groups:        map[uint32]*scap.Group{},
		containers:    map[string]*Container{},
		cgroups:       map[string]*cgroupsInfo{},
		containerJSON: map[string]*Container{},
		resolvePorts:  c.Services,
	}
	in.Reset(h)
	return in
}

// SetFilter installs the user's filter. Process evaluates it where
// sinsp_parser::process_event does: right after the thread/fd lookup for
// events that do not change state (a rejected event then skips the state
// parsers and breaks enter/exit pairing for its thread), after the state
// parsers for the others. A rejected event reports FilteredOut.
func (in *Inspector) SetFilter(f func(*Event) bool) { in.filter = f }

// Reset starts a new section: it drops the threads, fds and interfaces
// and loads them again from the section header, as sinsp's
// restart_capture does. evt.num keeps counting; users, groups, containers
// and the set of server ports accumulate as they do in sinsp.
func (in *Inspector) Reset(h *scap.Header) {
	in.section++
	in.threads = idTable[Thread]{}
	in.missTID, in.missGen = 0, ^uint64(0)
	in.tidToRemove = -1
	in.fdsToRemove = in.fdsToRemove[:0]
	in.firstTS, in.lastTS, in.prevTS = 0, 0, 0
	in.opening = true
	in.prologue = true
	in.openNum = 0
	in.ifaces = netInterfaces{}
	in.Machine, in.Interfaces = nil, nil
	if h == nil {
		return
	}
	in.Machine = h.Machine
	in.Interfaces = h.Interfaces
	in.loadProcs(h)
	in.ifaces.load(h.Interfaces)
	for i := range h.Users {
		in.users[h.Users[i].UID] = &h.Users[i]
	}
	for i := range h.Groups {
		in.groups[h.Groups[i].GID] = &h.Groups[i]
	}
	in.createChildDependencies()
	in.fixSocketsFromProc()
}

// loadProcs builds threads from the PL entries and their fds from the FDL
// blocks (sinsp's import_thread_table).
func (in *Inspector) loadProcs(h *scap.Header) {
	byTID := make(map[int64]*Thread, len(h.Procs))
	order := make([]*Thread, 0, len(h.Procs))
	for i := range h.Procs {
		t := newThread(in)
		t.initFromProc(&h.Procs[i])
		byTID[t.TID] = t
		order = append(order, t)
	}
	scratch := make(map[*Thread]*FD)
	for i := range h.FDs {
		t := byTID[int64(h.FDs[i].TID)]
		if t == nil {
			continue
		}
		s := scratch[t]
		if s == nil {
			s = new(FD)
			scratch[t] = s
		}
		for j := range h.FDs[i].FDs {
			in.addFDFromProc(t, &h.FDs[i].FDs[j], s)
		}
	}
	for _, t := range order {
		if byTID[t.TID] == t {
			in.noteContainer(t)
			in.addThread(t, true)
		}
	}
}

// Thread returns the thread with the given tid, or nil.
func (in *Inspector) Thread(tid int64) *Thread { return in.lookup(tid) }

// User returns the user-list entry for uid, or nil (always nil for
// 0xffffffff).
func (in *Inspector) User(uid uint32) *scap.User {
	if uid == 0xffffffff {
		return nil
	}
	return in.users[uid]
}

// Group returns the group-list entry for gid, or nil (always nil for
// 0xffffffff).
func (in *Inspector) Group(gid uint32) *scap.Group {
	if gid == 0xffffffff {
		return nil
	}
	return in.groups[gid]
}

// NumEvents returns the evt.num of the last event processed.
func (in *Inspector) NumEvents() uint64 { return in.numEvt }

// FirstTS returns the timestamp of the first event of the section (the
// reference of evt.reltime and -t r; leading container JSON events do not
// count).
func (in *Inspector) FirstTS() uint64 { return in.firstTS }

// StateError is a capture content that makes sysdig 0.29.3 abort the
// replay (it throws from its parsers), such as a container event whose
// JSON does not parse. Its message is one line, whatever the content.
type StateError struct {
	Num    uint64 // evt.num of the event
	Offset int64  // byte offset of the event's block in the capture stream
	// Decompressed is set (by the caller, who knows) when Offset counts
	// bytes of a decompressed gzip stream.
	Decompressed bool
	Msg          string // what is wrong, with a short excerpt of the content
	Err          error  // the underlying error, if any
}

func (e *StateError) Error() string {
	where := ""
	if e.Decompressed {
		where = " of the decompressed stream"
	}
	s := fmt.Sprintf("inspect: offset %d%s (EV block), event %d: %s", e.Offset, where, e.Num, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *StateError) Unwrap() error { return e.Err }

// Err returns the error that would have stopped sysdig at the last
// processed event, or nil. A replay should stop there without showing
// that event; the inspector itself keeps working.
func (in *Inspector) Err() error {
	if in.err == nil {
		return nil
	}
	return in.err
}

func (in *Inspector) fail(e *Event, msg string, err error) {
	in.err = &StateError{Num: e.Num, Offset: e.Offset, Msg: msg, Err: err}
}

// PrevTS returns the timestamp of the event processed before the current
// one (0 for the first). Note that sysdig's evt.deltatime is relative to
// the previous event the field itself was evaluated on.
func (in *Inspector) PrevTS() uint64 { return in.prevTS }

// Well-known event types the engine itself looks at.
const (
	typeSwitch1        event.Type = 146
	typeSwitch6        event.Type = event.Switch
	typeProcInfo       event.Type = event.ProcInfo
	typeContainer      event.Type = 228
	typeContainerJSON  event.Type = event.ContainerE
	typeContainerJSON2 event.Type = event.Container2E
	typeTracerE        event.Type = 268
	typeWriteX         event.Type = 9
	typeGenericE       event.Type = event.GenericE
	typeGenericX       event.Type = event.GenericX
	typeCopyFileRangeX event.Type = 333
)

// Process updates the state with one event and returns its context,
// following sinsp::next and sinsp_parser::process_event.
func (in *Inspector) Process(sev *scap.Event) *Event {
	if in.syslog.resetPending {
		in.syslog.priority = -1
		in.syslog.resetPending = false
	}
	typ := sev.Type
	consumed := false
	var num uint64
	if in.prologue {
		consumed, num = in.slowPrologue(sev)
	} else {
		in.numEvt++
		num = in.numEvt
	}
	in.prevTS, in.lastTS = in.lastTS, sev.TS

	if in.err != nil {
		in.err = nil
	}
	// The other fields are set on every path: tinfo, FD, Thread and
	// errorCode by resetEvent, filteredOut by processEvent, Thread,
	// FDNum and EnterTS by refresh.
	e := &in.ev
	e.Event = sev
	e.Num = num
	e.Info = sev.Desc()
	e.in = in
	e.consumed = consumed
	fresh := in.processEvent(e)

	if !e.filteredOut {
		if t := e.tinfo; t != nil {
			// event_cleanup: an exit consumes the stored enter event.
			if e.Info != nil && e.Info.Dir == event.Exit && t.lastHasData {
				t.lastHasData = false
				t.lastValid = false
			}
			if typ != typeSwitch1 && typ != typeSwitch6 {
				t.PrevEventTS = t.LastEventTS
				t.LastEventTS = sev.TS
			}
		}
	}
	if !fresh {
		e.refresh()
	}
	return e
}

// slowPrologue is the start of Process while in.prologue is set: at the
// start of a section (container events, first timestamp) and when
// removals are pending. It returns whether the event is consumed and its
// number, and clears in.prologue when none of that remains.
func (in *Inspector) slowPrologue(sev *scap.Event) (consumed bool, num uint64) {
	typ := sev.Type
	isContainer := typ == typeContainer || typ == typeContainerJSON || typ == typeContainerJSON2
	if in.opening {
		if isContainer {
			consumed = true
		} else {
			in.opening = false
		}
	}
	if in.firstTS == 0 && typ != typeContainerJSON && typ != typeContainerJSON2 {
		in.firstTS = sev.TS
	}
	if consumed && in.section > 1 {
		// restart_capture numbers these from 1 and then restores the
		// running count.
		in.openNum++
		num = in.openNum
	} else {
		in.numEvt++
		num = in.numEvt
	}
	// Delayed removals, so that the event that caused them could still
	// see the thread or fd.
	if in.tidToRemove != -1 {
		in.removeThread(in.tidToRemove, false)
		in.tidToRemove = -1
	}
	if len(in.fdsToRemove) > 0 {
		if t := in.threadRef(in.tidOfFDToRemove, true); t != nil {
			for _, fd := range in.fdsToRemove {
				t.removeFD(fd)
			}
		}
		in.fdsToRemove = in.fdsToRemove[:0]
	}
	in.prologue = in.opening || in.firstTS == 0
	return consumed, num
}

// processEvent is sinsp_parser::process_event. It reports whether the
// event's derived fields are still those of its last refresh (the filter
// ran after the state changes), so that Process need not refresh again.
func (in *Inspector) processEvent(e *Event) (fresh bool) {
	in.resetEvent(e)
	typ := e.Type
	var flags event.Flags
	if e.Info != nil {
		flags = e.Info.Flags
	}
	later := false
	if in.filter != nil {
		if typ == typeWriteX {
			fdi := e.FD
			if fdi == nil && e.tinfo != nil {
				fdi = e.tinfo.FD(e.tinfo.lastFD)
				e.FD = fdi
			}
			if fdi != nil && fdi.Flags&(FDTracerFD|FDTracerFile) != 0 {
				flags |= event.ModifiesState
			} else if e.DumpFlags&scap.FlagTracer != 0 {
				e.FD = nil
				flags |= event.ModifiesState
			}
		}
		if flags&event.ModifiesState != 0 {
			later = true
		} else {
			e.refresh()
			if !in.filter(e) {
				if t := e.tinfo; t != nil && flags&event.SkipParseReset == 0 && typ != typeSwitch6 {
					t.lastType = noEventType
				}
				e.filteredOut = true
				return true
			}
		}
	}
	e.filteredOut = false

	if int(typ) < len(handlers) {
		h := &handlers[typ]
		if h.store {
			if h.inferSendto && e.FD == nil && e.tinfo != nil {
				in.inferSendtoFD(e)
			}
			in.storeEvent(e)
		}
		if h.parse != nil {
			h.parse(in, e)
		}
	}

	if later {
		e.refresh()
		if !in.filter(e) {
			e.filteredOut = true
			return true
		}
		e.filteredOut = false
		fresh = true
	}
	if e.StateOnly() {
		e.filteredOut = true
	}
	return fresh
}

// resetEvent is sinsp_parser::reset: it finds (or creates) the thread,
// records enter events for pairing, computes the latency of exits and
// finds the fd of fd-using events.
func (in *Inspector) resetEvent(e *Event) {
	e.tinfo, e.FD, e.Thread, e.errorCode = nil, nil, nil, 0
	typ := e.Type
	info := e.Info
	if info == nil {
		return
	}
	if info.Flags&event.SkipParseReset != 0 {
		if typ == typeProcInfo {
			e.tinfo = in.lookup(e.TID)
		}
		return
	}
	queryOS := !cloneExits[typ] && typ != typeSwitch6
	if typ == typeContainerJSON || typ == typeContainerJSON2 {
		return
	}
	// threadRef, without a call level for the common case.
	t := in.lookup(e.TID)
	if t == nil && queryOS {
		t = in.placeholderThread(e.TID)
	}
	e.tinfo = t
	if typ == typeSwitch6 || t == nil {
		return
	}
	if queryOS {
		t.Flags |= clActive
	}
	if info.Dir == event.Enter {
		t.lastFD = -1
		t.lastType = int(typ)
		if info.Flags&event.UsesFD != 0 {
			t.lastFD = e.i64(0)
			e.FD = t.FD(t.lastFD)
		}
		t.Latency = 0
		t.enterTS = e.TS
		return
	}
	if t.enterTS != 0 {
		t.Latency = e.TS - t.enterTS
	}
	if int(typ) == t.lastType+1 {
		t.lastValid = true
	} else {
		t.lastValid = false
		if t.lastType != int(typeTracerE) {
			return
		}
	}
	if resFirst[typ] && e.NumParams() != 0 {
		if res := e.i64(0); res < 0 {
			e.errorCode = -int32(res)
		}
	}
	if info.Flags&event.UsesFD != 0 {
		if typ == typeCopyFileRangeX {
			t.lastFD = e.i64(1)
		}
		e.FD = t.FD(t.lastFD)
		if e.FD == nil {
			return
		}
		if e.FD.Flags&FDCloseCanceled != 0 {
			e.FD.Flags &^= FDCloseCanceled
			in.eraseFD(t, canceledFD, t.FD(canceledFD))
		}
	}
}

// eraseFD schedules fd num of t for removal at the next event.
func (in *Inspector) eraseFD(t *Thread, num int64, fdi *FD) {
	if fdi == nil {
		return
	}
	in.tidOfFDToRemove = t.TID
	in.fdsToRemove = append(in.fdsToRemove, num)
	in.prologue = true
}

// storeEvent copies an enter event into its thread so that the exit's
// parser can read it (sinsp's store_event).
func (in *Inspector) storeEvent(e *Event) {
	t := e.tinfo
	if t == nil {
		return
	}
	raw := e.Raw()
	if len(raw) > 4096 {
		return
	}
	t.lastData = append(t.lastData[:0], raw...)
	t.lastHasData = true
	t.lastValid = e.CPU != 0xffff
}

// retrieveEnter loads the stored enter event of exit e into in.enter; it
// reports false when there is none or it does not pair with e.
func (in *Inspector) retrieveEnter(e *Event) bool {
	t := e.tinfo
	if t == nil || !t.lastValid || !t.lastHasData {
		return false
	}
	if !in.enter.load(t.lastData) || in.enter.typ+1 != e.Type {
		t.lastValid = false
		return false
	}
	return true
}
