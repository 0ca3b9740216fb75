package procfs

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"

	"xtrace/scap"
)

// L4 protocol codes of FDL entries and socket tuples (SCAP_L4_*).
const (
	L4Unknown = 0 // protocol not known
	L4NA      = 1 // not applicable
	L4TCP     = 2 // from /proc/net/tcp and tcp6
	L4UDP     = 3 // from /proc/net/udp and udp6
	L4ICMP    = 4 // ping sockets; scap does not read /proc/net/icmp
	L4Raw     = 5 // from /proc/net/raw and raw6
)

// sockEntry is one socket of a /proc/PID/net table.
type sockEntry struct {
	typ          uint8 // scap.FDIPv4Sock … scap.FDNetlink
	l4           uint8
	sip, dip     [16]byte // network order; IPv4 uses the first 4 bytes
	sport, dport uint16
	source       uint64 // unix: the Num column (kernel address or hash)
	path         string // unix: the bound path
}

// fill copies e into fd (type, addresses, ports, protocol, unix id and
// path). SIP and DIP are freshly allocated.
func (e *sockEntry) fill(fd *scap.FD) {
	fd.Type = e.typ
	switch e.typ {
	case scap.FDIPv4Sock:
		fd.SIP = append(fd.SIP[:0], e.sip[:4]...)
		fd.DIP = append(fd.DIP[:0], e.dip[:4]...)
		fd.SPort, fd.DPort, fd.L4Proto = e.sport, e.dport, e.l4
	case scap.FDIPv4Serv:
		fd.SIP = append(fd.SIP[:0], e.sip[:4]...)
		fd.SPort, fd.L4Proto = e.sport, e.l4
	case scap.FDIPv6Sock:
		fd.SIP = append(fd.SIP[:0], e.sip[:]...)
		fd.DIP = append(fd.DIP[:0], e.dip[:]...)
		fd.SPort, fd.DPort, fd.L4Proto = e.sport, e.dport, e.l4
	case scap.FDIPv6Serv:
		fd.SIP = append(fd.SIP[:0], e.sip[:]...)
		fd.SPort, fd.L4Proto = e.sport, e.l4
	case scap.FDUnixSock:
		fd.Source = e.source
		fd.Name = e.path
	}
}

// netTable is the sockets of one network namespace, by inode, read on
// demand: a file at a time, in netLookupOrder, until a socket is found.
type netTable struct {
	socks map[uint64]sockEntry
	read  int  // how many files of netLookupOrder are in socks
	root  bool // read below the proc root's net directory (no ns/net link)
}

// netLookupOrder is the order in which a netTable reads the net files
// (indexes into netFiles). A socket is in one table only, so the order
// finds the same entries as scap's; the cheap tables come first, tcp
// late: reading /proc/net/tcp walks the kernel's whole established hash
// (milliseconds on a large machine), paid only for a socket that is not
// in the others.
var netLookupOrder = [...]int{3, 4, 1, 2, 0, 6, 7, 5}

// lookup returns the socket with inode ino, reading more files of its
// namespace (through the process directory pdirfd) while it is not found.
func (t *netTable) lookup(fs *FS, pdirfd int, ino uint64) (sockEntry, bool) {
	for {
		if e, ok := t.socks[ino]; ok {
			return e, true
		}
		if t.read == len(netLookupOrder) {
			return sockEntry{}, false
		}
		f := netFiles[netLookupOrder[t.read]]
		t.read++
		dirfd, prefix := pdirfd, "net/"
		if t.root {
			dirfd, prefix = unix.AT_FDCWD, fs.root+"/net/"
		}
		if f.kind == netInet6 && unix.Faccessat(dirfd, prefix+"tcp6", unix.R_OK, 0) != nil {
			continue // no IPv6 here
		}
		b, err := fs.readAt(dirfd, prefix+f.name, 0)
		if err != nil {
			continue
		}
		parseNetFile(f.kind, f.l4, b, func(i uint64, e *sockEntry) bool {
			t.socks[i] = *e
			return true
		})
	}
}

// netFiles are the /proc/net tables scap reads, in its order. The IPv6
// ones are read only when tcp6 exists.
var netFiles = [...]struct {
	name string
	kind netKind
	l4   uint8
}{
	{"tcp", netInet4, L4TCP},
	{"udp", netInet4, L4UDP},
	{"raw", netInet4, L4Raw},
	{"unix", netUnix, 0},
	{"netlink", netNetlink, 0},
	{"tcp6", netInet6, L4TCP},
	{"udp6", netInet6, L4UDP},
	{"raw6", netInet6, L4Raw},
}

type netKind uint8

const (
	netInet4 netKind = iota
	netInet6
	netUnix
	netNetlink
)

// netFor returns the socket table of the network namespace of the process
// directory pdirfd, made on first use in this snapshot and filled as
// sockets are looked up (netTable.lookup). Without a readable ns/net link
// it reads the proc root's net directory.
func (fs *FS) netFor(pdirfd int) *netTable {
	ns := nsInode(fs, pdirfd, "ns/net", "net:")
	if t, ok := fs.nets[ns]; ok {
		return t
	}
	t := &netTable{socks: make(map[uint64]sockEntry, 64), root: ns == 0}
	if fs.nets == nil {
		fs.nets = map[uint64]*netTable{}
	}
	fs.nets[ns] = t
	return t
}

// parseNetFile parses net table b of the given kind, calling fn for every
// socket until fn returns false; it reports whether fn asked for more.
func parseNetFile(kind netKind, l4 uint8, b []byte, fn func(ino uint64, e *sockEntry) bool) bool {
	switch kind {
	case netInet4, netInet6:
		return parseInetTable(b, kind == netInet6, l4, fn)
	case netUnix:
		return parseUnixTable(b, fn)
	case netNetlink:
		return parseNetlinkTable(b, fn)
	}
	return true
}

// parseInetTable parses /proc/net/{tcp,udp,raw}[6]:
//
//	sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
//	0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 12345 ...
//
// Addresses are printed as 32-bit words in host byte order, so on a
// little-endian machine the bytes of each word come out reversed; the
// port is a plain hex number. A socket whose remote address is all zero is
// a server socket (scap's rule, whatever the TCP state).
func parseInetTable(b []byte, v6 bool, l4 uint8, fn func(ino uint64, e *sockEntry) bool) bool {
	_, b = nextLine(b) // header
	alen := 8
	if v6 {
		alen = 32
	}
	var e sockEntry
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		sl, rest := nextWord(line)
		if len(sl) == 0 || sl[len(sl)-1] != ':' {
			continue
		}
		local, rest := nextWord(rest)
		remote, rest := nextWord(rest)
		for i := 0; i < 6; i++ {
			_, rest = nextWord(rest)
		}
		inoW, _ := nextWord(rest)
		e = sockEntry{l4: l4}
		if !parseHexAddr(local, alen, e.sip[:], &e.sport) || !parseHexAddr(remote, alen, e.dip[:], &e.dport) {
			continue
		}
		ino, ok := atou(inoW)
		if !ok {
			continue
		}
		n := 4
		if v6 {
			n = 16
		}
		server := true
		for _, c := range e.dip[:n] {
			if c != 0 {
				server = false
				break
			}
		}
		switch {
		case !v6 && server:
			e.typ = scap.FDIPv4Serv
		case !v6:
			e.typ = scap.FDIPv4Sock
		case server:
			e.typ = scap.FDIPv6Serv
		default:
			e.typ = scap.FDIPv6Sock
		}
		if server {
			e.dport = 0
		}
		if !fn(ino, &e) {
			return false
		}
	}
	return true
}

// parseHexAddr parses "ADDR:PORT" with alen hex digits of address into ip
// (network order) and port.
func parseHexAddr(w []byte, alen int, ip []byte, port *uint16) bool {
	if len(w) != alen+5 || w[alen] != ':' {
		return false
	}
	for i := 0; i < alen/8; i++ {
		v, ok := hexu(w[i*8 : i*8+8])
		if !ok {
			return false
		}
		// The kernel printed the word in host order: on little-endian
		// machines its low byte is the first address byte.
		binary.NativeEndian.PutUint32(ip[i*4:], uint32(v))
	}
	p, ok := hexu(w[alen+1:])
	if !ok {
		return false
	}
	*port = uint16(p)
	return true
}

// parseUnixTable parses /proc/net/unix:
//
//	Num       RefCount Protocol Flags    Type St Inode Path
//	0000000000000000: 00000002 00000000 00010000 0001 01 23456 /run/x.sock
//
// The endpoint id is the Num column (a kernel address, hashed or zero
// depending on kptr_restrict), the path the first blank-free word after
// the inode, as scap takes them; abstract names start with '@'.
func parseUnixTable(b []byte, fn func(ino uint64, e *sockEntry) bool) bool {
	_, b = nextLine(b)
	var e sockEntry
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		var tok [8][]byte
		rest := line
		n := 0
		for n < 8 {
			var w []byte
			w, rest = nextField(rest)
			if len(w) == 0 {
				break
			}
			tok[n] = w
			n++
		}
		if n < 7 {
			continue
		}
		ino, ok := leadingUint(tok[6])
		if !ok {
			continue
		}
		e = sockEntry{typ: scap.FDUnixSock}
		e.source, _ = leadingHex(tok[0])
		if n == 8 {
			e.path = string(tok[7])
		}
		if !fn(ino, &e) {
			return false
		}
	}
	return true
}

// parseNetlinkTable parses /proc/net/netlink (the inode is the tenth
// column).
func parseNetlinkTable(b []byte, fn func(ino uint64, e *sockEntry) bool) bool {
	_, b = nextLine(b)
	e := sockEntry{typ: scap.FDNetlink}
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		rest := line
		var w []byte
		for i := 0; i < 10; i++ {
			w, rest = nextField(rest)
		}
		ino, ok := leadingUint(w)
		if !ok {
			continue
		}
		if !fn(ino, &e) {
			return false
		}
	}
	return true
}

// Socket looks up the socket with inode ino in the network namespace of
// process pid (through /proc/PID/net, read afresh) and fills fd's Type,
// L4Proto, SIP, DIP, SPort, DPort (local then remote, as in the FDL), and
// for unix sockets Source and Name. It reports whether the socket was
// found; found is false with a nil error for sockets of other families.
// The decoder uses it when it cannot read a socket's addresses otherwise.
func (fs *FS) Socket(pid int, ino uint64, fd *scap.FD) (found bool, err error) {
	dirfd, err := openDir(fs.root + "/" + itoa(pid))
	if err != nil {
		return false, fmt.Errorf("procfs: looking up socket %d of process %d: %w", ino, pid, noProcess(err))
	}
	defer unix.Close(dirfd)
	return fs.findSocket(dirfd, ino, fd), nil
}

// findSocket looks inode ino up in the net tables of the process directory
// pdirfd (read afresh, cheap tables first, up to the one that has it) and
// fills fd (with its Ino) from it.
func (fs *FS) findSocket(pdirfd int, ino uint64, fd *scap.FD) bool {
	t := netTable{socks: map[uint64]sockEntry{}}
	e, ok := t.lookup(fs, pdirfd, ino)
	if ok {
		e.fill(fd)
		fd.Ino = ino
	}
	return ok
}
