package straceout

import (
	"encoding/binary"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"xtrace/decode"
	"xtrace/event"
	"xtrace/inspect"
	"xtrace/scap"
)

// Options configure a [Printer].
type Options struct {
	// StrLen is the longest string or buffer printed before "..."
	// (strace's -s, 32 when 0).
	StrLen int
	// Times appends the time spent in the call, " <0.000123>" (-T).
	Times bool
	// Color prints failed calls in red.
	Color bool
}

// arg is one rendered argument of a call.
type arg struct {
	pos  int // argument register, or 100+i for parameters without one
	name string
	text []byte
}

// call is the held enter half of a thread's call.
type call struct {
	name string
	ts   uint64
	args []arg
	used bool
}

// Printer renders events as strace lines. It keeps the enter half of each
// thread's call in progress; it is not safe for concurrent use.
type Printer struct {
	o       Options
	pending map[int64]*call
	free    []*call
	scratch []byte
	res     []byte
}

// New returns a Printer.
func New(o Options) *Printer {
	if o.StrLen <= 0 {
		o.StrLen = 32
	}
	return &Printer{o: o, pending: map[int64]*call{}}
}

// resultColumn is where strace starts " = " after a short call.
const resultColumn = 39

const (
	colorRed   = "\x1b[31m"
	colorReset = "\x1b[0m"
)

// Append renders e: nothing for the enter event of a call (it is held),
// the whole call for its exit event, "+++ exited with N +++" for the end
// of a process, "--- SIGNAME ---" for a delivered signal. ok is false when
// nothing was appended.
func (p *Printer) Append(dst []byte, e *inspect.Event) (out []byte, ok bool) {
	if e.Info == nil || e.Info.Category&event.CatInternal != 0 {
		return dst, false
	}
	start := len(dst)
	switch {
	case e.Type == event.ProcExit1E:
		dst = p.flushPending(dst, e.TID)
		dst = p.appendExit(dst, e)
		return dst, len(dst) > start
	case e.Type == event.SignalDeliver:
		dst = p.appendSignal(dst, e)
		return dst, true
	case e.Info.Dir == event.Enter:
		dst = p.flushPending(dst, e.TID)
		p.hold(e)
		return dst, len(dst) > start
	}
	return p.appendCall(dst, e), true
}

// flushPending prints a held call that no exit will complete (exit_group,
// or a lost exit) as strace does: "= ?".
func (p *Printer) flushPending(dst []byte, tid int64) []byte {
	c := p.pending[tid]
	if c == nil {
		return dst
	}
	delete(p.pending, tid)
	dst = strconv.AppendInt(dst, tid, 10)
	dst = append(dst, ' ')
	dst = appendCallText(dst, c.name, c.args)
	dst = append(dst, " = ?\n"...)
	p.free = append(p.free, c)
	return dst
}

func (p *Printer) newCall() *call {
	if n := len(p.free); n > 0 {
		c := p.free[n-1]
		p.free = p.free[:n-1]
		c.args = c.args[:0]
		return c
	}
	return &call{}
}

// hold renders the arguments of an enter event and keeps them for its
// exit.
func (p *Printer) hold(e *inspect.Event) {
	c := p.newCall()
	c.name, c.ts = callName(e), e.TS
	c.args = p.appendArgs(c.args, e, nil)
	p.pending[e.TID] = c
}

// appendArgs renders the argument parameters of e (those read from an
// argument register, or all but the return value when the table says
// nothing) that are not already in have.
func (p *Printer) appendArgs(args []arg, e *inspect.Event, have []arg) []arg {
	params := e.Info.Params
	n := min(e.NumParams(), len(params))
	for i := range n {
		pos, ret, known := decode.ParamSource(e.Type, i)
		if ret || (known && pos < 0) || (!known && e.Info.Dir == event.Exit && i == 0) {
			continue
		}
		if !known {
			pos = 100 + i
		}
		if hasArg(have, params[i].Name) {
			continue
		}
		if isMode(&params[i]) && i > 0 && isFlags(params[i-1].Type) {
			// open-style calls: strace shows the mode only when the
			// flags create a file, which is when it is non-zero.
			if v, _ := e.ParamUint(i); v == 0 {
				continue
			}
		}
		text := p.appendParam(nil, e, i)
		args = append(args, arg{pos: pos, name: params[i].Name, text: text})
	}
	return args
}

// isMode reports whether a parameter is a file mode (printed in octal).
func isMode(p *event.Param) bool { return p.Type == event.PTMode || p.Format == event.FormatOct }

func isFlags(t event.ParamType) bool {
	return t == event.PTFlags8 || t == event.PTFlags16 || t == event.PTFlags32
}

func hasArg(args []arg, name string) bool {
	for i := range args {
		if args[i].name == name {
			return true
		}
	}
	return false
}

// appendCall renders a whole call at its exit event.
func (p *Printer) appendCall(dst []byte, e *inspect.Event) []byte {
	c := p.pending[e.TID]
	if c != nil {
		delete(p.pending, e.TID)
	} else {
		c = p.newCall()
		c.name, c.ts = callName(e), 0
	}
	defer func() { p.free = append(p.free, c) }()
	c.args = p.appendArgs(c.args, e, c.args)
	sort.SliceStable(c.args, func(i, j int) bool { return c.args[i].pos < c.args[j].pos })

	retText, failed := p.appendReturn(p.res[:0], e)
	p.res = retText
	if failed && p.o.Color {
		dst = append(dst, colorRed...)
	}
	lineStart := len(dst)
	dst = strconv.AppendInt(dst, e.TID, 10)
	dst = append(dst, ' ')
	dst = appendCallText(dst, c.name, c.args)
	// strace lines up short calls' results at column 40.
	for len(dst)-lineStart < resultColumn {
		dst = append(dst, ' ')
	}
	dst = append(dst, " = "...)
	dst = append(dst, retText...)
	if e.DumpFlags&scap.FlagInjected != 0 {
		dst = append(dst, " (INJECTED)"...)
	}
	if p.o.Times && c.ts != 0 && e.TS >= c.ts {
		d := e.TS - c.ts
		dst = append(dst, " <"...)
		dst = strconv.AppendUint(dst, d/1e9, 10)
		dst = append(dst, '.')
		dst = inspect.AppendPadded(dst, (d%1e9)/1e3, 6)
		dst = append(dst, '>')
	}
	if failed && p.o.Color {
		dst = append(dst, colorReset...)
	}
	return append(dst, '\n')
}

func appendCallText(dst []byte, name string, args []arg) []byte {
	dst = append(dst, name...)
	dst = append(dst, '(')
	for i := range args {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, args[i].text...)
	}
	return append(dst, ')')
}

// appendReturn renders the return value of an exit event: "-1 ENOENT (No
// such file or directory)" for an error, an fd with its name, a hex
// address, a number, or "?" when the event carries none.
func (p *Printer) appendReturn(dst []byte, e *inspect.Event) ([]byte, bool) {
	params := e.Info.Params
	for i := range min(e.NumParams(), len(params)) {
		_, ret, known := decode.ParamSource(e.Type, i)
		if !ret && (known || i != 0 || (params[i].Name != "res" && params[i].Name != "fd")) {
			continue
		}
		pr := &params[i]
		v, ok := e.ParamInt(i)
		if !ok {
			break
		}
		if v < 0 && v >= -4095 && pr.Format != event.FormatHex {
			dst = append(dst, "-1 "...)
			if name := event.ErrnoName(-v); name != "" {
				dst = append(dst, name...)
			} else {
				dst = strconv.AppendInt(dst, -v, 10)
			}
			dst = append(dst, " ("...)
			dst = append(dst, errText(syscall.Errno(-v))...)
			return append(dst, ')'), true
		}
		switch {
		case pr.Type == event.PTFD:
			return p.appendFD(dst, e, v), false
		case pr.Format == event.FormatHex:
			return appendHex(dst, uint64(v)), false
		}
		return strconv.AppendInt(dst, v, 10), false
	}
	return append(dst, '?'), false
}

// errText is strerror's text for e as glibc words it (Go's table, with the
// capital glibc gives it).
func errText(e syscall.Errno) string {
	s := e.Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

func appendHex(dst []byte, v uint64) []byte {
	dst = append(dst, "0x"...)
	return strconv.AppendUint(dst, v, 16)
}

// appendOct renders a mode as strace does: 0644, or 000.
func appendOct(dst []byte, v uint64) []byte {
	if v == 0 {
		return append(dst, "000"...)
	}
	dst = append(dst, '0')
	return strconv.AppendUint(dst, v, 8)
}

// appendFD renders an fd as strace -y does: "3</etc/hostname>", or
// AT_FDCWD.
func (p *Printer) appendFD(dst []byte, e *inspect.Event, fd int64) []byte {
	if fd == -100 {
		dst = append(dst, "AT_FDCWD"...)
		if e.Thread != nil {
			if cwd := e.Thread.Cwd(); cwd != "" {
				if len(cwd) > 1 {
					cwd = strings.TrimSuffix(cwd, "/")
				}
				dst = append(dst, '<')
				dst = append(dst, cwd...)
				dst = append(dst, '>')
			}
		}
		return dst
	}
	dst = strconv.AppendInt(dst, fd, 10)
	if fd < 0 || e.Thread == nil {
		return dst
	}
	if f := e.Thread.FD(fd); f != nil && f.Name != "" {
		dst = append(dst, '<')
		dst = append(dst, f.Name...)
		dst = append(dst, '>')
	}
	return dst
}

// appendParam renders parameter i of e as an strace argument. This is the
// one switch over parameter types.
func (p *Printer) appendParam(dst []byte, e *inspect.Event, i int) []byte {
	pr := &e.Info.Params[i]
	raw := e.Param(i)
	switch pr.Type {
	case event.PTFD:
		v, _ := e.ParamInt(i)
		// The driver stores some fd arguments as 32-bit values.
		return p.appendFD(dst, e, int64(int32(v)))
	case event.PTFSPath, event.PTFSRelPath:
		return appendQuoted(dst, cstr(raw), -1)
	case event.PTCharBuf:
		return appendQuoted(dst, cstr(raw), p.o.StrLen)
	case event.PTByteBuf:
		dst = appendQuoted(dst, raw, p.o.StrLen)
		if len(raw) <= p.o.StrLen && p.cutBySnaplen(e, len(raw)) {
			dst = append(dst, "..."...)
		}
		return dst
	case event.PTCharBufArray:
		dst = append(dst, '[')
		for j, s := range splitNUL(raw) {
			if j > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendQuoted(dst, s, p.o.StrLen)
		}
		return append(dst, ']')
	case event.PTFlags8, event.PTFlags16, event.PTFlags32:
		v, _ := e.ParamUint(i)
		_, res := e.AppendParam(p.scratch[:0], nil, i, nil)
		if len(res) == 0 {
			if v == 0 {
				return append(dst, '0')
			}
			return appendHex(dst, v)
		}
		return append(dst, res...)
	case event.PTMode:
		v, _ := e.ParamUint(i)
		return appendOct(dst, v)
	case event.PTSigType:
		v, _ := e.ParamUint(i)
		if name := event.SignalName(int(v)); name != "" {
			return append(dst, name...)
		}
		return strconv.AppendUint(dst, v, 10)
	case event.PTInt8, event.PTInt16, event.PTInt32, event.PTInt64, event.PTErrno, event.PTPID,
		event.PTUint8, event.PTUint16, event.PTUint32, event.PTUint64, event.PTUID, event.PTGID,
		event.PTRelTime, event.PTAbsTime, event.PTPort, event.PTBool, event.PTSyscallID:
		if pr.Format == event.FormatHex {
			v, _ := e.ParamUint(i)
			if v == 0 {
				return append(dst, "NULL"...)
			}
			return appendHex(dst, v)
		}
		if pr.Format == event.FormatOct {
			v, _ := e.ParamUint(i)
			return appendOct(dst, v)
		}
		v, _ := e.ParamInt(i)
		if pr.Type.Size() < 8 && isUnsigned(pr.Type) {
			u, _ := e.ParamUint(i)
			return strconv.AppendUint(dst, u, 10)
		}
		return strconv.AppendInt(dst, v, 10)
	}
	// Socket addresses, tuples, fd lists, dynamic values: sysdig's text.
	val, _ := e.AppendParam(dst, nil, i, &inspect.RenderOptions{Full: true})
	return val
}

func isUnsigned(t event.ParamType) bool {
	switch t {
	case event.PTUint8, event.PTUint16, event.PTUint32, event.PTUint64, event.PTUID, event.PTGID, event.PTPort, event.PTBool:
		return true
	}
	return false
}

// cutBySnaplen reports whether a buffer of n bytes is shorter than what
// the call transferred (its return value), so the recorder's snaplen cut
// it.
func (p *Printer) cutBySnaplen(e *inspect.Event, n int) bool {
	if e.Info.Dir != event.Exit || e.NumParams() == 0 {
		return false
	}
	if _, ret, _ := decode.ParamSource(e.Type, 0); !ret {
		return false
	}
	v, ok := e.ParamInt(0)
	return ok && v > int64(n)
}

func cstr(p []byte) []byte {
	for i, c := range p {
		if c == 0 {
			return p[:i]
		}
	}
	return p
}

func splitNUL(p []byte) [][]byte {
	var out [][]byte
	for len(p) > 0 {
		i := 0
		for i < len(p) && p[i] != 0 {
			i++
		}
		out = append(out, p[:i])
		if i == len(p) {
			break
		}
		p = p[i+1:]
	}
	return out
}

// appendQuoted appends s quoted and escaped as strace prints strings, cut
// after max bytes with "..." after the closing quote (max < 0: no cut).
func appendQuoted(dst, s []byte, max int) []byte {
	cut := false
	if max >= 0 && len(s) > max {
		s, cut = s[:max], true
	}
	dst = append(dst, '"')
	for i, c := range s {
		switch c {
		case '"':
			dst = append(dst, `\"`...)
		case '\\':
			dst = append(dst, `\\`...)
		case '\t':
			dst = append(dst, `\t`...)
		case '\n':
			dst = append(dst, `\n`...)
		case '\v':
			dst = append(dst, `\v`...)
		case '\f':
			dst = append(dst, `\f`...)
		case '\r':
			dst = append(dst, `\r`...)
		default:
			if c >= 0x20 && c < 0x7f {
				dst = append(dst, c)
				continue
			}
			// Octal, as short as possible unless a digit follows.
			dst = append(dst, '\\')
			next := i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7'
			if next || c >= 0100 {
				dst = append(dst, '0'+c>>6)
			}
			if next || c >= 010 {
				dst = append(dst, '0'+(c>>3)&7)
			}
			dst = append(dst, '0'+c&7)
		}
	}
	dst = append(dst, '"')
	if cut {
		dst = append(dst, "..."...)
	}
	return dst
}

// appendExit renders the end of a process: "+++ exited with N +++" or
// "+++ killed by SIGNAME +++" for its main thread, nothing for other
// threads.
func (p *Printer) appendExit(dst []byte, e *inspect.Event) []byte {
	if e.Thread == nil || !e.Thread.IsMain() || e.NumParams() < 1 {
		return dst
	}
	v, _ := e.ParamInt(0)
	status := int(v)
	dst = strconv.AppendInt(dst, e.TID, 10)
	if sig := status & 0x7f; sig != 0 {
		dst = append(dst, " +++ killed by "...)
		dst = append(dst, event.SignalName(sig)...)
		if status&0x80 != 0 {
			dst = append(dst, " (core dumped)"...)
		}
		return append(dst, " +++\n"...)
	}
	dst = append(dst, " +++ exited with "...)
	dst = strconv.AppendInt(dst, int64(status>>8&0xff), 10)
	return append(dst, " +++\n"...)
}

// appendSignal renders a delivered signal as strace does, with the fields
// the event has.
func (p *Printer) appendSignal(dst []byte, e *inspect.Event) []byte {
	if e.NumParams() < 3 {
		return dst
	}
	spid := int64(binary.LittleEndian.Uint64(e.Param(0)))
	sig := int(e.Param(2)[0])
	name := event.SignalName(sig)
	dst = strconv.AppendInt(dst, e.TID, 10)
	dst = append(dst, " --- "...)
	dst = append(dst, name...)
	dst = append(dst, " {si_signo="...)
	dst = append(dst, name...)
	if spid != 0 {
		dst = append(dst, ", si_pid="...)
		dst = strconv.AppendInt(dst, spid, 10)
	}
	return append(dst, "} ---\n"...)
}

// nativeNames maps each event type that exactly one native syscall is
// recorded with to that syscall's name (pread64 for pread, prlimit64 for
// prlimit), from the syscall table.
var nativeNames = sync.OnceValue(func() map[event.Type]string {
	count := map[event.Type]int{}
	names := map[event.Type]string{}
	for _, sc := range event.Syscalls() {
		if sc.Generic() {
			continue
		}
		count[sc.Enter]++
		count[sc.Exit]++
		names[sc.Enter], names[sc.Exit] = sc.Name, sc.Name
	}
	for t, n := range count {
		if n != 1 {
			delete(names, t)
		}
	}
	return names
})

// callName is the syscall name strace prints for e: the native name of a
// generic event's syscall, the single native syscall an event type is
// recorded for, or sysdig's event name.
func callName(e *inspect.Event) string {
	if e.Type == event.GenericE && e.NumParams() > 1 {
		if v, ok := e.ParamUint(1); ok {
			if sc := event.SyscallByNr(int(v)); sc != nil {
				return sc.Name
			}
		}
	}
	if n, ok := nativeNames()[e.Type]; ok {
		return n
	}
	return e.TypeName()
}
