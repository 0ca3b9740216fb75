package field

import (
	"strconv"

	"xtrace/event"
	"xtrace/inspect"
)

// Getters of the fd class (sinsp_filter_check_fd).

// eventFD returns the fd an fd-related event works on: the event's fd, or
// the thread's last fd when the event itself has none. ok is false for
// events that do not create, use or destroy an fd, and for unknown
// threads; fd may still be nil.
func eventFD(e *inspect.Event) (fd *inspect.FD, ok bool) {
	_, fd, ok = e.FDInfo()
	return fd, ok
}

func isFile(fd *inspect.FD) bool { return fd.IsFile() }

func roleNone(fd *inspect.FD) bool { return fd.IsRoleNone() }

func l4proto(fd *inspect.FD) uint8 { return fd.Proto() }

// creatorName computes fd.name for an exit event whose fd is not in the
// table (sinsp's extract_fdname_from_creator); ok is false when there is
// none.
func (f *Field) creatorName(e *inspect.Event) bool {
	if !isExit(e) {
		return false
	}
	f.buf = f.buf[:0]
	switch {
	case nameFromParam1.has(e.Type):
		if e.NumParams() > 1 {
			f.renderParam(e, 1)
		}
	case nameFromDirfd.has(e.Type):
		i := e.ParamIndex("name")
		if i < 0 {
			// The old openat exit keeps its path on the enter event.
			return false
		}
		f.renderParam(e, i)
	}
	return true
}

// fdNameValue is the fd fd.name reads, nil when it must fall back to the
// creator name: also for a failed connect, whose fd still has its old
// name.
func (f *Field) fdNameValue(e *inspect.Event) (*inspect.FD, bool) {
	fd, ok := eventFD(e)
	if !ok {
		return nil, false
	}
	if fd != nil && connectExit.has(e.Type) {
		if res, ok := e.ParamInt(0); ok && res < 0 {
			fd = nil
		}
	}
	return fd, true
}

func getFdNum(f *Field, e *inspect.Event) bool {
	num, _, ok := e.FDInfo()
	return ok && f.setInt(num)
}

func getFdType(f *Field, e *inspect.Event) bool {
	s, ok := FdType(e)
	return ok && f.setString(s)
}

func getFdTypechar(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	if !ok {
		return false
	}
	c := creatorTypeChar(e.Type)
	if fd != nil {
		c = fd.TypeChar()
	}
	f.buf = append(f.buf[:0], c)
	return f.setBuf()
}

func getFdName(f *Field, e *inspect.Event) bool {
	s, ok := f.FdName(e)
	return ok && f.setString(s)
}

// sanitize drops the bytes outside 0x20-0x7e from fd names in output, as
// sysdig does; filters compare the names unchanged.
func (f *Field) sanitize(s string) string {
	if f.compare {
		return s
	}
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		clean = s[i] >= 0x20 && s[i] <= 0x7e
	}
	if clean {
		return s
	}
	f.san = f.san[:0]
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x20 && s[i] <= 0x7e {
			f.san = append(f.san, s[i])
		}
	}
	return bytesView(f.san)
}

// dirOf is fd.directory of a file path: everything before the last '/',
// "/" for top-level and relative names; a name ending in '/' stays.
func dirOf(name string) string {
	pos := -1
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			pos = i
			break
		}
	}
	if pos <= 0 {
		return "/"
	}
	if pos < len(name)-1 {
		return name[:pos]
	}
	return name
}

func getFdDirectory(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	if !ok {
		return false
	}
	if fd == nil {
		if !f.creatorName(e) {
			return false
		}
		return f.setString(dirOf(f.sanitize(bytesView(f.buf))))
	}
	switch {
	case isFile(fd):
		return f.setString(dirOf(f.sanitize(fd.Name)))
	case fd.Type == inspect.FDDirectory:
		return f.setString(f.sanitize(fd.Name))
	}
	return false
}

// baseOf is fd.filename of a path: what follows the last '/' (the whole
// name when there is none or it ends in '/').
func baseOf(name string) string {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			if i < len(name)-1 {
				return name[i+1:]
			}
			return name
		}
	}
	return name
}

func getFdFilename(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	if !ok {
		return false
	}
	if fd == nil {
		if !openEnter.has(e.Type) || !f.creatorName(e) {
			return false
		}
		return f.setString(baseOf(f.sanitize(bytesView(f.buf))))
	}
	if !isFile(fd) {
		return false
	}
	name := f.sanitize(fd.Name)
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			if i < len(name)-1 {
				return f.setString(name[i+1:])
			}
			return f.setString(name)
		}
	}
	return f.setString("/")
}

// ipOf returns an address of a socket fd as 4 or 16 bytes.
func ipOf(fd *inspect.FD, b *[16]byte) []byte {
	if fd.Type == inspect.FDIPv4Sock || fd.Type == inspect.FDIPv4Serv {
		return b[:4]
	}
	return b[:]
}

// getFdIp serves fd.ip in -p, where sysdig refuses it; filters compare
// it specially (either endpoint).
func getFdIp(f *Field, e *inspect.Event) bool { return false }

func getFdCip(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	if !ok || fd == nil || roleNone(fd) {
		return false
	}
	if fd.Type == inspect.FDIPv4Sock || fd.Type == inspect.FDIPv6Sock {
		return f.setIP(ipOf(fd, &fd.SIP))
	}
	return false
}

func getFdSip(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	if !ok || fd == nil || roleNone(fd) {
		return false
	}
	switch fd.Type {
	case inspect.FDIPv4Sock, inspect.FDIPv6Sock:
		return f.setIP(ipOf(fd, &fd.DIP))
	case inspect.FDIPv4Serv, inspect.FDIPv6Serv:
		return f.setIP(ipOf(fd, &fd.SIP))
	}
	return false
}

// isLocal reports whether an address of a socket fd belongs to this
// machine, as sinsp's is_ipv4addr/is_ipv6addr_in_local_machine decide it:
// for threads in a container, the container's IPv4 address (or, when it
// is not known, any container's); then the interfaces of the capture's IL
// block (IPv6: same first 64 bits). IPv6 addresses are never local to a
// container.
func isLocal(e *inspect.Event, fd *inspect.FD, ip *[16]byte) bool {
	in := e.Inspector()
	if in == nil {
		return false
	}
	v4 := fd.Type == inspect.FDIPv4Sock || fd.Type == inspect.FDIPv4Serv
	if t := e.Thread; t != nil && t.ContainerID != "" {
		if !v4 {
			return false
		}
		if c := in.Container(t.ContainerID); c != nil {
			if c.IP != 0 {
				if containerIP(c.IP) == string(ip[:4]) {
					return true
				}
			} else {
				found := false
				in.Containers(func(o *inspect.Container) bool {
					found = containerIP(o.IP) == string(ip[:4])
					return !found
				})
				if found {
					return true
				}
			}
		}
	}
	for i := range in.Interfaces {
		a := in.Interfaces[i].Addr
		if v4 && len(a) == 4 && string(a) == string(ip[:4]) {
			return true
		}
		if !v4 && len(a) == 16 && string(a[:8]) == string(ip[:8]) {
			return true
		}
	}
	return false
}

// containerIP returns a host-order IPv4 address as its 4 network-order
// bytes, in a string for comparison.
func containerIP(ip uint32) string {
	b := [4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}
	return string(b[:])
}

// localRemote returns the local and remote address and port of a
// connected socket, or false for other fds.
func localRemote(e *inspect.Event) (fd *inspect.FD, local bool, ok bool) {
	fd, ok = eventFD(e)
	if !ok || fd == nil || (fd.Type != inspect.FDIPv4Sock && fd.Type != inspect.FDIPv6Sock) || roleNone(fd) {
		return nil, false, false
	}
	return fd, isLocal(e, fd, &fd.SIP), true
}

func getFdLip(f *Field, e *inspect.Event) bool {
	fd, local, ok := localRemote(e)
	if !ok {
		return false
	}
	if local {
		return f.setIP(ipOf(fd, &fd.SIP))
	}
	return f.setIP(ipOf(fd, &fd.DIP))
}

func getFdRip(f *Field, e *inspect.Event) bool {
	fd, local, ok := localRemote(e)
	if !ok {
		return false
	}
	if local {
		return f.setIP(ipOf(fd, &fd.DIP))
	}
	return f.setIP(ipOf(fd, &fd.SIP))
}

// getFdPort serves fd.port in -p, where sysdig refuses it.
func getFdPort(f *Field, e *inspect.Event) bool { return false }

func getFdCport(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	if !ok || fd == nil || roleNone(fd) {
		return false
	}
	if fd.Type == inspect.FDIPv4Sock || fd.Type == inspect.FDIPv6Sock {
		return f.setUint(uint64(fd.SPort))
	}
	// sysdig falls through to fd.cproto's code here and reads the empty
	// string it builds as a port: 0.
	return f.setUint(0)
}

func getFdSport(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	if !ok || fd == nil {
		return false
	}
	switch fd.Type {
	case inspect.FDIPv4Sock, inspect.FDIPv6Sock:
		if roleNone(fd) {
			return false
		}
		return f.setUint(uint64(fd.DPort))
	case inspect.FDIPv4Serv, inspect.FDIPv6Serv:
		return f.setUint(uint64(fd.SPort))
	}
	return false
}

func getFdLport(f *Field, e *inspect.Event) bool {
	fd, local, ok := localRemote(e)
	if !ok {
		return false
	}
	if local {
		return f.setUint(uint64(fd.SPort))
	}
	return f.setUint(uint64(fd.DPort))
}

func getFdRport(f *Field, e *inspect.Event) bool {
	fd, local, ok := localRemote(e)
	if !ok {
		return false
	}
	if local {
		return f.setUint(uint64(fd.DPort))
	}
	return f.setUint(uint64(fd.SPort))
}

// protoText is fd.*proto: the port number as text (service names need -R,
// which xtrace does not resolve).
func (f *Field) protoText(port uint16) bool {
	f.buf = strconv.AppendUint(f.buf[:0], uint64(port), 10)
	return f.setBuf()
}

func getFdCproto(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	if !ok || fd == nil || roleNone(fd) {
		return false
	}
	if fd.Type == inspect.FDIPv4Sock || fd.Type == inspect.FDIPv6Sock {
		return f.protoText(fd.SPort)
	}
	return f.setString("")
}

func getFdSproto(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	if !ok || fd == nil {
		return false
	}
	switch fd.Type {
	case inspect.FDIPv4Sock, inspect.FDIPv6Sock:
		if roleNone(fd) {
			return false
		}
		return f.protoText(fd.DPort)
	case inspect.FDIPv4Serv, inspect.FDIPv6Serv:
		// sysdig only names the port of connected sockets.
		return f.setString("")
	}
	return false
}

func getFdLproto(f *Field, e *inspect.Event) bool {
	fd, local, ok := localRemote(e)
	if !ok {
		return false
	}
	if local {
		return f.protoText(fd.SPort)
	}
	return f.protoText(fd.DPort)
}

func getFdRproto(f *Field, e *inspect.Event) bool {
	fd, local, ok := localRemote(e)
	if !ok {
		return false
	}
	if local {
		return f.protoText(fd.DPort)
	}
	return f.protoText(fd.SPort)
}

func getFdProto(f *Field, e *inspect.Event) bool { return false }

func getFdL4Proto(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	return ok && fd != nil && f.setString(inspect.L4ProtoName(l4proto(fd)))
}

func getFdSockfamily(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	if !ok || fd == nil {
		return false
	}
	switch fd.Type {
	case inspect.FDIPv4Sock, inspect.FDIPv6Sock, inspect.FDIPv4Serv, inspect.FDIPv6Serv:
		return f.setString("ip")
	case inspect.FDUnixSock:
		return f.setString("unix")
	}
	return false
}

func getFdIsServer(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	if !ok || fd == nil {
		return false
	}
	switch fd.Type {
	case inspect.FDIPv4Serv, inspect.FDIPv6Serv:
		return f.setBool(true)
	case inspect.FDIPv4Sock, inspect.FDIPv6Sock:
		return f.setBool(isLocal(e, fd, &fd.DIP))
	}
	return f.setBool(false)
}

func getFdUid(f *Field, e *inspect.Event) bool {
	if _, ok := eventFD(e); !ok || e.Type == event.ContainerE || e.Type == event.Container2E {
		return false
	}
	f.buf = strconv.AppendInt(f.buf[:0], e.Thread.TID, 10)
	num, _, _ := e.FDInfo()
	f.buf = strconv.AppendInt(f.buf, num, 10)
	return f.setBuf()
}

func getFdContainername(f *Field, e *inspect.Event) bool {
	if !getFdName(f, e) {
		return false
	}
	name := f.val.Str
	if len(f.buf) > 0 && name == bytesView(f.buf) {
		f.res = append(f.res[:0], name...)
		name = bytesView(f.res)
	}
	f.buf = append(append(f.buf[:0], e.Thread.ContainerID...), ':')
	f.buf = append(f.buf, name...)
	return f.setBuf()
}

func getFdContainerdirectory(f *Field, e *inspect.Event) bool {
	if !getFdDirectory(f, e) {
		return false
	}
	f.res = append(f.res[:0], f.val.Str...)
	f.buf = append(append(f.buf[:0], e.Thread.ContainerID...), ':')
	f.buf = append(f.buf, f.res...)
	return f.setBuf()
}

func getFdConnected(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	return ok && fd != nil && f.setBool(fd.Flags&inspect.FDSocketConnected != 0)
}

func getFdNameChanged(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	return ok && fd != nil && f.setBool(nameChanged(e))
}

func getFdDev(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	return ok && fd != nil && f.setInt(int64(int32(fd.Dev)))
}

func getFdDevMajor(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	return ok && fd != nil && f.setInt(int64((fd.Dev&0xfff00)>>8))
}

func getFdDevMinor(f *Field, e *inspect.Event) bool {
	fd, ok := eventFD(e)
	return ok && fd != nil && f.setInt(int64((fd.Dev&0xff)|((fd.Dev>>12)&0xfff00)))
}

// getFdNet serves fd.net in -p, where sysdig refuses it; filters compare
// it specially (either endpoint).
func getFdNet(f *Field, e *inspect.Event) bool { return false }

// The network fields extract the address their comparison masks.
func getFdCnet(f *Field, e *inspect.Event) bool { return getFdCip(f, e) }
func getFdSnet(f *Field, e *inspect.Event) bool { return getFdSip(f, e) }
func getFdLnet(f *Field, e *inspect.Event) bool { return getFdLip(f, e) }
func getFdRnet(f *Field, e *inspect.Event) bool { return getFdRip(f, e) }
