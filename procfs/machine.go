package procfs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"xtrace/scap"
)

// machineInfo builds the MI block: online CPUs (as sysconf
// _SC_NPROCESSORS_ONLN counts them), physical memory, pid_max and the
// host name. scap leaves max_pid 0; we fill it.
func (fs *FS) machineInfo(sysRoot string) (*scap.MachineInfo, error) {
	mi := &scap.MachineInfo{}
	if b, err := os.ReadFile(sysRoot + "/devices/system/cpu/online"); err == nil {
		mi.NumCPUs = countCPUList(bytes.TrimSpace(b))
	}
	if mi.NumCPUs == 0 {
		if b, err := fs.readFile("stat"); err == nil {
			mi.NumCPUs = countStatCPUs(b)
		}
	}
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return nil, fmt.Errorf("procfs: reading machine info: %w", os.NewSyscallError("sysinfo", err))
	}
	mi.MemoryBytes = uint64(si.Totalram) * uint64(si.Unit)
	if b, err := fs.readFile("sys/kernel/pid_max"); err == nil {
		if v, ok := atou(trimSpace(b)); ok {
			mi.MaxPID = v
		}
	}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return nil, fmt.Errorf("procfs: reading machine info: %w", os.NewSyscallError("uname", err))
	}
	mi.Hostname = string(cstr(uts.Nodename[:]))
	return mi, nil
}

// countCPUList counts the CPUs of a list such as "0-3,8,10-11".
func countCPUList(b []byte) uint32 {
	var n uint32
	for len(b) > 0 {
		var item []byte
		if i := bytes.IndexByte(b, ','); i >= 0 {
			item, b = b[:i], b[i+1:]
		} else {
			item, b = b, nil
		}
		lo, hi := item, item
		if i := bytes.IndexByte(item, '-'); i >= 0 {
			lo, hi = item[:i], item[i+1:]
		}
		l, ok1 := atou(lo)
		h, ok2 := atou(hi)
		if ok1 && ok2 && h >= l {
			n += uint32(h - l + 1)
		}
	}
	return n
}

// countStatCPUs counts the "cpuN" lines of /proc/stat.
func countStatCPUs(b []byte) uint32 {
	var n uint32
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if len(line) > 3 && hasPrefix(line, "cpu") && line[3] >= '0' && line[3] <= '9' {
			n++
		}
	}
	return n
}

// interfaces lists the IPv4 then IPv6 addresses of every interface, with
// the values getifaddrs(3) gives scap: for IPv4 the broadcast field holds
// IFA_BROADCAST when the address has one and otherwise IFA_ADDRESS (the
// peer on point-to-point links, the address itself elsewhere, so lo shows
// 127.0.0.1); IPv6 entries have no broadcast. Unlike scap, the link speed
// is filled from sysRoot/class/net/NAME/speed when the driver reports one.
func interfaces(sysRoot string) ([]scap.Interface, error) {
	names, err := linkNames()
	if err != nil {
		return nil, err
	}
	rib, err := syscall.NetlinkRIB(unix.RTM_GETADDR, unix.AF_UNSPEC)
	if err != nil {
		return nil, fmt.Errorf("procfs: listing addresses: %w", os.NewSyscallError("netlink", err))
	}
	msgs, err := syscall.ParseNetlinkMessage(rib)
	if err != nil {
		return nil, fmt.Errorf("procfs: listing addresses: %w", err)
	}
	speeds := map[string]uint64{}
	speed := func(link string) uint64 {
		if s, ok := speeds[link]; ok {
			return s
		}
		var s uint64
		if b, err := os.ReadFile(sysRoot + "/class/net/" + link + "/speed"); err == nil {
			if v, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64); err == nil && v > 0 {
				s = uint64(v)
			}
		}
		speeds[link] = s
		return s
	}
	var v4, v6 []scap.Interface
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type != unix.RTM_NEWADDR || len(m.Data) < unix.SizeofIfAddrmsg {
			continue
		}
		fam := m.Data[0]
		plen := int(m.Data[1])
		index := binary.NativeEndian.Uint32(m.Data[4:8])
		alen := 4
		switch fam {
		case unix.AF_INET:
		case unix.AF_INET6:
			alen = 16
		default:
			continue
		}
		attrs, err := syscall.ParseNetlinkRouteAttr(m)
		if err != nil {
			continue
		}
		link := names[index]
		name := link
		var addr, bcast []byte
		for _, a := range attrs {
			if a.Attr.Type != unix.IFA_LABEL && len(a.Value) != alen {
				continue
			}
			switch a.Attr.Type {
			case unix.IFA_ADDRESS:
				if addr != nil {
					bcast = a.Value
				} else {
					addr = a.Value
				}
			case unix.IFA_LOCAL:
				if addr != nil {
					bcast = addr
				}
				addr = a.Value
			case unix.IFA_BROADCAST:
				bcast = a.Value
			case unix.IFA_LABEL:
				name = string(cstr(a.Value))
			}
		}
		if addr == nil {
			continue
		}
		itf := scap.Interface{
			Addr:      append([]byte(nil), addr...),
			Netmask:   prefixMask(plen, alen),
			Bcast:     make([]byte, alen),
			LinkSpeed: speed(link),
			Name:      name,
		}
		copy(itf.Bcast, bcast)
		if alen == 4 {
			itf.Type = scap.IfIPv4
			v4 = append(v4, itf)
		} else {
			itf.Type = scap.IfIPv6
			v6 = append(v6, itf)
		}
	}
	return append(v4, v6...), nil
}

// linkNames maps interface indexes to names.
func linkNames() (map[uint32]string, error) {
	rib, err := syscall.NetlinkRIB(unix.RTM_GETLINK, unix.AF_UNSPEC)
	if err != nil {
		return nil, fmt.Errorf("procfs: listing interfaces: %w", os.NewSyscallError("netlink", err))
	}
	msgs, err := syscall.ParseNetlinkMessage(rib)
	if err != nil {
		return nil, fmt.Errorf("procfs: listing interfaces: %w", err)
	}
	names := map[uint32]string{}
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type != unix.RTM_NEWLINK || len(m.Data) < unix.SizeofIfInfomsg {
			continue
		}
		index := binary.NativeEndian.Uint32(m.Data[4:8])
		attrs, err := syscall.ParseNetlinkRouteAttr(m)
		if err != nil {
			continue
		}
		for _, a := range attrs {
			if a.Attr.Type == unix.IFLA_IFNAME {
				names[index] = string(cstr(a.Value))
			}
		}
	}
	return names, nil
}

// prefixMask returns an alen-byte netmask with the first plen bits set.
func prefixMask(plen, alen int) []byte {
	m := make([]byte, alen)
	for i := 0; i < alen && plen > 0; i++ {
		if plen >= 8 {
			m[i] = 0xff
			plen -= 8
		} else {
			m[i] = byte(0xff << (8 - plen))
			plen = 0
		}
	}
	return m
}

// readUsers parses a passwd(5) file: users in file order. Lines that are
// empty, comments or NIS compat entries ("+", "-") and lines without
// numeric ids are skipped.
func readUsers(path string) ([]scap.User, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("procfs: reading users: %w", err)
	}
	var users []scap.User
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		var f [7][]byte
		if !splitColons(line, f[:]) {
			continue
		}
		uid, ok1 := atou(f[2])
		gid, ok2 := atou(f[3])
		if !ok1 || !ok2 || uid > 0xffffffff || gid > 0xffffffff {
			continue
		}
		users = append(users, scap.User{
			UID: uint32(uid), GID: uint32(gid),
			Name: string(f[0]), HomeDir: string(f[5]), Shell: string(f[6]),
		})
	}
	return users, nil
}

// readGroups parses a group(5) file, groups in file order.
func readGroups(path string) ([]scap.Group, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("procfs: reading groups: %w", err)
	}
	var groups []scap.Group
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		var f [4][]byte
		if !splitColons(line, f[:]) {
			continue
		}
		gid, ok := atou(f[2])
		if !ok || gid > 0xffffffff {
			continue
		}
		groups = append(groups, scap.Group{GID: uint32(gid), Name: string(f[0])})
	}
	return groups, nil
}

// splitColons splits a passwd or group line into exactly len(f) fields.
func splitColons(line []byte, f [][]byte) bool {
	line = bytes.TrimRight(line, "\r")
	if len(line) == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-' {
		return false
	}
	for i := range f {
		if i == len(f)-1 {
			if bytes.IndexByte(line, ':') >= 0 {
				return false
			}
			f[i] = line
			return true
		}
		j := bytes.IndexByte(line, ':')
		if j < 0 {
			return false
		}
		f[i], line = line[:j], line[j+1:]
	}
	return false
}
