package inspect

import (
	"encoding/binary"

	"xtrace/scap"
)

// tracerDevice is the file sysdig tracers write to.
const tracerDevice = "/dev/sysdig-events"

// addFDFromProc adds an fd-list entry to t (sinsp_threadinfo's
// add_fd_from_scap), recording listening ports for fixSocketsFromProc.
//
// sinsp fills one scratch fd per thread and copies it into the table, and
// never clears its socket union or device between entries: bytes a
// previous entry wrote show through where the next one writes less (a
// UDP server socket turned into a tuple later reads them as part of its
// remote address). scratch carries that residue.
func (in *Inspector) addFDFromProc(t *Thread, s *scap.FD, scratch *FD) {
	fd := scratch
	fd.Type = FDType(s.Type)
	fd.Flags = FDFromProc
	fd.OpenFlags = 0
	fd.Ino = s.Ino
	fd.Name = ""
	fd.syslogCB, fd.hasCallbacks = 0, false
	u := &fd.sock
	ip4 := func(b []byte) uint32 { return le32(b) }
	switch fd.Type {
	case FDIPv4Sock:
		u.put32(v4SIP, ip4(s.SIP))
		u.put32(v4DIP, ip4(s.DIP))
		u.put16(v4SPort, s.SPort)
		u.put16(v4DPort, s.DPort)
		u[v4L4] = s.L4Proto
		if s.L4Proto == L4TCP {
			fd.Flags |= FDSocketConnected
		}
		fd.Name = fdListSockName(fd, in.resolvePorts)
	case FDIPv4Serv:
		u.put32(s4IP, ip4(s.SIP))
		u.put16(s4Port, s.SPort)
		u[s4L4] = s.L4Proto
		fd.Name = fdListSockName(fd, in.resolvePorts)
		in.serverPorts[s.SPort] = true
	case FDIPv6Sock:
		var sip, dip [16]byte
		copy(sip[:], s.SIP)
		copy(dip[:], s.DIP)
		if isIPv4Mapped(sip[:]) && isIPv4Mapped(dip[:]) {
			fd.Type = FDIPv4Sock
			u.put32(v4SIP, binary.LittleEndian.Uint32(sip[12:]))
			u.put32(v4DIP, binary.LittleEndian.Uint32(dip[12:]))
			u.put16(v4SPort, s.SPort)
			u.put16(v4DPort, s.DPort)
			u[v4L4] = s.L4Proto
		} else {
			copy(u[v6SIP:], sip[:])
			copy(u[v6DIP:], dip[:])
			u.put16(v6SPort, s.SPort)
			u.put16(v6DPort, s.DPort)
			u[v6L4] = s.L4Proto
		}
		if s.L4Proto == L4TCP {
			fd.Flags |= FDSocketConnected
		}
		fd.Name = fdListSockName(fd, in.resolvePorts)
	case FDIPv6Serv:
		copy(u[s6IP:s6IP+16], s.SIP)
		u.put16(s6Port, s.SPort)
		u[s6L4] = s.L4Proto
		fd.Name = fdListSockName(fd, in.resolvePorts)
		in.serverPorts[s.SPort] = true
	case FDUnixSock:
		u.put64(unixSrc, s.Source)
		u.put64(unixDst, s.Dest)
		fd.Name = s.Name
		if fd.Name == "" {
			fd.setRoleClient()
		} else {
			fd.setRoleServer()
		}
	case FDFileV2:
		fd.OpenFlags = s.OpenFlags
		fd.Name = s.Name
		fd.Dev = s.Dev
		fd.markTracer()
	case FDFIFO, FDFile, FDDirectory, FDUnsupported, FDSignalFD, FDEventPoll,
		FDEvent, FDInotify, FDTimerFD, FDNetlink:
		fd.Name = s.Name
		fd.markTracer()
	default:
		return
	}
	fd.sync()
	syslogWatch(fd)
	t.fdtable.add(s.Num, fd)
}

func (fd *FD) markTracer() {
	if fd.Name == tracerDevice {
		fd.Flags |= FDTracerFile
	} else {
		fd.Flags |= FDNotTracer
	}
}

// fixSocketsFromProc orients the IPv4 sockets of the fd lists: a socket
// whose local port is a listening port becomes a server socket with its
// tuple turned remote→local, every other one a client socket.
func (in *Inspector) fixSocketsFromProc() {
	for t := range in.threads.all {
		for fd := range t.fdtable.fds.all {
			if fd.Type != FDIPv4Sock {
				continue
			}
			u := &fd.sock
			if in.serverPorts[u.u16(v4SPort)] {
				sip, sport := u.u32(v4SIP), u.u16(v4SPort)
				u.put32(v4SIP, u.u32(v4DIP))
				u.put16(v4SPort, u.u16(v4DPort))
				u.put32(v4DIP, sip)
				u.put16(v4DPort, sport)
				fd.Name = fdListSockName(fd, in.resolvePorts)
				fd.setRoleServer()
			} else {
				fd.setRoleClient()
			}
			fd.sync()
		}
	}
}
