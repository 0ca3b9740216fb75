package inspect

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"xtrace/scap"
)

// AppendIP appends a 4-byte address in dotted form or a 16-byte one as
// glibc's inet_ntop writes it (see appendIPv6); any other length is
// "<NA>".
func AppendIP(dst []byte, ip []byte) []byte {
	switch len(ip) {
	case 4:
		return appendIPv4(dst, binary.LittleEndian.Uint32(ip))
	case 16:
		return appendIPv6(dst, ip)
	}
	return append(dst, "<NA>"...)
}

// L4ProtoName is the name sysdig prints for a scap_l4_proto value
// (fd.l4proto, the thread table of chisels); "<NA>" for other values.
func L4ProtoName(p uint8) string {
	switch p {
	case L4TCP:
		return "tcp"
	case L4UDP:
		return "udp"
	case L4ICMP:
		return "icmp"
	case L4Raw:
		return "raw"
	}
	return "<NA>"
}

// appendIPv4 appends a.b.c.d for an address held as sinsp holds it: the
// network-order bytes read as a little-endian uint32.
func appendIPv4(dst []byte, ip uint32) []byte {
	dst = strconv.AppendUint(dst, uint64(ip&0xff), 10)
	dst = append(dst, '.')
	dst = strconv.AppendUint(dst, uint64(ip>>8&0xff), 10)
	dst = append(dst, '.')
	dst = strconv.AppendUint(dst, uint64(ip>>16&0xff), 10)
	dst = append(dst, '.')
	return strconv.AppendUint(dst, uint64(ip>>24), 10)
}

// appendIPv6 appends an IPv6 address the way glibc's inet_ntop writes it:
// lower-case hex, the first longest run of two or more zero groups as
// "::", and IPv4-compatible or IPv4-mapped addresses with a dotted tail.
func appendIPv6(dst []byte, ip []byte) []byte {
	var w [8]uint16
	for i := range w {
		w[i] = uint16(ip[2*i])<<8 | uint16(ip[2*i+1])
	}
	bestBase, bestLen, curBase, curLen := -1, 0, -1, 0
	for i := 0; i < 8; i++ {
		if w[i] == 0 {
			if curBase == -1 {
				curBase, curLen = i, 1
			} else {
				curLen++
			}
			continue
		}
		if curBase != -1 {
			if bestBase == -1 || curLen > bestLen {
				bestBase, bestLen = curBase, curLen
			}
			curBase = -1
		}
	}
	if curBase != -1 && (bestBase == -1 || curLen > bestLen) {
		bestBase, bestLen = curBase, curLen
	}
	if bestBase != -1 && bestLen < 2 {
		bestBase = -1
	}
	for i := 0; i < 8; i++ {
		if bestBase != -1 && i >= bestBase && i < bestBase+bestLen {
			if i == bestBase {
				dst = append(dst, ':')
			}
			continue
		}
		if i != 0 {
			dst = append(dst, ':')
		}
		if i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff)) {
			dst = appendIPv4(dst, binary.LittleEndian.Uint32(ip[12:16]))
			return dst
		}
		dst = strconv.AppendUint(dst, uint64(w[i]), 16)
	}
	if bestBase != -1 && bestBase+bestLen == 8 {
		dst = append(dst, ':')
	}
	return dst
}

// isIPv4Mapped is sinsp's is_ipv4_mapped_ipv6: ::ffff:a.b.c.d or the
// all-zero address.
func isIPv4Mapped(ip []byte) bool {
	if len(ip) < 16 {
		return false
	}
	for _, c := range ip[:10] {
		if c != 0 {
			return false
		}
	}
	if ip[10] == 0xff && ip[11] == 0xff {
		return true
	}
	for _, c := range ip[10:16] {
		if c != 0 {
			return false
		}
	}
	return true
}

// appendPort appends a port number, or its service name for the protocol
// when services lists one (sysdig -R).
func appendPort(dst []byte, port uint16, l4 uint8, services *Services) []byte {
	if name := services.Name(port, l4); name != "" {
		return append(dst, name...)
	}
	return strconv.AppendUint(dst, uint64(port), 10)
}

// appendIPv4Addr appends ip:port.
func appendIPv4Addr(dst []byte, ip uint32, port uint16, l4 uint8, resolve *Services) []byte {
	dst = appendIPv4(dst, ip)
	dst = append(dst, ':')
	return appendPort(dst, port, l4, resolve)
}

// appendIPv4Tuple appends sip:sport->dip:dport.
func appendIPv4Tuple(dst []byte, sip uint32, sport uint16, dip uint32, dport uint16, l4 uint8, resolve *Services) []byte {
	dst = appendIPv4Addr(dst, sip, sport, l4, resolve)
	dst = append(dst, "->"...)
	return appendIPv4Addr(dst, dip, dport, l4, resolve)
}

// appendIPv6Tuple appends sip:sport->dip:dport with IPv6 addresses.
func appendIPv6Tuple(dst []byte, sip []byte, sport uint16, dip []byte, dport uint16, l4 uint8, resolve *Services) []byte {
	dst = appendIPv6(dst, sip)
	dst = append(dst, ':')
	dst = appendPort(dst, sport, l4, resolve)
	dst = append(dst, "->"...)
	dst = appendIPv6(dst, dip)
	dst = append(dst, ':')
	return appendPort(dst, dport, l4, resolve)
}

// sockName renders an fd's socket union as sinsp's sockinfo_to_str does
// for IPv4 and IPv6 sockets.
func sockName(dst []byte, fd *FD, resolve *Services) []byte {
	u := &fd.sock
	switch fd.Type {
	case FDIPv4Sock:
		switch l4 := u[v4L4]; l4 {
		case L4TCP, L4UDP:
			return appendIPv4Tuple(dst, u.u32(v4SIP), u.u16(v4SPort), u.u32(v4DIP), u.u16(v4DPort), l4, resolve)
		case L4ICMP, L4Raw:
			dst = appendIPv4(dst, u.u32(v4SIP))
			dst = append(dst, "->"...)
			return appendIPv4(dst, u.u32(v4DIP))
		}
		return append(dst, "<unknown>"...)
	case FDIPv6Sock:
		sip, dip := u[v6SIP:v6SIP+16], u[v6DIP:v6DIP+16]
		switch l4 := u[v6L4]; l4 {
		case L4TCP, L4UDP:
			if isIPv4Mapped(sip) && isIPv4Mapped(dip) {
				// sinsp reads the ports and protocol through the IPv4
				// member of the union here.
				return appendIPv4Tuple(dst, binary.LittleEndian.Uint32(sip[12:]), u.u16(v4SPort),
					binary.LittleEndian.Uint32(dip[12:]), u.u16(v4DPort), u[v4L4], resolve)
			}
			return appendIPv6Tuple(dst, sip, u.u16(v6SPort), dip, u.u16(v6DPort), l4, resolve)
		case L4ICMP:
			if isIPv4Mapped(sip) && isIPv4Mapped(dip) {
				dst = appendIPv4(dst, binary.LittleEndian.Uint32(sip[12:]))
				dst = append(dst, "->"...)
				return appendIPv4(dst, binary.LittleEndian.Uint32(dip[12:]))
			}
			dst = appendIPv6(dst, sip)
			dst = append(dst, "->"...)
			return appendIPv6(dst, dip)
		}
		return append(dst, "<unknown>"...)
	}
	return dst
}

// fdName computes the name sinsp gives a socket fd loaded from an fd
// list (ipv4tuple_to_string and friends).
func fdListSockName(fd *FD, resolve *Services) string {
	u := &fd.sock
	var b []byte
	switch fd.Type {
	case FDIPv4Sock:
		b = appendIPv4Tuple(nil, u.u32(v4SIP), u.u16(v4SPort), u.u32(v4DIP), u.u16(v4DPort), u[v4L4], resolve)
	case FDIPv4Serv:
		b = appendIPv4Addr(nil, u.u32(s4IP), u.u16(s4Port), u[s4L4], resolve)
	case FDIPv6Sock:
		b = appendIPv6Tuple(nil, u[v6SIP:v6SIP+16], u.u16(v6SPort), u[v6DIP:v6DIP+16], u.u16(v6DPort), u[v6L4], resolve)
	case FDIPv6Serv:
		b = appendIPv6(nil, u[s6IP:s6IP+16])
		b = append(b, ':')
		b = appendPort(b, u.u16(s6Port), u[s6L4], resolve)
	}
	return string(b)
}

// Services is the port → service name table that sysdig -R resolves
// socket ports against (glibc's getservbyport over /etc/services). A nil
// *Services resolves nothing: ports print as numbers.
type Services struct {
	byKey map[serviceKey]string
}

// serviceKey is a port with the protocol it is listed for; proto 0 holds
// the first name listed for the port under any protocol.
type serviceKey struct {
	port  uint16
	proto uint8
}

// ParseServices reads a table in /etc/services syntax ("name port/proto
// aliases... # comment"). The first name listed for a port wins, as with
// getservbyport; lines that do not parse are skipped as glibc skips them.
func ParseServices(r io.Reader) (*Services, error) {
	s := &Services{byKey: map[serviceKey]string{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		portText, protoText, ok := strings.Cut(fields[1], "/")
		if !ok {
			continue
		}
		port, err := strconv.ParseUint(portText, 10, 16)
		if err != nil {
			continue
		}
		keys := []serviceKey{{uint16(port), 0}}
		switch protoText {
		case "tcp":
			keys = append(keys, serviceKey{uint16(port), L4TCP})
		case "udp":
			keys = append(keys, serviceKey{uint16(port), L4UDP})
		}
		for _, k := range keys {
			if _, dup := s.byKey[k]; !dup {
				s.byKey[k] = fields[0]
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("inspect: reading services table: %w", err)
	}
	return s, nil
}

// LoadServices reads the services table at path (normally
// /etc/services). A missing file gives an empty table, as getservbyport
// then finds nothing.
func LoadServices(path string) (*Services, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Services{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("inspect: services table: %w", err)
	}
	defer f.Close()
	s, err := ParseServices(f)
	if err != nil {
		return nil, fmt.Errorf("inspect: %s: %w", path, err)
	}
	return s, nil
}

// Name returns the service name listed for port under the protocol l4
// (L4TCP or L4UDP; any other value matches any protocol), or "".
func (s *Services) Name(port uint16, l4 uint8) string {
	if s == nil {
		return ""
	}
	if l4 != L4TCP && l4 != L4UDP {
		l4 = 0
	}
	return s.byKey[serviceKey{port, l4}]
}

// netInterfaces holds the capture's interface addresses (sinsp's
// sinsp_network_interfaces), used to complete socket tuples.
type netInterfaces struct {
	v4 []ipv4If
	v6 [][16]byte
}

type ipv4If struct{ addr, netmask uint32 }

const loopbackV4 = 0x0100007f

var loopbackV6 = [16]byte{15: 1}

func (n *netInterfaces) load(ifs []scap.Interface) {
	for i := range ifs {
		f := &ifs[i]
		switch f.Type {
		case scap.IfIPv4, scap.IfIPv4NoLinkSpeed:
			n.v4 = append(n.v4, ipv4If{addr: le32(f.Addr), netmask: le32(f.Netmask)})
		case scap.IfIPv6, scap.IfIPv6NoLinkSpeed:
			var a [16]byte
			copy(a[:], f.Addr)
			n.v6 = append(n.v6, a)
		}
	}
}

func (n *netInterfaces) inferV4(dst uint32) uint32 {
	for _, f := range n.v4 {
		if f.addr == dst {
			return f.addr
		}
	}
	for _, f := range n.v4 {
		if f.addr&f.netmask == dst&f.netmask {
			return f.addr
		}
	}
	for _, f := range n.v4 {
		if f.addr != loopbackV4 {
			return f.addr
		}
	}
	return 0
}

func (n *netInterfaces) inferV6(dst [16]byte) [16]byte {
	for _, a := range n.v6 {
		if a == dst {
			return a
		}
	}
	for _, a := range n.v6 {
		if [8]byte(a[:8]) == [8]byte(dst[:8]) {
			return a
		}
	}
	for _, a := range n.v6 {
		if a != loopbackV6 {
			return a
		}
	}
	return [16]byte{}
}

// updateFD fills a missing local or remote address of a socket from the
// interface list (sinsp's update_fd).
func (n *netInterfaces) updateFD(fd *FD) {
	u := &fd.sock
	switch fd.Type {
	case FDIPv4Sock:
		sip, dip := u.u32(v4SIP), u.u32(v4DIP)
		if sip != 0 && dip != 0 {
			return
		}
		if sip == 0 {
			na := n.inferV4(dip)
			if na == dip && u.u16(v4SPort) == u.u16(v4DPort) {
				return
			}
			u.put32(v4SIP, na)
		} else {
			na := n.inferV4(sip)
			if na == sip && u.u16(v4SPort) == u.u16(v4DPort) {
				return
			}
			u.put32(v4DIP, na)
		}
	case FDIPv6Sock:
		var sip, dip, zero [16]byte
		copy(sip[:], u[v6SIP:])
		copy(dip[:], u[v6DIP:])
		if sip != zero && dip != zero {
			return
		}
		if sip == zero {
			na := n.inferV6(dip)
			if na == dip && u.u16(v6SPort) == u.u16(v6DPort) {
				return
			}
			copy(u[v6SIP:], na[:])
		} else {
			na := n.inferV6(sip)
			if na == sip && u.u16(v6SPort) == u.u16(v6DPort) {
				return
			}
			copy(u[v6DIP:], na[:])
		}
	}
}
