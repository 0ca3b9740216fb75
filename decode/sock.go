package decode

import (
	"bytes"
	"encoding/binary"
	"strconv"

	"golang.org/x/sys/unix"

	"xtrace/internal/linux"
)

// sockets resolves socket endpoints the way the driver's fd_to_socktuple
// does, working on a duplicate of the tracee's socket obtained with
// pidfd_getfd (the tracer may do this to its tracees): getsockname and
// getpeername give the addresses, fstat the inode that stands for a unix
// socket's identity, and a NETLINK_SOCK_DIAG query its peer's inode.
type sockets struct {
	proc *procReader
	sa   linux.Sockaddr
	pa   linux.Sockaddr
	st   unix.Stat_t
	nl   int // sock_diag socket, -1 until needed
	nlb  []byte
	ti   unix.TCPInfo
}

func (s *sockets) init(p *procReader) {
	s.proc = p
	s.nl = -1
	s.nlb = make([]byte, 8192)
}

func (s *sockets) close() {
	if s.nl >= 0 {
		unix.Close(s.nl)
		s.nl = -1
	}
}

// dup returns a copy of fd number fd of process pid, or -1.
func (s *sockets) dup(pid, fd int) int { return s.proc.dup(pid, fd) }

// unixPeerIno asks sock_diag for the inode of the peer of the unix socket
// with inode ino (0 when it has none).
func (s *sockets) unixPeerIno(ino uint64) uint64 {
	if s.nl < 0 {
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
		if err != nil {
			return 0
		}
		s.nl = fd
	}
	// nlmsghdr (16) + unix_diag_req (24)
	var req [40]byte
	binary.LittleEndian.PutUint32(req[0:], 40)
	binary.LittleEndian.PutUint16(req[4:], 20) // SOCK_DIAG_BY_FAMILY
	binary.LittleEndian.PutUint16(req[6:], unix.NLM_F_REQUEST)
	req[16] = unix.AF_UNIX
	binary.LittleEndian.PutUint32(req[20:], 0xffffffff) // all states
	binary.LittleEndian.PutUint32(req[24:], uint32(ino))
	binary.LittleEndian.PutUint32(req[28:], 4) // UDIAG_SHOW_PEER
	binary.LittleEndian.PutUint32(req[32:], 0xffffffff)
	binary.LittleEndian.PutUint32(req[36:], 0xffffffff)
	sa := unix.SockaddrNetlink{Family: unix.AF_NETLINK}
	if err := unix.Sendto(s.nl, req[:], 0, &sa); err != nil {
		return 0
	}
	n, _, err := unix.Recvfrom(s.nl, s.nlb, 0)
	if err != nil || n < 16+16 {
		return 0
	}
	b := s.nlb[:n]
	if binary.LittleEndian.Uint16(b[4:]) != 20 {
		return 0
	}
	// unix_diag_msg is 16 bytes, then rtattrs.
	attrs := b[32:binary.LittleEndian.Uint32(b[0:])]
	for len(attrs) >= 4 {
		l := int(binary.LittleEndian.Uint16(attrs[0:]))
		t := binary.LittleEndian.Uint16(attrs[2:])
		if l < 4 || l > len(attrs) {
			break
		}
		if t == 2 && l >= 8 { // UNIX_DIAG_PEER
			return uint64(binary.LittleEndian.Uint32(attrs[4:]))
		}
		attrs = attrs[(l+3)&^3:]
	}
	return 0
}

// unixIDs maps the inodes of two unix sockets to their /proc/net/unix
// Num values (the hashed kernel addresses), reading the table of pid's
// network namespace once; an inode not found maps to itself, 0 to 0.
func (s *sockets) unixIDs(pid int, a, b uint64) (uint64, uint64) {
	ida, idb := a, b
	tab := readFile(s.proc.root+"/"+strconv.Itoa(pid)+"/net/unix", s.nlb[:0])
	s.nlb = tab[:0]
	first := true
	for len(tab) > 0 {
		line := tab
		if i := bytes.IndexByte(tab, '\n'); i >= 0 {
			line, tab = tab[:i], tab[i+1:]
		} else {
			tab = nil
		}
		if first { // header
			first = false
			continue
		}
		// "Num: RefCount Protocol Flags Type St Inode [Path]"
		f := bytes.Fields(line)
		if len(f) < 7 {
			continue
		}
		ino, _ := atou(f[6])
		if ino != a && ino != b {
			continue
		}
		num, err := strconv.ParseUint(string(bytes.TrimSuffix(f[0], []byte(":"))), 16, 64)
		if err != nil {
			continue
		}
		if ino == a {
			ida = num
		}
		if ino == b && b != 0 {
			idb = num
		}
	}
	return ida, idb
}

// ppmFamily converts a socket family the way socket_family_to_scap does
// (known families keep their number, others become AF_UNSPEC).
func ppmFamily(f uint16) uint8 {
	if f <= 39 && f != 27 && f != 28 {
		return uint8(f)
	}
	return 0
}

// sockaddr writes a SOCKADDR parameter from the address at addr (len n),
// as pack_addr does; an unavailable or unsupported address is empty.
func (d *Decoder) sockaddr(addr uint64, n int64) {
	if addr == 0 || n <= 0 || n > int64(len(linux.Sockaddr{})) {
		d.enc.Empty()
		return
	}
	var buf [128]byte
	if d.mem.readFull(d.c.PID, addr, buf[:n]) != nil {
		d.enc.Empty()
		return
	}
	fam := binary.LittleEndian.Uint16(buf[:])
	m := d.enc.Start()
	b := d.enc.Buf()
	switch fam {
	case unix.AF_INET:
		*b = append(*b, ppmFamily(fam))
		*b = append(*b, buf[4:8]...)
		*b = binary.LittleEndian.AppendUint16(*b, binary.BigEndian.Uint16(buf[2:]))
	case unix.AF_INET6:
		*b = append(*b, ppmFamily(fam))
		*b = append(*b, buf[8:24]...)
		*b = binary.LittleEndian.AppendUint16(*b, binary.BigEndian.Uint16(buf[2:]))
	case unix.AF_UNIX:
		terminateSunPath(buf[:], int(n))
		*b = append(*b, ppmFamily(fam))
		*b = appendUnixPath(*b, buf[2:])
	}
	d.enc.End(m)
}

// terminateSunPath puts the NUL the driver adds after a user-supplied
// sockaddr_un, whose sun_path need not be terminated.
func terminateSunPath(buf []byte, n int) {
	if n >= len(buf) {
		buf[len(buf)-1] = 0
	} else {
		buf[n] = 0
	}
}

// appendUnixPath appends a sun_path as the driver writes it: abstract
// names (leading NUL) as "@name", cut to 107 bytes, NUL-terminated.
func appendUnixPath(b, path []byte) []byte {
	start := len(b)
	if len(path) > 0 && path[0] == 0 {
		b = append(b, '@')
		path = path[1:]
	}
	for _, c := range path {
		if c == 0 || len(b)-start >= 107 {
			break
		}
		b = append(b, c)
	}
	return append(b, 0)
}

// tupleUser writes the socket tuple of fd combined with a user-supplied
// address (connect, sendto, sendmsg: local -> address; recvfrom, recvmsg:
// address -> local).
func (d *Decoder) tupleUser(fd int, addr uint64, n int64, inbound bool) {
	if addr == 0 || n == 0 || n < 0 || n > 128 {
		d.enc.Empty()
		return
	}
	var ua [128]byte
	if d.mem.readFull(d.c.PID, addr, ua[:n]) != nil {
		d.enc.Empty()
		return
	}
	d.tuple(fd, ua[:], int(n), true, inbound)
}

// tupleAccept writes the tuple of a freshly accepted socket: peer -> local.
func (d *Decoder) tupleAccept(fd int) {
	d.tuple(fd, nil, 0, false, true)
}

// tuple is fd_to_socktuple: the socket's own family decides the layout;
// with user data the remote side comes from ua, otherwise from the peer.
func (d *Decoder) tuple(fd int, ua []byte, ulen int, useUser, inbound bool) {
	s := &d.sock
	local, remote, peerOK, ok := d.sockFacts(fd)
	dup := -1
	if !ok {
		if dup = s.dup(d.c.PID, fd); dup < 0 {
			d.enc.Empty()
			return
		}
		defer linux.Close(dup)
		if _, err := linux.Getsockname(dup, &s.sa); err != nil {
			d.enc.Empty()
			return
		}
		local = s.sa[:]
		if !useUser && binary.LittleEndian.Uint16(local) != unix.AF_UNIX {
			_, err := linux.Getpeername(dup, &s.pa)
			peerOK = err == nil
			remote = s.pa[:]
		}
	}
	fam := binary.LittleEndian.Uint16(local)
	if useUser {
		remote = ua
		peerOK = true
	}
	m := d.enc.Start()
	b := d.enc.Buf()
	switch fam {
	case unix.AF_INET:
		var rip [4]byte
		var rport uint16
		if peerOK {
			copy(rip[:], remote[4:8])
			rport = binary.BigEndian.Uint16(remote[2:])
		}
		lport := binary.BigEndian.Uint16(local[2:])
		*b = append(*b, ppmFamily(fam))
		if inbound {
			*b = append(*b, rip[:]...)
			*b = binary.LittleEndian.AppendUint16(*b, rport)
			*b = append(*b, local[4:8]...)
			*b = binary.LittleEndian.AppendUint16(*b, lport)
		} else {
			*b = append(*b, local[4:8]...)
			*b = binary.LittleEndian.AppendUint16(*b, lport)
			*b = append(*b, rip[:]...)
			*b = binary.LittleEndian.AppendUint16(*b, rport)
		}
	case unix.AF_INET6:
		var rip [16]byte
		var rport uint16
		if peerOK {
			copy(rip[:], remote[8:24])
			rport = binary.BigEndian.Uint16(remote[2:])
		}
		lport := binary.BigEndian.Uint16(local[2:])
		*b = append(*b, ppmFamily(fam))
		if inbound {
			*b = append(*b, rip[:]...)
			*b = binary.LittleEndian.AppendUint16(*b, rport)
			*b = append(*b, local[8:24]...)
			*b = binary.LittleEndian.AppendUint16(*b, lport)
		} else {
			*b = append(*b, local[8:24]...)
			*b = binary.LittleEndian.AppendUint16(*b, lport)
			*b = append(*b, rip[:]...)
			*b = binary.LittleEndian.AppendUint16(*b, rport)
		}
	case unix.AF_UNIX:
		// The driver writes the kernel addresses of the two unix_sock
		// structures. User space sees them, hashed, as the Num column
		// of /proc/net/unix, which is also what the capture header's
		// fd tables carry; inode numbers stand in when a socket is
		// missing from the table.
		var self, peer uint64
		if linux.Fstat(dup, &s.st) == nil {
			selfIno := s.st.Ino
			peerIno := s.unixPeerIno(selfIno)
			self, peer = s.unixIDs(d.c.PID, selfIno, peerIno)
		}
		*b = append(*b, ppmFamily(fam))
		if inbound {
			*b = binary.LittleEndian.AppendUint64(*b, self)
			*b = binary.LittleEndian.AppendUint64(*b, peer)
		} else {
			*b = binary.LittleEndian.AppendUint64(*b, peer)
			*b = binary.LittleEndian.AppendUint64(*b, self)
		}
		var name []byte
		switch {
		case useUser && !inbound:
			terminateSunPath(ua, ulen)
			name = ua[2:]
		case inbound:
			name = local[2:110]
		default:
			if _, err := linux.Getpeername(dup, &s.pa); err == nil {
				name = s.pa[2:110]
			}
		}
		*b = appendUnixPath(*b, name)
	default:
		// Other families have no tuple.
	}
	d.enc.End(m)
}

// sockFacts returns the names of socket fd from the call's facts when
// they hold them for an AF_INET or AF_INET6 socket (ok false otherwise:
// the socket is read from the process), each padded to the size of a
// sockaddr so that the tuple's fixed offsets can be read.
func (d *Decoder) sockFacts(fd int) (local, peer []byte, peerOK, ok bool) {
	f := d.c.Facts
	if f == nil || fd < 0 {
		return nil, nil, false, false
	}
	l, p, peerOK, ok := f.SockNames(fd)
	if !ok || len(l) < 2 {
		return nil, nil, false, false
	}
	if fam := binary.LittleEndian.Uint16(l); fam != unix.AF_INET && fam != unix.AF_INET6 {
		return nil, nil, false, false
	}
	s := &d.sock
	clear(s.sa[copy(s.sa[:], l):])
	clear(s.pa[copy(s.pa[:], p):])
	return s.sa[:], s.pa[:], peerOK, true
}

// backlogState caches the accept queue figures of the listening socket.
type backlogState struct {
	loaded        bool
	pct, len, max uint64
}

// loadBacklog reads the accept backlog of listening socket fd with
// TCP_INFO (tcpi_unacked is sk_ack_backlog and tcpi_sacked
// sk_max_ack_backlog for a socket in LISTEN state).
func (d *Decoder) loadBacklog(fd int) {
	bl := &d.blog
	if bl.loaded {
		return
	}
	bl.loaded = true
	bl.pct, bl.len, bl.max = 0, 0, 0
	dup := d.sock.dup(d.c.PID, fd)
	if dup < 0 {
		return
	}
	defer linux.Close(dup)
	ti := &d.sock.ti
	if linux.GetsockoptTCPInfo(dup, ti) != nil || ti.State != 10 { // TCP_LISTEN
		return
	}
	bl.len, bl.max = uint64(ti.Unacked), uint64(ti.Sacked)
	if bl.max != 0 {
		bl.pct = bl.len * 100 / bl.max
	}
}
