package chisel

import (
	"sort"
	"strconv"

	"github.com/dop251/goja"

	"xtrace/inspect"
)

// threadTable is sysdig.getThreadTable(filter, {fds, barebone}): an array
// of the threads in the state table, by tid, each with its fds by number.
//
// filter (optional) is a thread-table filter: only proc.*, thread.*, fd.*,
// user.*, group.* and a few time fields; it keeps the fds that match and
// the threads that have at least one. Options: fds (default true) includes
// the fd lists, barebone (default false) keeps only tid, pid, fds and the
// sockets' addresses.
func (rt *runtime) threadTable(c goja.FunctionCall) goja.Value {
	vm := rt.vm
	if rt.host == nil || rt.host.in == nil {
		return vm.NewArray()
	}
	var match func(*inspect.Event) bool
	if a := c.Argument(0); !isNullish(a) && a.String() != "" {
		m, err := compileThreadFilter(a.String(), rt.fieldOptions())
		if err != nil {
			rt.throwAPI("invalid filter argument for get_thread_table in chisel %s: %s", rt.src.name, err.Error())
		}
		match = m
	}
	withFDs, barebone := true, false
	if o, ok := c.Argument(1).(*goja.Object); ok {
		if v := o.Get("fds"); !isNullish(v) {
			withFDs = v.ToBoolean()
		}
		if v := o.Get("barebone"); !isNullish(v) {
			barebone = v.ToBoolean()
		}
	}
	in := rt.host.in
	var threads []*inspect.Thread
	eachThread(in, func(t *inspect.Thread) { threads = append(threads, t) })
	sort.Slice(threads, func(i, j int) bool { return threads[i].TID < threads[j].TID })

	probe := newThreadProbe(in, rt.host.lastTS)
	var out []any
	for _, t := range threads {
		fds := threadFDs(t)
		if match != nil {
			any := false
			for _, fd := range fds {
				if probe.match(t, fd, match) {
					any = true
					break
				}
			}
			if !any {
				continue
			}
		}
		o := vm.NewObject()
		set := func(k string, v any) { must(o.Set(k, v)) }
		set("tid", uint32(t.TID))
		set("pid", uint32(t.PID))
		if !barebone {
			set("ptid", uint32(t.PTID))
			set("comm", byteString(vm, t.Comm))
			set("exe", byteString(vm, t.Exe))
			set("flags", t.Flags)
			set("fdLimit", uint32(t.FDLimit))
			set("uid", t.UID)
			set("gid", t.GID)
			set("nChilds", uint32(threadChildren(t)))
			set("vmSizeKb", t.VMSizeKB)
			set("vmRssKb", t.VMRSSKB)
			set("vmSwapKb", t.VMSwapKB)
			set("pfMajor", uint32(t.PFMajor))
			set("pfMinor", uint32(t.PFMinor))
			set("cloneTs", strconv.FormatUint(t.CloneTS, 10))
			set("username", byteString(vm, userName(in, t.UID)))
			set("args", stringArray(vm, t.Args))
			set("env", stringArray(vm, threadEnv(t)))
		}
		list := []any{}
		if withFDs {
			for _, fd := range fds {
				if match != nil && !probe.match(t, fd, match) {
					continue
				}
				list = append(list, rt.fdObject(fd, barebone))
			}
		}
		set("fds", vm.NewArray(list...))
		out = append(out, o)
	}
	return vm.NewArray(out...)
}

// fdObject describes one fd for the thread table.
func (rt *runtime) fdObject(fd *inspect.FD, barebone bool) *goja.Object {
	vm := rt.vm
	o := vm.NewObject()
	set := func(k string, v any) { must(o.Set(k, v)) }
	set("num", fd.Num)
	if !barebone {
		set("name", byteString(vm, sanitize(fd.Name)))
		set("type", fd.Type.String())
	}
	if s, ok := socketInfo(fd); ok {
		if s.client {
			set("cip", s.cip)
			set("cport", s.cport)
		}
		set("sip", s.sip)
		set("sport", s.sport)
		set("isServer", s.server)
		set("l4proto", s.l4)
	}
	return o
}

// sanitize keeps the printable ASCII bytes of an fd name, as sinsp's
// tostring_clean does.
func sanitize(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			b := make([]byte, 0, len(s))
			for j := 0; j < len(s); j++ {
				if s[j] >= 0x20 && s[j] <= 0x7e {
					b = append(b, s[j])
				}
			}
			return string(b)
		}
	}
	return s
}

// userName is the thread-table username: the capture's user list entry,
// or <NA>.
func userName(in *inspect.Inspector, uid uint32) string {
	if uid == 0xffffffff {
		return "<NA>"
	}
	if u := in.User(uid); u != nil {
		return u.Name
	}
	return "<NA>"
}

func stringArray(vm *goja.Runtime, ss []string) *goja.Object {
	vals := make([]any, len(ss))
	for i, s := range ss {
		vals[i] = byteString(vm, s)
	}
	return vm.NewArray(vals...)
}

// sockInfo is what the thread table shows of a socket fd.
type sockInfo struct {
	client       bool // a connected (non-server) socket: cip/cport present
	sip, cip     string
	sport, cport uint16
	server       bool
	l4           string
}

// socketInfo reads an IPv4/IPv6 socket fd the way get_thread_table does:
// for a connected socket the client is the tuple's source and the server
// its destination.
func socketInfo(fd *inspect.FD) (sockInfo, bool) {
	var s sockInfo
	switch fd.Type {
	case inspect.FDIPv4Sock:
		s.client = true
		s.cip, s.sip = ipString(fd.SIP[:4]), ipString(fd.DIP[:4])
		s.cport, s.sport = fd.SPort, fd.DPort
		s.server = fd.IsRoleServer()
	case inspect.FDIPv4Serv:
		s.sip, s.sport, s.server = ipString(fd.SIP[:4]), fd.SPort, true
	case inspect.FDIPv6Sock:
		s.client = true
		s.cip, s.sip = ipString(fd.SIP[:]), ipString(fd.DIP[:])
		s.cport, s.sport = fd.SPort, fd.DPort
		s.server = fd.IsRoleServer()
	case inspect.FDIPv6Serv:
		s.sip, s.sport, s.server = ipString(fd.SIP[:]), fd.SPort, true
	default:
		return s, false
	}
	s.l4 = inspect.L4ProtoName(fd.Proto())
	return s, true
}
