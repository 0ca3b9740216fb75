package scap

import (
	"encoding/binary"
	"fmt"
)

// Limits libscap enforces on metadata strings.
const (
	maxPathLen    = 1024 // comm, exe, exepath, cwd, root (length must be <= this)
	maxArgsLen    = 4096 // args, env, cgroups
	maxCredLen    = 256  // user and group strings (length must be < this)
	maxFDNameLen  = 1024 // fd names (length must be < this)
	machineInfoSz = 180
)

// cursor decodes little-endian fields from a block body and remembers the
// first overrun.
type cursor struct {
	b   []byte
	off int
	err string
}

func (c *cursor) fail(msg string) {
	if c.err == "" {
		c.err = msg
	}
}

func (c *cursor) take(n int, what string) []byte {
	if c.err != "" {
		return nil
	}
	if n < 0 || c.off+n > len(c.b) {
		c.fail(fmt.Sprintf("%s runs past the end of the block", what))
		return nil
	}
	p := c.b[c.off : c.off+n]
	c.off += n
	return p
}

func (c *cursor) u8(what string) uint8 {
	if p := c.take(1, what); p != nil {
		return p[0]
	}
	return 0
}

func (c *cursor) u16(what string) uint16 {
	if p := c.take(2, what); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (c *cursor) u32(what string) uint32 {
	if p := c.take(4, what); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (c *cursor) u64(what string) uint64 {
	if p := c.take(8, what); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// str reads a u16-length string; limit is the largest accepted length and
// strict makes the limit exclusive.
func (c *cursor) str(what string, limit int, exclusive bool) string {
	n := int(c.u16(what + " length"))
	if c.err != "" {
		return ""
	}
	if n > limit || (exclusive && n == limit) {
		c.fail(fmt.Sprintf("invalid %s length %d", what, n))
		return ""
	}
	return string(c.take(n, what))
}

func (c *cursor) ip(n int, what string) []byte {
	p := c.take(n, what)
	if p == nil {
		return nil
	}
	return append([]byte(nil), p...)
}

func parseMachineInfo(body []byte) (*MachineInfo, string) {
	if len(body) < machineInfoSz {
		return nil, fmt.Sprintf("machine info needs %d bytes, block has %d", machineInfoSz, len(body))
	}
	c := cursor{b: body}
	mi := &MachineInfo{}
	mi.NumCPUs = c.u32("num_cpus")
	mi.MemoryBytes = c.u64("memory")
	mi.MaxPID = c.u64("max_pid")
	host := c.take(128, "hostname")
	for i, ch := range host {
		if ch == 0 {
			host = host[:i]
			break
		}
	}
	mi.Hostname = string(host)
	for i := range mi.Reserved {
		mi.Reserved[i] = c.u64("reserved")
	}
	return mi, c.err
}

// parseProcs decodes the entries of a PL block of the given type.
func parseProcs(body []byte, typ uint32, procs []Proc) ([]Proc, string) {
	ver := plVersion(typ)
	c := cursor{b: body}
	for len(c.b)-c.off >= 4 && c.err == "" {
		start := c.off
		p := Proc{SID: -1, VPGID: -1, VTID: -1, VPID: -1, LoginUID: -1}
		var entryLen int
		if ver == 9 {
			entryLen = int(c.u32("entry length"))
		}
		p.TID = int64(c.u64("tid"))
		p.PID = int64(c.u64("pid"))
		p.PTID = int64(c.u64("ptid"))
		if ver >= 6 {
			p.SID = int64(c.u64("sid"))
		}
		if ver >= 8 {
			p.VPGID = int64(c.u64("vpgid"))
		}
		p.Comm = c.str("comm", maxPathLen, false)
		p.Exe = c.str("exe", maxPathLen, false)
		if ver >= 7 {
			p.ExePath = c.str("exepath", maxPathLen, false)
		}
		p.Args = c.str("args", maxArgsLen, false)
		p.Cwd = c.str("cwd", maxPathLen, false)
		p.FDLimit = int64(c.u64("fdlimit"))
		p.Flags = c.u32("flags")
		p.UID = c.u32("uid")
		p.GID = c.u32("gid")
		if ver >= 2 {
			p.VMSizeKB = c.u32("vmsize")
			p.VMRSSKB = c.u32("vmrss")
			p.VMSwapKB = c.u32("vmswap")
			p.PFMajor = c.u64("pfmajor")
			p.PFMinor = c.u64("pfminor")
			if ver >= 3 {
				p.Env = c.str("env", maxArgsLen, false)
			}
			if ver >= 4 {
				p.VTID = int64(c.u64("vtid"))
				p.VPID = int64(c.u64("vpid"))
				p.Cgroups = c.str("cgroups", maxArgsLen, false)
				if ver >= 5 {
					p.Root = c.str("root", maxPathLen, false)
				}
			}
		}
		if entryLen > 0 {
			read := c.off - start
			if read+4 <= entryLen {
				p.LoginUID = int32(c.u32("loginuid"))
				read += 4
			}
			if read+1 <= entryLen {
				p.ExeWritable = c.u8("exe_writable") != 0
				read++
			}
			if read > entryLen {
				c.fail(fmt.Sprintf("process entry of tid %d has length %d but needs %d bytes", p.TID, entryLen, read))
				break
			}
			c.take(entryLen-read, "process entry")
		}
		if c.err != "" {
			break
		}
		procs = append(procs, p)
	}
	return procs, c.err
}

func plVersion(typ uint32) int {
	switch typ {
	case BlockPLv1, BlockPLv1Int:
		return 1
	case BlockPLv2, BlockPLv2Int:
		return 2
	case BlockPLv3, BlockPLv3Int:
		return 3
	case BlockPLv4:
		return 4
	case BlockPLv5:
		return 5
	case BlockPLv6:
		return 6
	case BlockPLv7:
		return 7
	case BlockPLv8:
		return 8
	case BlockPLv9:
		return 9
	}
	return 0
}

// parseFDList decodes an FDL block.
func parseFDList(body []byte, typ uint32) (FDList, string) {
	c := cursor{b: body}
	l := FDList{TID: c.u64("tid")}
	v2 := typ == BlockFDLv2
	for len(c.b)-c.off >= 4 && c.err == "" {
		start := c.off
		var entryLen int
		if v2 {
			entryLen = int(c.u32("entry length"))
		}
		fd := FD{Num: int64(c.u64("fd")), Ino: c.u64("ino"), Type: c.u8("fd type")}
		switch fd.Type {
		case FDIPv4Sock:
			fd.SIP = c.ip(4, "sip")
			fd.DIP = c.ip(4, "dip")
			fd.SPort = c.u16("sport")
			fd.DPort = c.u16("dport")
			fd.L4Proto = c.u8("l4proto")
		case FDIPv4Serv:
			fd.SIP = c.ip(4, "ip")
			fd.SPort = c.u16("port")
			fd.L4Proto = c.u8("l4proto")
		case FDIPv6Sock:
			fd.SIP = c.ip(16, "sip")
			fd.DIP = c.ip(16, "dip")
			fd.SPort = c.u16("sport")
			fd.DPort = c.u16("dport")
			fd.L4Proto = c.u8("l4proto")
		case FDIPv6Serv:
			fd.SIP = c.ip(16, "ip")
			fd.SPort = c.u16("port")
			fd.L4Proto = c.u8("l4proto")
		case FDUnixSock:
			fd.Source = c.u64("source")
			fd.Dest = c.u64("dest")
			fd.Name = c.str("fd name", maxFDNameLen, true)
		case FDFileV2:
			fd.OpenFlags = c.u32("open flags")
			fd.Name = c.str("fd name", maxFDNameLen, true)
			if entryLen > 0 && entryLen >= c.off-start+4 {
				fd.Dev = c.u32("dev")
			}
		case FDFIFO, FDFile, FDDirectory, FDUnsupported, FDEvent, FDSignalFD,
			FDEventPoll, FDInotify, FDTimerFD, FDNetlink:
			fd.Name = c.str("fd name", maxFDNameLen, true)
		case FDUnknown:
		default:
			c.fail(fmt.Sprintf("fd %d has unknown type %d", fd.Num, fd.Type))
		}
		if c.err != "" {
			break
		}
		if entryLen > 0 {
			read := c.off - start
			if read > entryLen {
				c.fail(fmt.Sprintf("fd entry %d has length %d but needs %d bytes", fd.Num, entryLen, read))
				break
			}
			c.take(entryLen-read, "fd entry")
		}
		l.FDs = append(l.FDs, fd)
	}
	return l, c.err
}

// parseInterfaces decodes an IL block.
func parseInterfaces(body []byte, typ uint32) ([]Interface, string) {
	c := cursor{b: body}
	var out []Interface
	v2 := typ == BlockILv2
	for len(c.b)-c.off >= 4 && c.err == "" {
		start := c.off
		entrySize := -1
		if v2 {
			entrySize = int(c.u32("entry length")) + 4
		}
		ifType := c.u16("interface type")
		nameLen := int(c.u16("interface name length"))
		var alen int
		linkSpeed := true
		switch ifType {
		case IfIPv4:
			alen = 4
		case IfIPv6:
			alen = 16
		case IfIPv4NoLinkSpeed:
			alen, linkSpeed = 4, false
		case IfIPv6NoLinkSpeed:
			alen, linkSpeed = 16, false
		default:
			c.fail(fmt.Sprintf("unknown interface type %d", ifType))
			return out, c.err
		}
		if !v2 {
			entrySize = 4 + 3*alen + nameLen
			if linkSpeed {
				entrySize += 8
			}
		}
		if len(c.b)-start < entrySize {
			c.fail(fmt.Sprintf("corrupted interface list: entry of %d bytes, %d left", entrySize, len(c.b)-start))
			return out, c.err
		}
		itf := Interface{Type: ifType}
		if ifType == IfIPv4NoLinkSpeed {
			itf.Type = IfIPv4
		} else if ifType == IfIPv6NoLinkSpeed {
			itf.Type = IfIPv6
		}
		itf.Addr = c.ip(alen, "address")
		itf.Netmask = c.ip(alen, "netmask")
		itf.Bcast = c.ip(alen, "broadcast")
		if linkSpeed {
			itf.LinkSpeed = c.u64("link speed")
		}
		itf.Name = string(c.take(nameLen, "interface name"))
		if c.err != "" {
			break
		}
		if c.off-start > entrySize {
			c.fail("interface entry longer than its length")
			break
		}
		c.off = start + entrySize
		out = append(out, itf)
	}
	return out, c.err
}

// parseUsers decodes a UL block.
func parseUsers(body []byte, typ uint32, users []User, groups []Group) ([]User, []Group, string) {
	c := cursor{b: body}
	v2 := typ == BlockULv2
	for len(c.b)-c.off >= 4 && c.err == "" {
		start := c.off
		var entryLen int
		if v2 {
			entryLen = int(c.u32("entry length"))
		}
		kind := c.u8("entry kind")
		if kind == 0 {
			u := User{UID: c.u32("uid"), GID: c.u32("gid")}
			u.Name = c.str("user name", maxCredLen, true)
			u.HomeDir = c.str("user homedir", maxCredLen, true)
			u.Shell = c.str("user shell", maxCredLen, true)
			if c.err == "" {
				users = append(users, u)
			}
		} else {
			g := Group{GID: c.u32("gid")}
			g.Name = c.str("group name", maxCredLen, true)
			if c.err == "" {
				groups = append(groups, g)
			}
		}
		if c.err != "" {
			break
		}
		if entryLen > 0 {
			read := c.off - start
			if read > entryLen {
				c.fail(fmt.Sprintf("user entry has length %d but needs %d bytes", entryLen, read))
				break
			}
			c.take(entryLen-read, "user entry")
		}
	}
	return users, groups, c.err
}
