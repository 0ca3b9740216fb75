package inspect

import (
	"encoding/binary"
	"sort"
)

// FD mirrors sinsp_fdinfo: one open file descriptor.
//
// Socket addresses live in a union shaped like sinsp's (see sockUnion);
// SIP, DIP, SPort, DPort, L4Proto, UnixSource and UnixDest are a decoded,
// read-only view of it that the inspector refreshes whenever a parser
// changes the fd. Use the methods (Proto, IsRoleServer, ...) for what sinsp's
// fd.* fields compute from them.
type FD struct {
	// Num is the descriptor number the fd was last added under.
	Num  int64
	Type FDType
	// Name is what fd.name shows: a path, a socket tuple "a:p->b:q", a
	// server address "ip:port", a unix path, or empty.
	Name      string
	OpenFlags uint32 // PPM_O_* for files
	Dev       uint32
	Ino       uint64
	Flags     FDFlags

	// Sockets: IPv4 addresses are in the first 4 bytes of SIP/DIP, in
	// network order; server sockets only use SIP and SPort.
	SIP, DIP     [16]byte
	SPort, DPort uint16
	L4Proto      uint8
	// Unix sockets: kernel endpoint ids.
	UnixSource, UnixDest uint64

	sock sockUnion
	// syslogCB counts the syslog decoder's write-callback
	// registrations; hasCallbacks is sinsp's m_callbacks != NULL.
	syslogCB     int32
	hasCallbacks bool
}

// FDType is sinsp's fd type (scap_fd_type).
type FDType uint8

// The fd types, with the numbers FDL blocks use.
const (
	FDUnknown     FDType = 0  // never stored by sinsp
	FDFile        FDType = 1  // regular file (old FDL entries)
	FDDirectory   FDType = 2  // directory
	FDIPv4Sock    FDType = 3  // IPv4 socket with a tuple
	FDIPv6Sock    FDType = 4  // IPv6 socket with a tuple
	FDIPv4Serv    FDType = 5  // listening IPv4 socket
	FDIPv6Serv    FDType = 6  // listening IPv6 socket
	FDFIFO        FDType = 7  // pipe
	FDUnixSock    FDType = 8  // unix socket
	FDEvent       FDType = 9  // eventfd
	FDUnsupported FDType = 10 // other anonymous inode
	FDSignalFD    FDType = 11 // signalfd
	FDEventPoll   FDType = 12 // epoll instance
	FDInotify     FDType = 13 // inotify instance
	FDTimerFD     FDType = 14 // timerfd
	FDNetlink     FDType = 15 // netlink socket
	FDFileV2      FDType = 16 // regular file with open flags and device
)

// FDFlags are sinsp_fdinfo flags.
type FDFlags uint32

// The fd flags sinsp keeps.
const (
	FDFromProc        FDFlags = 1 << 0  // loaded from the capture's fd list
	FDRoleClient      FDFlags = 1 << 2  // socket role: client
	FDRoleServer      FDFlags = 1 << 3  // socket role: server
	FDCloseInProgress FDFlags = 1 << 4  // between close enter and exit
	FDCloseCanceled   FDFlags = 1 << 5  // reused by another thread before close returned
	FDSocketPipe      FDFlags = 1 << 6  // socket used as a pipe
	FDTracerFile      FDFlags = 1 << 7  // names /dev/sysdig-events
	FDTracerFD        FDFlags = 1 << 8  // recognised tracer fd
	FDNotTracer       FDFlags = 1 << 9  // known not to be a tracer fd
	FDSocketConnected FDFlags = 1 << 13 // socket seen connected
	FDIsCloned        FDFlags = 1 << 14 // copied into a child by clone
	FDConnPending     FDFlags = 1 << 15 // connect in progress
	FDConnFailed      FDFlags = 1 << 16 // connect failed
)

// L4 protocols (scap_l4_proto).
const (
	L4Unknown = 0
	L4NA      = 1
	L4TCP     = 2
	L4UDP     = 3
	L4ICMP    = 4
	L4Raw     = 5
)

// canceledFD is the table key sinsp parks a canceled close under.
const canceledFD = int64(^uint64(0) >> 1)

// maxFDTableSize is sinsp's MAX_FD_TABLE_SIZE: adds beyond it fail.
const maxFDTableSize = 4096

// sockUnion is the byte image of sinsp's sinsp_sockinfo union. The members
// overlap, which matters when a parser changes an fd's type and reads a
// field another member wrote:
//
//	ipv4 tuple:  sip 0..4  dip 4..8  sport 8..10  dport 10..12  l4proto 12
//	ipv6 tuple:  sip 0..16 dip 16..32 sport 32..34 dport 34..36 l4proto 36
//	ipv4 server: ip 0..4   port 4..6  l4proto 6
//	ipv6 server: ip 0..16  port 16..18 l4proto 18
//	unix:        source 0..8 dest 8..16
type sockUnion [40]byte

func (u *sockUnion) u16(off int) uint16      { return binary.LittleEndian.Uint16(u[off:]) }
func (u *sockUnion) u32(off int) uint32      { return binary.LittleEndian.Uint32(u[off:]) }
func (u *sockUnion) u64(off int) uint64      { return binary.LittleEndian.Uint64(u[off:]) }
func (u *sockUnion) put16(off int, v uint16) { binary.LittleEndian.PutUint16(u[off:], v) }
func (u *sockUnion) put32(off int, v uint32) { binary.LittleEndian.PutUint32(u[off:], v) }
func (u *sockUnion) put64(off int, v uint64) { binary.LittleEndian.PutUint64(u[off:], v) }

// Union member offsets.
const (
	v4SIP, v4DIP, v4SPort, v4DPort, v4L4 = 0, 4, 8, 10, 12
	v6SIP, v6DIP, v6SPort, v6DPort, v6L4 = 0, 16, 32, 34, 36
	s4IP, s4Port, s4L4                   = 0, 4, 6
	s6IP, s6Port, s6L4                   = 0, 16, 18
	unixSrc, unixDst                     = 0, 8
)

// sync refreshes the exported socket view from the union.
func (fd *FD) sync() {
	u := &fd.sock
	fd.SIP, fd.DIP = [16]byte{}, [16]byte{}
	fd.SPort, fd.DPort, fd.L4Proto = 0, 0, 0
	fd.UnixSource, fd.UnixDest = 0, 0
	switch fd.Type {
	case FDIPv4Sock:
		copy(fd.SIP[:4], u[v4SIP:])
		copy(fd.DIP[:4], u[v4DIP:])
		fd.SPort, fd.DPort, fd.L4Proto = u.u16(v4SPort), u.u16(v4DPort), u[v4L4]
	case FDIPv6Sock:
		copy(fd.SIP[:], u[v6SIP:])
		copy(fd.DIP[:], u[v6DIP:])
		fd.SPort, fd.DPort, fd.L4Proto = u.u16(v6SPort), u.u16(v6DPort), u[v6L4]
	case FDIPv4Serv:
		copy(fd.SIP[:4], u[s4IP:])
		fd.SPort, fd.L4Proto = u.u16(s4Port), u[s4L4]
	case FDIPv6Serv:
		copy(fd.SIP[:], u[s6IP:])
		fd.SPort, fd.L4Proto = u.u16(s6Port), u[s6L4]
	case FDUnixSock:
		fd.UnixSource, fd.UnixDest = u.u64(unixSrc), u.u64(unixDst)
	}
}

// TypeChar returns the one-letter tag sysdig prints inside <...>.
func (fd *FD) TypeChar() byte {
	switch fd.Type {
	case FDFile, FDFileV2:
		return 'f'
	case FDIPv4Sock, FDIPv4Serv:
		return '4'
	case FDIPv6Sock, FDIPv6Serv:
		return '6'
	case FDDirectory:
		return 'd'
	case FDFIFO:
		return 'p'
	case FDUnixSock:
		return 'u'
	case FDEvent:
		return 'e'
	case FDUnknown:
		return 'o'
	case FDUnsupported:
		return 'X'
	case FDSignalFD:
		return 's'
	case FDEventPoll:
		return 'l'
	case FDInotify:
		return 'i'
	case FDTimerFD:
		return 't'
	case FDNetlink:
		return 'n'
	}
	return '?'
}

// TypeString returns fd.type: "file", "ipv4", "unix", ... or "<NA>".
func (fd *FD) TypeString() string { return fd.Type.String() }

// String returns the fd.type word for t ("<NA>" for unknown types).
func (t FDType) String() string {
	switch t {
	case FDFile, FDFileV2:
		return "file"
	case FDDirectory:
		return "directory"
	case FDIPv4Sock, FDIPv4Serv:
		return "ipv4"
	case FDIPv6Sock, FDIPv6Serv:
		return "ipv6"
	case FDUnixSock:
		return "unix"
	case FDFIFO:
		return "pipe"
	case FDEvent:
		return "event"
	case FDSignalFD:
		return "signalfd"
	case FDEventPoll:
		return "eventpoll"
	case FDInotify:
		return "inotify"
	case FDTimerFD:
		return "timerfd"
	case FDNetlink:
		return "netlink"
	}
	return "<NA>"
}

// Proto returns the fd's layer-4 protocol the way sinsp's get_l4proto
// does: L4NA for non-sockets and for sockets without a role (except raw).
func (fd *FD) Proto() uint8 {
	u := &fd.sock
	switch fd.Type {
	case FDIPv4Sock:
		if u[v4L4] == L4Raw {
			return L4Raw
		}
		if fd.IsRoleNone() {
			return L4NA
		}
		return u[v4L4]
	case FDIPv4Serv:
		return u[s4L4]
	case FDIPv6Sock:
		if u[v6L4] == L4Raw {
			return L4Raw
		}
		if fd.IsRoleNone() {
			return L4NA
		}
		return u[v6L4]
	case FDIPv6Serv:
		return u[s6L4]
	}
	return L4NA
}

// IsRoleServer reports whether the socket is the server side.
func (fd *FD) IsRoleServer() bool { return fd.Flags&FDRoleServer != 0 }

// IsRoleClient reports whether the socket is the client side.
func (fd *FD) IsRoleClient() bool { return fd.Flags&FDRoleClient != 0 }

// IsRoleNone reports whether the socket has no role yet.
func (fd *FD) IsRoleNone() bool { return fd.Flags&(FDRoleClient|FDRoleServer) == 0 }

// IsSocketConnected reports whether the socket was seen connected.
func (fd *FD) IsSocketConnected() bool { return fd.Flags&FDSocketConnected != 0 }

// IsFile reports whether the fd is a regular file.
func (fd *FD) IsFile() bool { return fd.Type == FDFile || fd.Type == FDFileV2 }

// IsTCP reports whether this is an IPv4 TCP socket (sinsp's is_tcp_socket,
// which only looks at IPv4).
func (fd *FD) IsTCP() bool { return fd.Type == FDIPv4Sock && fd.sock[v4L4] == L4TCP }

// IsUDP reports whether this is an IPv4 UDP socket (sinsp's is_udp_socket).
func (fd *FD) IsUDP() bool { return fd.Type == FDIPv4Sock && fd.sock[v4L4] == L4UDP }

// ServerPort returns the server-side port of a connected socket (the
// destination port), 0 for other fds.
func (fd *FD) ServerPort() uint16 {
	switch fd.Type {
	case FDIPv4Sock:
		return fd.sock.u16(v4DPort)
	case FDIPv6Sock:
		return fd.sock.u16(v6DPort)
	}
	return 0
}

// DevMajor and DevMinor split Dev as sinsp does.
func (fd *FD) DevMajor() uint32 { return (fd.Dev & 0xfff00) >> 8 }

// DevMinor returns the minor number of Dev.
func (fd *FD) DevMinor() uint32 { return (fd.Dev & 0xff) | ((fd.Dev >> 12) & 0xfff00) }

func (fd *FD) setRoleServer() { fd.Flags |= FDRoleServer }
func (fd *FD) setRoleClient() { fd.Flags |= FDRoleClient }

func (fd *FD) setConnected() {
	fd.Flags &^= FDConnPending | FDConnFailed
	fd.Flags |= FDSocketConnected
}

// FDTable is a process' fd table.
type FDTable struct {
	fds idTable[FD]
}

// Get returns fd num, or nil.
func (ft *FDTable) Get(num int64) *FD {
	if ft == nil {
		return nil
	}
	return ft.fds.get(num)
}

// Len returns the number of open fds.
func (ft *FDTable) Len() int {
	if ft == nil {
		return 0
	}
	return ft.fds.len()
}

// Each calls f for every fd in ascending fd order.
func (ft *FDTable) Each(f func(*FD)) {
	for _, fd := range ft.Sorted() {
		f(fd)
	}
}

// Sorted returns the fds in ascending order (a new slice).
func (ft *FDTable) Sorted() []*FD {
	if ft == nil {
		return nil
	}
	out := make([]*FD, 0, ft.fds.len())
	for fd := range ft.fds.all {
		out = append(out, fd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Num < out[j].Num })
	return out
}

// add stores a copy of fdi under num the way sinsp_fdtable::add does: a
// new entry when num is free (nil when the table is full), otherwise the
// existing entry is overwritten, parking it under canceledFD first when a
// close of it is in progress.
func (ft *FDTable) add(num int64, fdi *FD) *FD {
	old := ft.fds.get(num)
	if old == nil {
		if ft.fds.len() >= maxFDTableSize {
			return nil
		}
		n := new(FD)
		*n = *fdi
		n.Num = num
		ft.fds.put(num, n)
		return n
	}
	if old == fdi {
		return old
	}
	if old.Flags&FDCloseInProgress != 0 {
		fdi.Flags &^= FDCloseInProgress
		fdi.Flags |= FDCloseCanceled
		parked := new(FD)
		*parked = *old
		parked.Num = canceledFD
		ft.fds.put(canceledFD, parked)
	}
	*old = *fdi
	old.Num = num
	return old
}

func (ft *FDTable) erase(num int64) { ft.fds.del(num) }

func (ft *FDTable) clear() { ft.fds = idTable[FD]{} }

// clone returns a deep copy of the table.
func (ft *FDTable) clone() FDTable {
	var out FDTable
	for k, v := range ft.fds.pairs {
		n := new(FD)
		*n = *v
		out.fds.put(k, n)
	}
	return out
}
