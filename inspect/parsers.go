package inspect

import (
	"encoding/binary"
	"strings"

	"xtrace/event"
)

// handler is what the state engine does for one event type: sinsp's
// process_event switch, as data.
type handler struct {
	// parse runs the type's state parser.
	parse func(*Inspector, *Event)
	// store keeps a copy of the enter event for the exit's parser.
	store bool
	// inferSendto creates a missing socket for sendto before storing.
	inferSendto bool
}

// handlers maps every event type to its handler, built from the event
// table's Parser and Facts columns (event/tables/event_facts.tsv).
var handlers = buildHandlers()

// parsers maps each parser of the event table to its function.
var parsers = [event.NumParsers]func(*Inspector, *Event){
	event.ParserRWExit:         parseRWExit,
	event.ParserOpenExit:       parseOpenExit,
	event.ParserWaitEnter:      parseWaitEnter,
	event.ParserCloneExit:      parseCloneExit,
	event.ParserExecveExit:     parseExecveExit,
	event.ParserThreadExit:     parseThreadExit,
	event.ParserPipeExit:       parsePipeExit,
	event.ParserSocketExit:     parseSocketExit,
	event.ParserBindExit:       parseBindExit,
	event.ParserConnectEnter:   parseConnectEnter,
	event.ParserConnectExit:    parseConnectExit,
	event.ParserAcceptExit:     parseAcceptExit,
	event.ParserCloseEnter:     parseCloseEnter,
	event.ParserCloseExit:      parseCloseExit,
	event.ParserFcntlEnter:     parseFcntlEnter,
	event.ParserFcntlExit:      parseFcntlExit,
	event.ParserNewFD:          nil, // per type: newFDParser of the enter's FDKind
	event.ParserChdirExit:      parseChdirExit,
	event.ParserFchdirExit:     parseFchdirExit,
	event.ParserDupExit:        parseDupExit,
	event.ParserRlimitExit:     parseRlimitExit,
	event.ParserPrlimitExit:    parsePrlimitExit,
	event.ParserSocketpairExit: parseSocketpairExit,
	event.ParserContextSwitch:  parseContextSwitch,
	event.ParserMemExit:        parseMemExit,
	event.ParserSetresuidExit:  newIDParser(1, true, false),
	event.ParserSetresgidExit:  newIDParser(1, true, true),
	event.ParserSetuidExit:     newIDParser(0, false, false),
	event.ParserSetgidExit:     newIDParser(0, false, true),
	event.ParserContainer:      parseContainerEvt,
	event.ParserContainerJSON:  parseContainerJSON,
	event.ParserChrootExit:     parseChrootExit,
	event.ParserSetsidExit:     parseSetsidExit,
	event.ParserGetsockoptExit: parseGetsockoptExit,
}

// fdTypeOfKind maps an fd.typechar of the event table (Desc.FDKind) to
// the fd type a new-fd parser stores.
func fdTypeOfKind(c byte) FDType {
	switch c {
	case 'f':
		return FDFileV2
	case 'd':
		return FDDirectory
	case 'p':
		return FDFIFO
	case 'e':
		return FDEvent
	case 's':
		return FDSignalFD
	case 'l':
		return FDEventPoll
	case 'i':
		return FDInotify
	case 't':
		return FDTimerFD
	case 'n':
		return FDNetlink
	}
	return FDUnsupported
}

// cloneExits marks the clone-family exits, for which sinsp does not
// create a missing caller thread on the fly.
var cloneExits = func() (cs [event.NumTypes]bool) {
	for t := event.Type(0); t < event.NumTypes; t++ {
		cs[t] = event.Info(t).Parser == event.ParserCloneExit
	}
	return cs
}()

// resFirst marks the event types whose first parameter is called "res"
// or "fd": a negative value there is the errno of a failed exit.
var resFirst = func() (rs [event.NumTypes]bool) {
	for t := event.Type(0); t < event.NumTypes; t++ {
		if d := event.Info(t); d != nil && len(d.Params) > 0 {
			rs[t] = d.Params[0].Name == "res" || d.Params[0].Name == "fd"
		}
	}
	return rs
}()

func buildHandlers() (hs [event.NumTypes]handler) {
	for t := event.Type(0); t < event.NumTypes; t++ {
		d := event.Info(t)
		h := handler{
			parse:       parsers[d.Parser],
			store:       d.Has(event.FactStore),
			inferSendto: d.Has(event.FactInferSendto),
		}
		if d.Parser == event.ParserNewFD {
			h.parse = newFDParser(fdTypeOfKind(event.Info(t &^ 1).FDKind))
		}
		hs[t] = h
	}
	return hs
}

// layout holds the indices (-1: absent) of the parameters the process,
// open and socket parsers read, found by name in the event table. sinsp
// hard-codes the same indices per event version.
type layout struct {
	exe, args, pid, ptid, fdlimit                 int8
	pfMaj, pfMin, vmSize, vmRSS, vmSwap           int8
	comm, cgroups, env, tty, flags, uid, gid      int8
	vtid, vpid, pgid, loginuid                    int8
	name, dirfd, dev, tuple                       int8
	enterName, enterFlags, enterDirfd, enterTuple int8
	enterFilename, enterPathname, enterExecFlags  int8
}

var layouts = buildLayouts()

func buildLayouts() (ls [event.NumTypes]layout) {
	for t := event.Type(0); t < event.NumTypes; t++ {
		d := event.Info(t)
		idx := func(d *event.Desc, name string) int8 {
			if d == nil {
				return -1
			}
			for i := range d.Params {
				if d.Params[i].Name == name {
					return int8(i)
				}
			}
			return -1
		}
		var enter *event.Desc
		if t > 0 && d.Dir == event.Exit {
			enter = event.Info(t - 1)
		}
		ls[t] = layout{
			exe: idx(d, "exe"), args: idx(d, "args"), pid: idx(d, "pid"), ptid: idx(d, "ptid"),
			fdlimit: idx(d, "fdlimit"), pfMaj: idx(d, "pgft_maj"), pfMin: idx(d, "pgft_min"),
			vmSize: idx(d, "vm_size"), vmRSS: idx(d, "vm_rss"), vmSwap: idx(d, "vm_swap"),
			comm: idx(d, "comm"), cgroups: idx(d, "cgroups"), env: idx(d, "env"), tty: idx(d, "tty"),
			flags: idx(d, "flags"), uid: idx(d, "uid"), gid: idx(d, "gid"),
			vtid: idx(d, "vtid"), vpid: idx(d, "vpid"), pgid: idx(d, "pgid"), loginuid: idx(d, "loginuid"),
			name: idx(d, "name"), dirfd: idx(d, "dirfd"), dev: idx(d, "dev"), tuple: idx(d, "tuple"),
			enterName: idx(enter, "name"), enterFlags: idx(enter, "flags"), enterDirfd: idx(enter, "dirfd"),
			enterTuple: idx(enter, "tuple"), enterFilename: idx(enter, "filename"),
			enterPathname: idx(enter, "pathname"), enterExecFlags: idx(enter, "flags"),
		}
	}
	return ls
}

// PPM constants the parsers compare with.
const (
	ppmAFUnix    = 1
	ppmAFInet    = 2
	ppmAFInet6   = 10
	ppmAFNetlink = 16

	ppmODirectory = 1 << 10

	ppmFcntlDupFD        = 1
	ppmFcntlDupFDCloexec = 26
	ppmRlimitNofile      = 7
	ppmAtFDCWD           = -100
	ppmExvatEmptyPath    = 1
	ppmExeWritable       = 1

	errEINPROGRESS = 115

	sockStream = 1
	sockDgram  = 2
	sockRaw    = 3

	ipprotoIP   = 0
	ipprotoICMP = 1
	ipprotoTCP  = 6
	ipprotoUDP  = 17
	ipprotoRaw  = 255
)

// parseCloneExit creates the thread a clone/fork/vfork/clone3 made, on
// the parent's exit (or the child's, when it returns first).
func parseCloneExit(in *Inspector, e *Event) {
	l := &layouts[e.Type]
	tid := e.TID
	childTID := e.i64(0)
	flags := e.u32(int(l.flags))
	if childTID < 0 {
		return
	}
	vtid, vpid := tid, int64(-1)
	if l.vtid >= 0 {
		vtid, vpid = e.i64(int(l.vtid)), e.i64(int(l.vpid))
	}
	inContainer := flags&clChildInPidNS != 0 || tid != vtid
	inverted := false
	if childTID == 0 {
		if e.tinfo != nil && e.tinfo.CloneTS != 0 && e.TS-e.tinfo.CloneTS > cloneStaleTimeNS {
			in.removeThread(tid, true)
			e.tinfo = nil
		}
		var parentTID int64
		if flags&clCloneThread != 0 {
			parentTID = e.i64(int(l.pid))
		} else {
			parentTID = e.i64(int(l.ptid))
		}
		if e.tinfo != nil {
			if inContainer {
				e.tinfo.VTID, e.tinfo.VPID = vtid, vpid
			}
			return
		}
		inverted = true
		childTID, tid = tid, parentTID
	} else if inContainer {
		return
	}

	pt := in.threadRef(tid, true)
	if pt == nil {
		return
	}
	validParent := !(pt.Comm == "<NA>" && pt.UID == 0xffffffff)
	collision := false
	if child := in.lookup(childTID); child != nil {
		if child.Flags&clCloneInverted != 0 {
			return
		}
		in.removeThread(childTID, true)
		collision = true
	}
	t := newThread(in)
	t.TID, t.PTID = childTID, tid
	copyParent := func(p *Thread) {
		t.Comm, t.Exe, t.ExePath = p.Comm, p.Exe, p.ExePath
		t.ExeWritable = p.ExeWritable
		t.Args = p.Args
		t.Root, t.SID, t.VPGID = p.Root, p.SID, p.VPGID
		t.TTY, t.LoginUID = p.TTY, p.LoginUID
		if flags&clCloneThread == 0 {
			t.Env = p.Env
		}
	}
	if validParent {
		copyParent(pt)
	} else {
		in.removeThread(tid, true)
		collision = true
		pt = in.threadRef(tid, true)
		if pt == nil {
			return
		}
		if pt.Comm != "<NA>" && pt.UID != 0xffffffff {
			copyParent(pt)
		} else {
			t.Exe = e.str(1)
			if l.comm < 0 {
				t.Comm = t.Exe
			} else {
				t.Comm = e.str(int(l.comm))
			}
			t.setArgs(e.param(2))
			pt.Comm, pt.Exe, pt.ExePath = t.Comm, t.Exe, t.ExePath
			pt.setArgs(e.param(2))
		}
	}
	t.PID = e.i64(int(l.pid))
	t.Flags = flags
	if flags&clCloneThread == 0 {
		t.PID = childTID
		if ft := pt.FDs(); ft != nil {
			t.fdtable = ft.clone()
			for fd := range t.fdtable.fds.all {
				fd.Flags |= FDIsCloned
			}
		}
		t.cwd = pt.Cwd()
	}
	if inverted {
		t.Flags |= clCloneInverted
	}
	t.Exe = e.str(1)
	if l.comm < 0 {
		t.Comm = t.Exe
	} else {
		t.Comm = e.str(int(l.comm))
	}
	t.setArgs(e.param(2))
	t.FDLimit = e.i64(int(l.fdlimit))
	if l.pfMaj >= 0 {
		t.PFMajor = uint64(e.i64(int(l.pfMaj)))
		t.PFMinor = uint64(e.i64(int(l.pfMin)))
		t.VMSizeKB = e.u32(int(l.vmSize))
		t.VMRSSKB = e.u32(int(l.vmRSS))
		t.VMSwapKB = e.u32(int(l.vmSwap))
	}
	t.UID = e.u32(int(l.uid))
	t.GID = e.u32(int(l.gid))
	if inContainer {
		t.VTID, t.VPID = vtid, vpid
	} else {
		t.VTID, t.VPID = t.TID, t.PID
	}
	if l.cgroups >= 0 {
		t.setCgroups(e.param(int(l.cgroups)))
		in.noteContainer(t)
	}
	t.CloneTS = e.TS
	in.addThread(t, false)
	if collision {
		in.resetEvent(e)
	}
}

// parseExecveExit updates the thread that successfully executed a
// program.
func parseExecveExit(in *Inspector, e *Event) {
	l := &layouts[e.Type]
	if e.i64(0) < 0 {
		return
	}
	t := e.tinfo
	if t == nil {
		return
	}
	t.Exe = e.str(1)
	if l.comm < 0 {
		t.Comm = t.Exe
	} else {
		t.Comm = e.str(int(l.comm))
	}
	t.setArgs(e.param(2))
	t.PID = e.i64(int(l.pid))
	if t.PTID == -1 {
		t.PTID = e.i64(int(l.ptid))
	}
	t.FDLimit = e.i64(int(l.fdlimit))
	if l.pfMaj >= 0 {
		t.PFMajor = uint64(e.i64(int(l.pfMaj)))
		t.PFMinor = uint64(e.i64(int(l.pfMin)))
		t.VMSizeKB = e.u32(int(l.vmSize))
		t.VMRSSKB = e.u32(int(l.vmRSS))
		t.VMSwapKB = e.u32(int(l.vmSwap))
	}
	if l.env >= 0 {
		t.setEnv(e.param(int(l.env)))
	}
	if l.cgroups >= 0 {
		t.setCgroups(e.param(int(l.cgroups)))
		in.noteContainer(t)
	}
	if l.tty >= 0 {
		t.TTY = int32(e.u32(int(l.tty)))
	}
	switch {
	case l.enterFilename >= 0:
		if in.retrieveEnter(e) {
			fn := in.enter.param(int(l.enterFilename))
			if strings.HasPrefix(string(fn), "<NA>") {
				t.ExePath = "<NA>"
			} else {
				in.scratch, _ = concatPaths(in.scratch[:0], t.cwd, fn, len(fn), maxPathSize)
				t.ExePath = string(in.scratch)
			}
		}
	case l.enterPathname >= 0:
		if in.retrieveEnter(e) {
			fn := in.enter.param(int(l.enterPathname))
			if strings.HasPrefix(string(fn), "<NA>") {
				t.ExePath = "<NA>"
				break
			}
			dirfd := in.enter.i64(int(l.enterDirfd))
			base := in.dirfdBase(e, nil, fn, dirfd)
			name := fn
			if in.enter.u32(int(l.enterExecFlags))&ppmExvatEmptyPath != 0 && indexNUL(fn) == 0 {
				name = append([]byte(base), 0)
			}
			in.scratch, _ = concatPaths(in.scratch[:0], base, name, len(fn), maxPathSize)
			t.ExePath = string(in.scratch)
		}
	}
	if l.pgid >= 0 {
		t.VPGID = e.i64(int(l.pgid))
	}
	if l.loginuid >= 0 && e.NumParams() > int(l.loginuid) {
		t.LoginUID = int32(e.u32(int(l.loginuid)))
	}
	if l.flags >= 0 && e.NumParams() > int(l.flags) {
		t.ExeWritable = e.u32(int(l.flags))&ppmExeWritable != 0
	}
	keep := t.Flags & (clPipeSrc | clPipeDst | clIsMainThread | clCloneInverted)
	t.Flags = clActive | keep | clNameChanged
}

// dirfdBase is sinsp's parse_dirfd: the directory a *at path is relative
// to ("." for an absolute path). When setFD is non-nil the dirfd's entry
// is stored there, as sinsp leaves it in the event.
func (in *Inspector) dirfdBase(e *Event, setFD **FD, name []byte, dirfd int64) string {
	if len(name) > 0 && name[0] == '/' {
		return "."
	}
	t := e.tinfo
	if t == nil {
		return ""
	}
	if dirfd == ppmAtFDCWD {
		return t.Cwd()
	}
	fd := t.FD(dirfd)
	if setFD != nil {
		*setFD = fd
	}
	if fd == nil {
		return "<UNKNOWN>"
	}
	return fd.Name + "/"
}

// parseOpenExit adds the fd an open/openat/openat2/creat returned.
func parseOpenExit(in *Inspector, e *Event) {
	t := e.tinfo
	if t == nil {
		return
	}
	l := &layouts[e.Type]
	got := in.retrieveEnter(e)
	fd := e.i64(0)
	var name []byte
	var flags uint32
	var dirfd int64 = ppmAtFDCWD
	var dev uint32
	hasDirfd := l.dirfd >= 0 || l.enterDirfd >= 0
	if l.name >= 0 {
		name = e.param(int(l.name))
		if l.flags >= 0 {
			flags = e.u32(int(l.flags))
		}
		if l.dirfd >= 0 {
			dirfd = e.i64(int(l.dirfd))
		}
		if l.dev >= 0 && e.NumParams() > int(l.dev) {
			dev = e.u32(int(l.dev))
		}
		// The enter event wins when it has the path (old drivers
		// filled it only there).
		need := int(l.enterName) + 1
		if l.enterFlags >= 0 && int(l.enterFlags)+1 > need {
			need = int(l.enterFlags) + 1
		}
		if l.enterDirfd >= 0 && int(l.enterDirfd)+1 > need {
			need = int(l.enterDirfd) + 1
		}
		if got && l.enterName >= 0 && in.enter.n >= need {
			en := in.enter.param(int(l.enterName))
			if len(en) != 0 && cstr(en) != "(NULL)" {
				name = en
				flags = 0
				if l.enterFlags >= 0 {
					flags = in.enter.u32(int(l.enterFlags))
				}
				if l.enterDirfd >= 0 {
					dirfd = in.enter.i64(int(l.enterDirfd))
				}
			}
		}
	} else {
		// Old openat: everything is in the enter event.
		if !got {
			return
		}
		name = in.enter.param(int(l.enterName))
		flags = in.enter.u32(int(l.enterFlags))
		dirfd = in.enter.i64(int(l.enterDirfd))
	}
	var base string
	if hasDirfd {
		base = in.dirfdBase(e, &e.FD, name, dirfd)
	} else {
		base = t.Cwd()
	}
	path, _ := concatPaths(in.scratch[:0], base, name, len(name), maxPathSize)
	in.scratch = path
	if fd < 0 {
		return
	}
	var fdi FD
	if flags&ppmODirectory != 0 {
		fdi.Type = FDDirectory
	} else {
		fdi.Type = FDFileV2
	}
	fdi.OpenFlags = flags
	fdi.Dev = dev
	fdi.Name = string(path)
	fdi.markTracer()
	e.FD = t.addFD(fd, &fdi)
	syslogWatch(e.FD)
}

// addSocket creates a socket fd from socket()'s arguments.
func (in *Inspector) addSocket(e *Event, num int64, domain, typ, proto uint32) {
	var fdi FD
	u := &fdi.sock
	switch domain {
	case ppmAFUnix:
		fdi.Type = FDUnixSock
	case ppmAFInet, ppmAFInet6:
		l4 := uint8(L4Unknown)
		switch proto {
		case ipprotoTCP:
			l4 = L4TCP
			if typ == sockRaw {
				l4 = L4Raw
			}
		case ipprotoUDP:
			l4 = L4UDP
			if typ == sockRaw {
				l4 = L4Raw
			}
		case ipprotoIP:
			switch typ & 0xff {
			case sockStream:
				l4 = L4TCP
			case sockDgram:
				l4 = L4UDP
			}
		case ipprotoICMP:
			l4 = L4ICMP
			if typ == sockRaw {
				l4 = L4Raw
			}
		case ipprotoRaw:
			l4 = L4Raw
		}
		if domain == ppmAFInet {
			fdi.Type = FDIPv4Sock
			u[v4L4] = l4
		} else {
			fdi.Type = FDIPv6Sock
			u[v6L4] = l4
		}
	case ppmAFNetlink:
		fdi.Type = FDNetlink
	default:
		return
	}
	fdi.sync()
	e.FD = e.tinfo.addFD(num, &fdi)
}

// inferSendtoFD creates a UDP socket for a sendto on an fd sysdig never
// saw created.
func (in *Inspector) inferSendtoFD(e *Event) {
	fd := e.i64(0)
	if fd < 0 {
		return
	}
	p := e.param(2)
	if len(p) == 0 {
		return
	}
	switch p[0] {
	case ppmAFInet:
		in.addSocket(e, fd, ppmAFInet, sockDgram, ipprotoUDP)
	case ppmAFInet6:
		in.addSocket(e, fd, ppmAFInet6, sockDgram, ipprotoUDP)
	}
}

func parseSocketExit(in *Inspector, e *Event) {
	fd := e.i64(0)
	if fd < 0 || e.tinfo == nil || !in.retrieveEnter(e) {
		return
	}
	in.addSocket(e, fd, in.enter.u32(0), in.enter.u32(1), in.enter.u32(2))
}

// tupleField reads n bytes at off of a packed address, zero-padded.
func tupleField(p []byte, off, n int) []byte {
	if off+n <= len(p) {
		return p[off : off+n]
	}
	var b [16]byte
	if off < len(p) {
		copy(b[:], p[off:])
	}
	return b[:n]
}

func parseBindExit(in *Inspector, e *Event) {
	fd := e.FD
	if fd == nil || e.i64(0) < 0 {
		return
	}
	p := e.param(1)
	if len(p) == 0 {
		return
	}
	u := &fd.sock
	switch p[0] {
	case ppmAFInet:
		ip, port := le32(tupleField(p, 1, 4)), le16(tupleField(p, 5, 2))
		if port > 0 {
			fd.Type = FDIPv4Serv
			u.put32(s4IP, ip)
			u.put16(s4Port, port)
			u[s4L4] = u[v4L4]
			fd.setRoleServer()
		}
	case ppmAFInet6:
		ip := tupleField(p, 1, 16)
		port := le16(tupleField(p, 17, 2))
		if port > 0 {
			if isIPv4Mapped(ip) {
				fd.Type = FDIPv4Serv
				u[s4L4] = u[v6L4]
				u.put32(s4IP, le32(tupleField(p, 13, 4)))
				u.put16(s4Port, port)
			} else {
				fd.Type = FDIPv6Serv
				u.put16(s6Port, port)
				copy(u[s6IP:s6IP+16], ip)
				u[s6L4] = u[v6L4]
			}
			fd.setRoleServer()
		}
	}
	fd.sync()
	fd.Name = string(e.appendParamValue(in.scratch[:0], 1, true))
}

func parseConnectEnter(in *Inspector, e *Event) {
	fd := e.FD
	if fd == nil || e.NumParams() < 2 {
		return
	}
	p := e.param(1)
	if len(p) == 0 {
		return
	}
	u := &fd.sock
	switch p[0] {
	case ppmAFInet:
		fd.Type = FDIPv4Sock
		copy(u[v4DIP:v4DIP+4], tupleField(p, 1, 4))
		copy(u[v4DPort:v4DPort+2], tupleField(p, 5, 2))
	case ppmAFInet6:
		port := le16(tupleField(p, 17, 2))
		ip := tupleField(p, 1, 16)
		if isIPv4Mapped(ip) {
			fd.Type = FDIPv4Sock
			copy(u[v4DIP:v4DIP+4], tupleField(p, 13, 4))
			u.put16(v4DPort, port)
		} else {
			fd.Type = FDIPv6Sock
			u.put16(v6DPort, port)
			copy(u[v6DIP:v6DIP+16], ip)
		}
	default:
		fd.Name = string(e.appendParamValue(in.scratch[:0], 1, true))
		setUnixInfo(fd, p)
	}
	fd.sync()
}

func setUnixInfo(fd *FD, p []byte) {
	fd.sock.put64(unixSrc, le64(tupleField(p, 1, 8)))
	fd.sock.put64(unixDst, le64(tupleField(p, 9, 8)))
}

func parseConnectExit(in *Inspector, e *Event) {
	fd := e.FD
	if fd == nil {
		return
	}
	res := e.i64(0)
	if res < 0 && res != -errEINPROGRESS {
		return
	}
	fd.setConnected()
	p := e.param(1)
	if len(p) == 0 {
		return
	}
	in.fillClientSocket(e, fd, p, 1)
	syslogWatch(fd)
}

// fillClientSocket sets a connecting socket's tuple and name from the
// tuple param i.
func (in *Inspector) fillClientSocket(e *Event, fd *FD, p []byte, i int) {
	switch p[0] {
	case ppmAFInet, ppmAFInet6:
		var changed bool
		if p[0] == ppmAFInet6 {
			if !(isIPv4Mapped(tupleField(p, 1, 16)) && isIPv4Mapped(tupleField(p, 19, 16))) {
				fd.Type = FDIPv6Sock
				changed = setIPv6Tuple(fd, p)
			} else {
				fd.Type = FDIPv4Sock
				changed = setIPv4MappedTuple(fd, p)
			}
		} else {
			fd.Type = FDIPv4Sock
			changed = setIPv4Tuple(fd, p)
		}
		if changed && fd.IsRoleServer() && fd.IsUDP() {
			swapAddresses(fd)
		}
		in.scratch = sockName(in.scratch[:0], fd, in.resolvePorts)
		in.setParamStr(in.scratch)
		fd.Name = string(in.scratch)
	default:
		fd.Name = string(e.appendParamValue(in.scratch[:0], i, true))
		setUnixInfo(fd, p)
	}
	if fd.IsRoleNone() {
		fd.setRoleClient()
	}
	fd.sync()
}

// updateIPv4 is sinsp's update_ipv4_addresses_and_ports.
func updateIPv4(fd *FD, sip uint32, sport uint16, dip uint32, dport uint16) bool {
	u := &fd.sock
	if fd.Type == FDIPv4Sock {
		csip, csport, cdip, cdport := u.u32(v4SIP), u.u16(v4SPort), u.u32(v4DIP), u.u16(v4DPort)
		if (sip == csip && sport == csport && dip == cdip && dport == cdport) ||
			(dip == csip && dport == csport && sip == cdip && sport == cdport) {
			return false
		}
	}
	changed := false
	if u.u32(v4SIP) != sip {
		u.put32(v4SIP, sip)
		changed = true
	}
	if u.u16(v4SPort) != sport {
		u.put16(v4SPort, sport)
		changed = true
	}
	if u.u32(v4DIP) == 0 {
		u.put32(v4DIP, dip)
		changed = true
	}
	if u.u16(v4DPort) == 0 {
		u.put16(v4DPort, dport)
		changed = true
	}
	return changed
}

func setIPv4Tuple(fd *FD, p []byte) bool {
	return updateIPv4(fd, le32(tupleField(p, 1, 4)), le16(tupleField(p, 5, 2)),
		le32(tupleField(p, 7, 4)), le16(tupleField(p, 11, 2)))
}

func setIPv4MappedTuple(fd *FD, p []byte) bool {
	return updateIPv4(fd, le32(tupleField(p, 13, 4)), le16(tupleField(p, 17, 2)),
		le32(tupleField(p, 31, 4)), le16(tupleField(p, 35, 2)))
}

func setIPv6Tuple(fd *FD, p []byte) bool {
	u := &fd.sock
	var sip, dip, csip, cdip, zero [16]byte
	copy(sip[:], tupleField(p, 1, 16))
	copy(dip[:], tupleField(p, 19, 16))
	sport, dport := le16(tupleField(p, 17, 2)), le16(tupleField(p, 35, 2))
	copy(csip[:], u[v6SIP:])
	copy(cdip[:], u[v6DIP:])
	csport, cdport := u.u16(v6SPort), u.u16(v6DPort)
	if fd.Type == FDIPv6Sock {
		if (sip == csip && sport == csport && dip == cdip && dport == cdport) ||
			(dip == csip && dport == csport && sip == cdip && sport == cdport) {
			return false
		}
	}
	changed := false
	if csip != sip {
		copy(u[v6SIP:v6SIP+16], sip[:])
		changed = true
	}
	if csport != sport {
		u.put16(v6SPort, sport)
		changed = true
	}
	if cdip == zero {
		copy(u[v6DIP:v6DIP+16], dip[:])
		changed = true
	}
	if cdport == 0 {
		u.put16(v6DPort, dport)
		changed = true
	}
	return changed
}

func swapAddresses(fd *FD) {
	u := &fd.sock
	if fd.Type == FDIPv4Sock {
		sip, sport := u.u32(v4SIP), u.u16(v4SPort)
		u.put32(v4SIP, u.u32(v4DIP))
		u.put16(v4SPort, u.u16(v4DPort))
		u.put32(v4DIP, sip)
		u.put16(v4DPort, sport)
		return
	}
	var sip [16]byte
	copy(sip[:], u[v6SIP:v6SIP+16])
	sport := u.u16(v6SPort)
	copy(u[v6SIP:v6SIP+16], u[v6DIP:v6DIP+16])
	u.put16(v6SPort, u.u16(v6DPort))
	copy(u[v6DIP:v6DIP+16], sip[:])
	u.put16(v6DPort, sport)
}

// updateFDTuple is sinsp's update_fd: it stores a datagram's tuple in
// its socket; false when nothing changed.
func (in *Inspector) updateFDTuple(fd *FD, p []byte) bool {
	if len(p) == 0 {
		return false
	}
	u := &fd.sock
	switch p[0] {
	case ppmAFInet:
		if fd.Type == FDIPv4Serv {
			u[v4L4] = u[s4L4]
		}
		fd.Type = FDIPv4Sock
		if !setIPv4Tuple(fd, p) {
			return false
		}
	case ppmAFInet6:
		if isIPv4Mapped(tupleField(p, 1, 16)) && isIPv4Mapped(tupleField(p, 19, 16)) {
			fd.Type = FDIPv4Sock
			if !setIPv4MappedTuple(fd, p) {
				return false
			}
		} else if !setIPv6Tuple(fd, p) {
			return false
		}
	case ppmAFUnix:
		fd.Type = FDUnixSock
		setUnixInfo(fd, p)
		if len(p) > 17 {
			fd.Name = cstr(p[17:])
		} else {
			fd.Name = ""
		}
		syslogTupleChange(fd)
		return true
	}
	switch fd.Type {
	case FDIPv4Sock:
		if u[v4L4] == L4Unknown {
			u[v4L4] = L4UDP
		}
	case FDIPv6Sock:
		if u[v6L4] == L4Unknown {
			u[v6L4] = L4UDP
		}
	}
	in.ifaces.updateFD(fd)
	syslogTupleChange(fd)
	return true
}

// guessRole is sinsp's set_net_role_by_guessing.
func guessRole(t *Thread, fd *FD, incoming bool) {
	ft := t.FDs()
	dport, sport := fd.sock.u16(v4DPort), fd.sock.u16(v4SPort)
	bound, client := false, false
	if ft != nil {
		for o := range ft.fds.all {
			switch o.Type {
			case FDIPv4Sock:
				if o.sock.u16(v4DPort) == dport {
					bound = true
				}
			case FDIPv4Serv:
				if o.sock.u16(s4Port) == dport {
					bound = true
				}
			}
		}
		if bound {
			for o := range ft.fds.all {
				if o.Type == FDIPv4Sock && o.sock.u16(v4SPort) == sport {
					client = true
				}
			}
		}
	}
	switch {
	case !bound:
		fd.setRoleClient()
	case !client:
		fd.setRoleServer()
	case fd.IsRoleNone():
		if incoming {
			fd.setRoleServer()
		} else {
			fd.setRoleClient()
		}
	}
}

func parseRWExit(in *Inspector, e *Event) {
	fd := e.FD
	if fd == nil || fd.Flags&FDTracerFD != 0 {
		return
	}
	if e.i64(0) < 0 {
		return
	}
	if fd.Type == FDIPv4Sock || fd.Type == FDIPv6Sock {
		fd.setConnected()
	}
	l := &layouts[e.Type]
	reads := e.Info.Flags&event.ReadsFromFD != 0
	tupleIdx := int(l.tuple)
	if !reads {
		tupleIdx = int(l.enterTuple)
	}
	if tupleIdx >= 0 && (fd.Name == "" || !fd.IsTCP()) {
		var p []byte
		if reads {
			p = e.param(tupleIdx)
		} else {
			if !in.retrieveEnter(e) {
				return
			}
			p = in.enter.param(tupleIdx)
		}
		if in.updateFDTuple(fd, p) {
			if fd.Type == FDIPv4Sock || fd.Type == FDIPv6Sock {
				if fd.IsRoleNone() && e.tinfo != nil {
					guessRole(e.tinfo, fd, reads)
				}
				if (reads && fd.IsRoleClient()) || (!reads && fd.IsRoleServer()) {
					swapAddresses(fd)
				}
				in.scratch = sockName(in.scratch[:0], fd, in.resolvePorts)
				in.setParamStr(in.scratch)
				if fd.Name != string(in.scratch) {
					fd.Name = string(in.scratch)
				}
			} else if reads {
				fd.Name = string(e.appendParamValue(in.scratch[:0], tupleIdx, true))
			} else {
				fd.Name = string(appendTupleParam(in.scratch[:0], p, L4Unknown, in.resolvePorts))
			}
		}
		fd.sync()
	}
	if !reads && fd.hasCallbacks {
		for i := int32(0); i < fd.syslogCB; i++ {
			in.syslog.onWrite(e.param(1))
		}
	}
}

func parseAcceptExit(in *Inspector, e *Event) {
	t := e.tinfo
	if t == nil {
		return
	}
	num := e.i64(0)
	if num < 0 {
		return
	}
	t.lastFD = num
	p := e.param(1)
	if len(p) == 0 {
		return
	}
	var fdi FD
	fdi.Type = 255 // sinsp's SCAP_FD_UNINITIALIZED until set below
	u := &fdi.sock
	switch p[0] {
	case ppmAFInet:
		setIPv4Tuple(&fdi, p)
		fdi.Type = FDIPv4Sock
		u[v4L4] = L4TCP
	case ppmAFInet6:
		if isIPv4Mapped(tupleField(p, 1, 16)) && isIPv4Mapped(tupleField(p, 19, 16)) {
			setIPv4MappedTuple(&fdi, p)
			fdi.Type = FDIPv4Sock
			u[v4L4] = L4TCP
		} else {
			setIPv6Tuple(&fdi, p)
			fdi.Type = FDIPv6Sock
			u[v6L4] = L4TCP
		}
	case ppmAFUnix:
		fdi.Type = FDUnixSock
		setUnixInfo(&fdi, p)
	default:
		return
	}
	fdi.Name = string(e.appendParamValue(in.scratch[:0], 1, true))
	fdi.Flags = FDRoleServer
	fdi.setConnected()
	fdi.sync()
	e.FD = t.addFD(num, &fdi)
}

func parseCloseEnter(in *Inspector, e *Event) {
	t := e.tinfo
	if t == nil {
		return
	}
	e.FD = t.FD(t.lastFD)
	if e.FD != nil {
		e.FD.Flags |= FDCloseInProgress
	}
}

func parseCloseExit(in *Inspector, e *Event) {
	if e.i64(0) >= 0 {
		t := e.tinfo
		if e.FD == nil || t == nil {
			return
		}
		if e.FD.Flags&FDCloseCanceled != 0 {
			e.FD.Flags &^= FDCloseCanceled
			in.eraseFD(t, canceledFD, t.FD(canceledFD))
		} else {
			in.eraseFD(t, t.lastFD, e.FD)
		}
		return
	}
	if e.FD != nil {
		e.FD.Flags &^= FDCloseInProgress
	}
}

func parsePipeExit(in *Inspector, e *Event) {
	if e.i64(0) < 0 || e.tinfo == nil {
		return
	}
	fd1, fd2, ino := e.i64(1), e.i64(2), uint64(e.i64(3))
	for _, num := range [2]int64{fd1, fd2} {
		fdi := FD{Type: FDFIFO, Ino: ino}
		e.FD = e.tinfo.addFD(num, &fdi)
	}
}

func parseSocketpairExit(in *Inspector, e *Event) {
	if e.i64(0) < 0 || e.tinfo == nil {
		return
	}
	fdi := FD{Type: FDUnixSock}
	fdi.sock.put64(unixSrc, uint64(e.i64(3)))
	fdi.sock.put64(unixDst, uint64(e.i64(4)))
	fdi.sync()
	e.FD = e.tinfo.addFD(e.i64(1), &fdi)
	e.tinfo.addFD(e.i64(2), &fdi)
}

// newFDParser returns the parser of a call whose result is a new fd of
// type typ with an empty name (eventfd, signalfd, timerfd, inotify).
func newFDParser(typ FDType) func(*Inspector, *Event) {
	return func(in *Inspector, e *Event) {
		if e.tinfo == nil {
			return
		}
		num := e.i64(0)
		if num < 0 {
			return
		}
		fdi := FD{Type: typ}
		e.FD = e.tinfo.addFD(num, &fdi)
	}
}

// parseChdirExit handles chdir and getcwd: the new cwd is param 1.
func parseChdirExit(in *Inspector, e *Event) {
	if e.tinfo == nil || e.i64(0) < 0 {
		return
	}
	p := e.param(1)
	e.tinfo.setCwd(p, len(p))
}

func parseFchdirExit(in *Inspector, e *Event) {
	if e.i64(0) < 0 || e.FD == nil || e.tinfo == nil {
		return
	}
	e.tinfo.setCwd([]byte(e.FD.Name), len(e.FD.Name))
}

func parseDupExit(in *Inspector, e *Event) {
	t := e.tinfo
	if t == nil {
		return
	}
	res := e.i64(0)
	if res < 0 {
		return
	}
	switch res {
	case 0:
		t.Flags |= clPipeDst
	case 1:
		t.Flags |= clPipeSrc
	}
	if e.FD == nil {
		return
	}
	e.FD = t.addFD(res, e.FD)
}

func parseFcntlEnter(in *Inspector, e *Event) {
	if e.tinfo == nil {
		return
	}
	if cmd := e.u8(1); cmd == ppmFcntlDupFD || cmd == ppmFcntlDupFDCloexec {
		in.storeEvent(e)
	}
}

func parseFcntlExit(in *Inspector, e *Event) {
	if !in.retrieveEnter(e) {
		return
	}
	res := e.i64(0)
	if res >= 0 && e.FD != nil {
		e.FD = e.tinfo.addFD(res, e.FD)
	}
}

func parseRlimitExit(in *Inspector, e *Event) {
	if e.tinfo == nil || e.i64(0) < 0 || !in.retrieveEnter(e) {
		return
	}
	if in.enter.u8(0) != ppmRlimitNofile {
		return
	}
	if cur := e.i64(1); cur != -1 {
		if m := e.tinfo.Main(); m != nil {
			m.FDLimit = cur
		}
	}
}

func parsePrlimitExit(in *Inspector, e *Event) {
	if e.i64(0) < 0 || !in.retrieveEnter(e) {
		return
	}
	if in.enter.u8(1) != ppmRlimitNofile {
		return
	}
	cur := e.i64(1)
	if cur == -1 {
		return
	}
	tid := in.enter.i64(0)
	if tid == 0 {
		tid = e.TID
	}
	if t := in.threadRef(tid, true); t != nil {
		if m := t.Main(); m != nil {
			m.FDLimit = cur
		}
	}
}

func parseWaitEnter(in *Inspector, e *Event) {
	t := e.tinfo
	if t == nil {
		return
	}
	if !t.lastHasData {
		t.lastHasData = true
	}
	if len(t.lastData) >= 8 {
		binary.LittleEndian.PutUint64(t.lastData, e.TS)
	}
}

func parseContextSwitch(in *Inspector, e *Event) {
	t := e.tinfo
	if t == nil {
		return
	}
	t.PFMajor = uint64(e.i64(1))
	t.PFMinor = uint64(e.i64(2))
	if m := t.Main(); m != nil {
		m.VMSizeKB = e.u32(3)
		m.VMRSSKB = e.u32(4)
		m.VMSwapKB = e.u32(5)
	}
}

func parseMemExit(in *Inspector, e *Event) {
	if t := e.tinfo; t != nil {
		t.VMSizeKB = e.u32(1)
		t.VMRSSKB = e.u32(2)
		t.VMSwapKB = e.u32(3)
	}
}

// newIDParser returns the parser of setuid/setgid (param 0 of the enter
// event) or setresuid/setresgid (param 1, the effective id, ignored when
// -1).
func newIDParser(idx int, skipNone, gid bool) func(*Inspector, *Event) {
	return func(in *Inspector, e *Event) {
		if e.i64(0) < 0 || !in.retrieveEnter(e) {
			return
		}
		id := in.enter.u32(idx)
		if skipNone && id == 0xffffffff {
			return
		}
		t := e.threadInfo()
		if t == nil {
			return
		}
		if gid {
			t.GID = id
		} else {
			t.UID = id
		}
	}
}

// threadInfo is sinsp's get_thread_info(false).
func (e *Event) threadInfo() *Thread {
	if e.tinfo != nil {
		return e.tinfo
	}
	return e.in.lookup(e.TID)
}

func parseThreadExit(in *Inspector, e *Event) {
	if t := e.tinfo; t != nil {
		t.Flags |= clClosed
		in.tidToRemove = e.TID
		in.prologue = true
	}
}

func parseChrootExit(in *Inspector, e *Event) {
	t := e.tinfo
	if t == nil || e.i64(0) != 0 {
		return
	}
	val, res := e.AppendParam(nil, nil, 1, &RenderOptions{})
	if len(res) == 0 {
		t.Root = string(val)
	} else {
		t.Root = string(res)
	}
	in.noteContainer(t)
}

func parseSetsidExit(in *Inspector, e *Event) {
	res := e.i64(0)
	if res < 0 {
		return
	}
	if t := e.threadInfo(); t != nil {
		t.SID = res
	}
}

func parseGetsockoptExit(in *Inspector, e *Event) {
	t := e.tinfo
	if e.NumParams() == 0 || t == nil {
		return
	}
	fd := e.i64(1)
	if m := t.Main(); m != nil {
		e.FD = m.FD(fd)
	} else {
		e.FD = nil
	}
	t.lastFD = fd
}
