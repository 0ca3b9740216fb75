// Package inspect rebuilds the state a capture describes (threads, their fd
// tables, users and groups, network interfaces) and wraps each event read
// from a capture in an Event that knows its thread, its fd, its number and
// its matching enter event, the way sysdig's libsinsp does (parsers.cpp,
// threadinfo.cpp, fdinfo.cpp, event.cpp of falcosecurity/libs e5c53d64).
//
// Use:
//
//	in := inspect.New(rd.Header())
//	for {
//		sev, err := rd.Next()
//		...
//		if rd.Section() != section { in.Reset(rd.Header()) }
//		ev := in.Process(sev)   // updates state, returns the event context
//		if ev.Hidden() { continue }
//		...
//	}
//
// The returned *Event is reused by the next Process call.
package inspect

import (
	"xtrace/event"
	"xtrace/scap"
)

// Inspector holds the state of one capture.
type Inspector struct {
	threads map[int64]*Thread

	// Machine, Interfaces, Users and Groups come from the capture header.
	Machine    *scap.MachineInfo
	Interfaces []scap.Interface
	users      map[uint32]*scap.User
	groups     map[uint32]*scap.Group

	ev     Event
	numEvt uint64
	// firstTS is the timestamp of the first event read (for evt.reltime).
	firstTS uint64
	// prevTS is the timestamp of the previous event read (evt.deltatime).
	prevTS uint64
}

// New returns an Inspector initialised from a capture header.
func New(h *scap.Header) *Inspector {
	in := &Inspector{}
	in.Reset(h)
	return in
}

// Thread returns the thread with the given tid, or nil.
func (in *Inspector) Thread(tid int64) *Thread { return in.threads[tid] }

// User returns the user-list entry for uid, or nil.
func (in *Inspector) User(uid uint32) *scap.User { return in.users[uid] }

// Group returns the group-list entry for gid, or nil.
func (in *Inspector) Group(gid uint32) *scap.Group { return in.groups[gid] }

// NumEvents returns how many events have been processed (the last evt.num).
func (in *Inspector) NumEvents() uint64 { return in.numEvt }

// FirstTS returns the timestamp of the first event processed.
func (in *Inspector) FirstTS() uint64 { return in.firstTS }

// Thread mirrors sinsp_threadinfo: one thread and, through its main thread,
// its process.
type Thread struct {
	TID, PID, PTID int64
	SID, VPGID     int64
	VTID, VPID     int64
	Comm           string // proc.name
	Exe            string // argv[0]
	ExePath        string
	ExeWritable    bool
	Args           []string
	Env            []string
	Cgroups        []string // "subsys=path"
	Root           string
	Flags          uint32 // PPM_CL_* bits
	FDLimit        int64
	UID, GID       uint32
	LoginUID       int32
	VMSizeKB       uint32
	VMRSSKB        uint32
	VMSwapKB       uint32
	PFMajor        uint64
	PFMinor        uint64
	TTY            int32
	CloneTS        uint64

	in   *Inspector
	cwd  string   // meaningful on the main thread
	fds  *FDTable // shared by the threads of a process
	last lastEvent
}

// lastEvent is what a thread remembers of its previous event (sinsp's
// m_lastevent_*): enough to pair an exit with its enter.
type lastEvent struct {
	typ  event.Type
	ts   uint64
	fd   int64
	data []byte // copy of the enter event (v2 layout), reused
}

// Main returns the main thread of t's process (t itself for a main thread,
// nil when it is not known).
func (t *Thread) Main() *Thread {
	if t.TID == t.PID {
		return t
	}
	return t.in.threads[t.PID]
}

// Parent returns the thread of t's parent process, or nil.
func (t *Thread) Parent() *Thread { return t.in.threads[t.PTID] }

// Cwd returns the process' working directory, ending in "/".
func (t *Thread) Cwd() string {
	if m := t.Main(); m != nil && m != t {
		return m.cwd
	}
	return t.cwd
}

// FDs returns the fd table the thread uses (its process').
func (t *Thread) FDs() *FDTable { return t.fds }

// FD returns the thread's fd num, or nil.
func (t *Thread) FD(num int64) *FD {
	if t.fds == nil {
		return nil
	}
	return t.fds.Get(num)
}

// IsMain reports whether t is its process' main thread.
func (t *Thread) IsMain() bool { return t.TID == t.PID }

// FDTable is a process' fd table.
type FDTable struct {
	fds map[int64]*FD
}

// Get returns fd num, or nil.
func (ft *FDTable) Get(num int64) *FD { return ft.fds[num] }

// Len returns the number of open fds.
func (ft *FDTable) Len() int { return len(ft.fds) }

// Each calls f for every fd in ascending fd order.
func (ft *FDTable) Each(f func(*FD)) {
	for _, fd := range ft.Sorted() {
		f(fd)
	}
}

// FD mirrors sinsp_fdinfo: one open file descriptor.
type FD struct {
	Num  int64
	Type FDType
	// Name is what fd.name shows: a path, a socket tuple "a:p->b:q", a
	// server address "ip:port", a unix path, or empty.
	Name      string
	OpenFlags uint32 // PPM_O_* for files
	Dev       uint32
	Ino       uint64
	Flags     FDFlags

	// Sockets. IPv4 addresses are in the first 4 bytes of SIP/DIP.
	SIP, DIP     [16]byte
	SPort, DPort uint16
	L4Proto      uint8
	// Unix sockets: endpoint ids.
	UnixSource, UnixDest uint64
}

// FDType is sinsp's fd type (scap_fd_type).
type FDType uint8

const (
	FDUnknown     FDType = 0
	FDFile        FDType = 1
	FDDirectory   FDType = 2
	FDIPv4Sock    FDType = 3
	FDIPv6Sock    FDType = 4
	FDIPv4Serv    FDType = 5
	FDIPv6Serv    FDType = 6
	FDFIFO        FDType = 7
	FDUnixSock    FDType = 8
	FDEvent       FDType = 9
	FDUnsupported FDType = 10
	FDSignalFD    FDType = 11
	FDEventPoll   FDType = 12
	FDInotify     FDType = 13
	FDTimerFD     FDType = 14
	FDNetlink     FDType = 15
	FDFileV2      FDType = 16
)

// FDFlags are sinsp_fdinfo flags.
type FDFlags uint32

const (
	FDFromProc        FDFlags = 1 << 0
	FDRoleClient      FDFlags = 1 << 2
	FDRoleServer      FDFlags = 1 << 3
	FDCloseInProgress FDFlags = 1 << 4
	FDCloseCanceled   FDFlags = 1 << 5
	FDSocketPipe      FDFlags = 1 << 6
	FDSocketConnected FDFlags = 1 << 13
	FDIsCloned        FDFlags = 1 << 14
	FDConnPending     FDFlags = 1 << 15
	FDConnFailed      FDFlags = 1 << 16
)

// Event is the context of one processed event, sinsp_evt's equivalent.
type Event struct {
	*scap.Event
	// Num is evt.num: 1-based count of every event processed.
	Num uint64
	// Info is the table description of the event type.
	Info *event.Desc
	// Thread is the thread that emitted the event (nil if unknown).
	Thread *Thread
	// FDNum is the fd the event refers to (its own fd param for enter
	// events, the enter event's fd for exits), or -1.
	FDNum int64
	// FD is that fd's table entry, or nil.
	FD *FD
	// EnterTS is the timestamp of the matching enter event of an exit
	// event, 0 when there is none.
	EnterTS uint64

	in     *Inspector
	hidden bool
}

// Hidden reports whether sysdig would not show the event (internal events,
// state-only events, container events before the first real event).
func (e *Event) Hidden() bool { return e.hidden }

// Inspector returns the state the event was processed against.
func (e *Event) Inspector() *Inspector { return e.in }
