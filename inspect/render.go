package inspect

import (
	"encoding/base64"
	"math"
	"strconv"

	"xtrace/event"
)

// BufferFormat selects how byte-buffer parameters are rendered.
type BufferFormat uint8

const (
	// BufNormal prints printable ASCII and '.' for every other byte.
	BufNormal BufferFormat = iota
	// BufASCII (-A) starts with a newline and keeps printable bytes and
	// newlines only (a CR becomes a newline, the LF of a CRLF is
	// dropped).
	BufASCII
	// BufHex (-x) is a hex dump: a "\n\t0xOFFS:" line per 16 bytes with
	// 2-byte groups, then a final newline.
	BufHex
	// BufHexASCII (-X) is the hex dump with an ASCII column.
	BufHexASCII
	// BufBase64 (-b) is standard base64.
	BufBase64
)

// RenderOptions control how parameters are rendered.
type RenderOptions struct {
	Buffer BufferFormat
	// Full disables the 80-character cut of long buffers in BufNormal
	// mode (-v, JSON output and chisels).
	Full bool
}

// renderCtx is the internal form of the options; simple is sinsp's
// PF_SIMPLE (fd tags without the type letter), used for fd names.
type renderCtx struct {
	buf    BufferFormat
	full   bool
	simple bool
}

// maxEvtOutputLen is the cut sysdig applies to buffers without -v.
const maxEvtOutputLen = 80

// AppendInfo appends evt.info: "syslog sev=SEV msg=MSG" for a write to
// /dev/log the syslog decoder understood, otherwise the same as
// [Event.AppendArgs].
func (e *Event) AppendInfo(dst []byte, o *RenderOptions) []byte {
	if e.syslogActive() {
		d := &e.in.syslog
		dst = append(dst, "syslog sev="...)
		dst = append(dst, d.severityName()...)
		dst = append(dst, " msg="...)
		return append(dst, d.msg...)
	}
	return e.AppendArgs(dst, o)
}

// AppendArgs appends evt.args: "name=VALUE " or "name=VALUE(RESOLVED) "
// for every loaded parameter, empty for generic events.
func (e *Event) AppendArgs(dst []byte, o *RenderOptions) []byte {
	if e.Info == nil || e.Type == typeGenericE || e.Type == typeGenericX {
		return dst
	}
	rc := renderCtx{}
	if o != nil {
		rc.buf, rc.full = o.Buffer, o.Full
	}
	var res []byte
	if e.in != nil {
		res = e.in.resBuf[:0]
	}
	// The values stay in dst; the last one goes to the inspector's
	// parameter string (see setParamStr) once, at the end.
	last, lastEnd := -1, -1
	params := e.Info.Params
	n := min(e.NumParams(), len(params))
	for i := range n {
		dst = append(dst, params[i].Name...)
		dst = append(dst, '=')
		start := len(dst)
		var stale bool
		dst, res, stale = e.renderParam(dst, res[:0], i, rc)
		if e.in != nil {
			if stale {
				if last >= 0 {
					dst = append(dst[:start], dst[last:lastEnd]...)
				} else {
					dst = append(dst[:start], e.in.paramStr...)
				}
			}
			last, lastEnd = start, start+indexNUL(dst[start:])
		}
		if len(res) > 0 {
			dst = append(dst, '(')
			dst = append(dst, res...)
			dst = append(dst, ')')
		}
		dst = append(dst, ' ')
	}
	if e.in != nil {
		if last >= 0 {
			e.in.setParamStr(dst[last:lastEnd])
		}
		e.in.resBuf = res
	}
	return dst
}

// AppendParam appends the rendered value of parameter i to val and its
// resolved text (for example the fd name of an fd parameter, or the
// errno name) to res; res is left unchanged when there is none. It is
// sinsp's get_param_as_str.
func (e *Event) AppendParam(val, res []byte, i int, o *RenderOptions) ([]byte, []byte) {
	rc := renderCtx{}
	if o != nil {
		rc.buf, rc.full = o.Buffer, o.Full
	}
	return e.appendParam(val, res, i, rc)
}

// appendParamValue renders parameter i without its resolved part, with
// PF_SIMPLE when simple is set.
func (e *Event) appendParamValue(dst []byte, i int, simple bool) []byte {
	dst, _ = e.appendParam(dst, nil, i, renderCtx{simple: simple, full: true})
	return dst
}

// l4 returns the protocol sinsp uses to resolve ports in socket params:
// that of the event's fd.
func (e *Event) l4() uint8 {
	if e.FD != nil {
		return e.FD.Proto()
	}
	return L4Unknown
}

func (e *Event) resolvePorts() *Services {
	if e.in == nil {
		return nil
	}
	return e.in.resolvePorts
}

func (e *Event) appendParam(val, res []byte, i int, rc renderCtx) ([]byte, []byte) {
	if e.Info == nil || i < 0 || i >= e.NumParams() || i >= len(e.Info.Params) {
		return val, res
	}
	start := len(val)
	val, res, stale := e.renderParam(val, res, i, rc)
	if e.in != nil {
		if stale {
			val = append(val[:start], e.in.paramStr...)
		} else {
			e.in.setParamStr(val[start:])
		}
	}
	return val, res
}

// setParamStr records the last rendered value the way it stays in
// sinsp's per-event string buffer (up to its first NUL): the few
// renderings that write nothing (an empty path, an fd list without a
// thread) show that buffer's previous content.
func (in *Inspector) setParamStr(v []byte) {
	in.paramStr = append(in.paramStr[:0], v[:indexNUL(v)]...)
}

// renderParam renders parameter i; stale reports that sinsp would write
// nothing and show its buffer's previous content instead.
func (e *Event) renderParam(val, res []byte, i int, rc renderCtx) ([]byte, []byte, bool) {
	pi := &e.Info.Params[i]
	p := e.Param(i)
	typ := pi.Type
	format := pi.Format
	if typ == event.PTDyn && len(pi.Dyn) > 0 && len(p) != 0 {
		if idx := int(p[0]); idx < len(pi.Dyn) {
			typ = pi.Dyn[idx].Type
			p = p[1:]
		}
	}
	switch typ {
	case event.PTInt8:
		val = appendNum(val, int64(int8(u8of(p))), 32, format)
	case event.PTInt16:
		val = appendNum(val, int64(int16(le16(p))), 32, format)
	case event.PTInt32:
		val = appendNum(val, int64(int32(le32(p))), 32, format)
	case event.PTInt64, event.PTUint64:
		val = appendNum(val, int64(le64(p)), 64, format)
	case event.PTUint8:
		val = appendNum(val, int64(u8of(p)), 32, format)
	case event.PTUint16:
		val = appendNum(val, int64(le16(p)), 32, format)
	case event.PTUint32:
		val = appendNum(val, int64(int32(le32(p))), 32, format)
	case event.PTFD:
		fd := int64(le64(p))
		if fd < 0 && fd != ppmAtFDCWD && e.Info.Extended() && i != e.Info.Result() {
			// An fd argument of xtrace's own events is what the
			// program passed: -1 is -1, not an errno (only the
			// result of a call, event.Desc.Result, carries one).
			val = strconv.AppendInt(val, fd, 10)
			break
		}
		val, res = e.appendFD(val, res, fd, rc)
	case event.PTPID:
		pid := int64(le64(p))
		val = strconv.AppendInt(val, pid, 10)
		if e.in != nil {
			if t := e.in.lookup(pid); t != nil {
				res = append(res, t.Comm...)
			}
		}
	case event.PTErrno:
		v := int64(le64(p))
		val = strconv.AppendInt(val, v, 10)
		if v < 0 {
			res = append(res, errnoName(int32(v))...)
		}
	case event.PTCharBuf:
		val = append(val, p[:indexNUL(p)]...)
	case event.PTFSPath, event.PTFSRelPath:
		if len(p) == 0 {
			return val, res, true
		}
		val, res = e.appendPath(val, res, i, p)
	case event.PTByteBuf:
		val = appendBuffer(val, p, rc)
	case event.PTSockAddr:
		val = appendSockaddrParam(val, p, e.l4(), e.resolvePorts())
	case event.PTSockTuple:
		val = appendTupleParam(val, p, e.l4(), e.resolvePorts())
	case event.PTFDList:
		if e.threadInfo() == nil {
			return val, res, true
		}
		val = e.appendFDList(val, p)
	case event.PTSyscallID:
		sc := le16(p)
		if int(sc) >= event.NumSC {
			val = append(val, "<unknown syscall>"...)
			break
		}
		val = strconv.AppendUint(val, uint64(sc), 10)
		res = append(res, event.SCName(sc)...)
	case event.PTSigType:
		sig := u8of(p)
		val = strconv.AppendUint(val, uint64(sig), 10)
		res = append(res, event.SignalName(int(sig))...)
	case event.PTRelTime:
		v := le64(p)
		if v == math.MaxUint64 {
			val = append(val, "none"...)
			break
		}
		val = strconv.AppendUint(val, v, 10)
		res = strconv.AppendFloat(res, float64(v)/1e9, 'g', 6, 64)
		res = append(res, 's')
	case event.PTFlags8, event.PTFlags16, event.PTFlags32:
		var v uint32
		switch typ {
		case event.PTFlags8:
			v = uint32(u8of(p))
		case event.PTFlags16:
			v = uint32(le16(p))
		default:
			v = le32(p)
		}
		val = strconv.AppendUint(val, uint64(v), 10)
		if format == event.FormatEnum {
			res = appendEnumName(res, pi.Table, v)
			break
		}
		res = appendFlagNames(res, pi.Table, v)
	case event.PTMode:
		v := le32(p)
		val = appendNum(val, int64(int32(v)), 32, format)
		res = appendFlagNames(res, pi.Table, v)
	case event.PTUID, event.PTGID:
		v := le32(p)
		if v == math.MaxUint32 {
			val = append(val, "-1"...)
			res = append(res, "<NONE>"...)
			break
		}
		val = strconv.AppendInt(val, int64(int32(v)), 10)
		name, ok := e.idName(v, typ == event.PTGID)
		if ok {
			res = appendSanitized(res, name)
		} else {
			res = append(res, "<NA>"...)
		}
	case event.PTSigSet:
		v := le32(p)
		first := true
		for sig := 0; sig < 32; sig++ {
			if v&(1<<sig) == 0 {
				continue
			}
			if name := event.SignalName(sig + 1); name != "" {
				if !first {
					val = append(val, ' ')
				}
				val = append(val, name...)
				first = false
			}
		}
	case event.PTAbsTime, event.PTDyn:
		val = append(val, "INVALID DYNAMIC PARAMETER"...)
	case event.PTCharBufArray, event.PTCharBufPairArray:
		// In-memory only (tracer events); a file cannot carry them.
	default:
		val = append(val, "(n.a.)"...)
	}
	return val, res, false
}

func u8of(p []byte) uint8 {
	if len(p) > 0 {
		return p[0]
	}
	return 0
}

func (e *Event) idName(id uint32, group bool) (string, bool) {
	if e.in == nil {
		return "", false
	}
	if group {
		if g := e.in.Group(id); g != nil {
			return g.Name, true
		}
		return "", false
	}
	if u := e.in.User(id); u != nil {
		return u.Name, true
	}
	return "", false
}

// errnoName is sinsp's errno_to_str for a negative result.
func errnoName(code int32) string {
	return event.ErrnoName(-int64(code))
}

// appendNum renders an integer per print format the way sinsp's printf
// formats do: decimal values are signed (so a UINT32 above 2^31 prints
// negative), hex and octal render the bits of the value promoted to bits
// width.
func appendNum(dst []byte, v int64, bits int, f event.PrintFormat) []byte {
	u := uint64(v)
	if bits == 32 {
		u &= 0xffffffff
	}
	switch f {
	case event.FormatHex:
		return AppendUpperHex(dst, u)
	case event.FormatOct:
		if u == 0 {
			return append(dst, '0')
		}
		dst = append(dst, '0')
		return strconv.AppendUint(dst, u, 8)
	}
	return strconv.AppendInt(dst, v, 10)
}

// AppendPadded appends v in decimal, zero-padded to width digits.
func AppendPadded(dst []byte, v uint64, width int) []byte {
	var b [20]byte
	n := strconv.AppendUint(b[:0], v, 10)
	for i := len(n); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, n...)
}

// AppendUpperHex appends u in upper-case hex without prefix or padding,
// as sinsp's "%" PRIX64 formats print it.
func AppendUpperHex(dst []byte, u uint64) []byte {
	const digits = "0123456789ABCDEF"
	var b [16]byte
	i := len(b)
	for {
		i--
		b[i] = digits[u&15]
		u >>= 4
		if u == 0 {
			break
		}
	}
	return append(dst, b[i:]...)
}

// appendFlagNames resolves a flags or mode value against its table with
// sinsp's algorithm: walk the table in order up to the first entry equal
// to the whole value; every earlier entry whose bits are all still set
// (or a zero entry for a zero value) is printed and its bits cleared;
// then the exact match, if any, is printed too.
func appendFlagNames(res []byte, tbl *event.FlagTable, v uint32) []byte {
	if tbl == nil {
		return res
	}
	initial := v
	sep := false
	i := 0
	for ; i < len(tbl.Entries) && tbl.Entries[i].Value != initial; i++ {
		f := &tbl.Entries[i]
		if (f.Value == 0 && initial == 0) || (f.Value != 0 && v&f.Value == f.Value && v != 0) {
			if sep {
				res = append(res, '|')
			}
			res = append(res, f.Name...)
			sep = true
			v &^= f.Value
		}
	}
	if i < len(tbl.Entries) {
		if sep {
			res = append(res, '|')
		}
		res = append(res, tbl.Entries[i].Name...)
	}
	return res
}

// appendEnumName resolves an enumerated value (the FormatEnum parameters
// of xtrace's own events): the name of the entry equal to v, if any.
func appendEnumName(res []byte, tbl *event.FlagTable, v uint32) []byte {
	if tbl == nil {
		return res
	}
	for i := range tbl.Entries {
		if tbl.Entries[i].Value == v {
			return append(res, tbl.Entries[i].Name...)
		}
	}
	return res
}

// appendFD renders an fd parameter: the number, and as resolved text
// "<TYPE>name" for a known fd, AT_FDCWD, or an errno name.
func (e *Event) appendFD(val, res []byte, fd int64, rc renderCtx) ([]byte, []byte) {
	val = strconv.AppendInt(val, fd, 10)
	t := e.threadInfo()
	if t == nil {
		return val, res
	}
	switch {
	case fd >= 0:
		fdi := t.FD(fd)
		if fdi == nil {
			break
		}
		res = append(res, '<')
		if !rc.simple {
			res = append(res, fdi.TypeChar())
		}
		switch fdi.Type {
		case FDIPv4Sock, FDIPv6Sock, FDIPv4Serv, FDIPv6Serv:
			switch fdi.Proto() {
			case L4TCP:
				res = append(res, 't')
			case L4UDP:
				res = append(res, 'u')
			case L4ICMP:
				res = append(res, 'i')
			case L4Raw:
				res = append(res, 'r')
			}
		}
		res = append(res, '>')
		res = appendSanitized(res, fdi.Name)
	case fd == ppmAtFDCWD:
		res = append(res, "AT_FDCWD"...)
	default:
		res = append(res, errnoName(int32(fd))...)
	}
	return val, res
}

// appendPath renders an FSPATH/FSRELPATH parameter: the path without
// unprintable bytes, and for a relative path the absolute one as
// resolved text.
func (e *Event) appendPath(val, res []byte, i int, p []byte) ([]byte, []byte) {
	limit := len(p)
	if limit > maxPathSize {
		limit = maxPathSize
	}
	start := len(val)
	val = appendSanitizedC(val, p)
	if limit > 0 && len(val)-start > limit-1 {
		val = val[:start+limit-1]
	}
	t := e.threadInfo()
	if t == nil || len(p) == 0 || (len(p) >= 4 && string(p[:4]) == "<NA>") {
		return val, res
	}
	base := e.baseDir(i, t)
	mark := len(res)
	var rel bool
	res, rel = concatPaths(res, base, p, len(p), 0)
	if !rel {
		res = res[:mark]
	}
	return val, res
}

// baseDir is sinsp's get_base_dir: the directory a path parameter is
// relative to.
func (e *Event) baseDir(i int, t *Thread) string {
	cwd := t.Cwd()
	pi := &e.Info.Params[i]
	if pi.Type != event.PTFSRelPath {
		return cwd
	}
	d := int(pi.DirFD)
	if d < 0 || d >= len(e.Info.Params) || e.Info.Params[d].Type != event.PTFD || d >= e.NumParams() {
		return cwd
	}
	dirfd := int64(le64(e.Param(d)))
	if dirfd == ppmAtFDCWD {
		return cwd
	}
	fd := t.FD(dirfd)
	if fd == nil || fd.Name == "" {
		return ""
	}
	return sanitized(fd.Name) + "/"
}

// appendBuffer renders a byte buffer per the buffer mode.
func appendBuffer(dst []byte, p []byte, rc renderCtx) []byte {
	if len(p) == 0 {
		return dst
	}
	start := len(dst)
	switch rc.buf {
	case BufHex, BufHexASCII:
		return appendHexDump(dst, p, rc.buf == BufHexASCII)
	case BufBase64:
		return base64.StdEncoding.AppendEncode(dst, p)
	case BufASCII:
		dst = append(dst, '\n')
		for j, c := range p {
			switch {
			case !invalidChar(c):
				dst = append(dst, c)
			case c == '\r':
				dst = append(dst, '\n')
			case c == '\n':
				if j > 0 && p[j-1] != '\r' {
					dst = append(dst, '\n')
				}
			}
		}
		return dst
	}
	for _, c := range p {
		if invalidChar(c) {
			c = '.'
		}
		dst = append(dst, c)
	}
	if !rc.full && !rc.simple && len(dst)-start > maxEvtOutputLen {
		dst = dst[:start+maxEvtOutputLen]
		copy(dst[start+maxEvtOutputLen-3:], "...")
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendHexDump writes sinsp's hex dump layout.
func appendHexDump(dst []byte, p []byte, ascii bool) []byte {
	n := len(p)
	for j := 0; j < n; j += 16 {
		dst = append(dst, "\n\t0x"...)
		if j > 0xffff {
			dst = strconv.AppendUint(dst, uint64(j), 16)
		} else {
			dst = append(dst, hexDigits[j>>12&15], hexDigits[j>>8&15], hexDigits[j>>4&15], hexDigits[j&15])
		}
		dst = append(dst, ':')
		chunks := 0
		for k := j; chunks < 8 && k < n; k += 2 {
			dst = append(dst, ' ', hexDigits[p[k]>>4], hexDigits[p[k]&15])
			if k+1 < n {
				dst = append(dst, hexDigits[p[k+1]>>4], hexDigits[p[k+1]&15])
			}
			chunks++
		}
		if ascii {
			for ; chunks < 8; chunks++ {
				dst = append(dst, "     "...)
			}
			dst = append(dst, ' ', ' ')
			for k := j; k < j+16 && k < n; k++ {
				c := p[k]
				if invalidChar(c) {
					c = '.'
				}
				dst = append(dst, c)
			}
		}
	}
	return append(dst, '\n')
}

// appendSockaddrParam renders a SOCKADDR parameter.
func appendSockaddrParam(dst []byte, p []byte, l4 uint8, resolve *Services) []byte {
	if len(p) == 0 {
		return append(dst, "NULL"...)
	}
	switch p[0] {
	case ppmAFUnix:
		return appendSanitizedC(dst, p[1:])
	case ppmAFInet:
		if len(p) != 7 {
			return append(dst, "INVALID IPv4"...)
		}
		return appendIPv4Addr(dst, le32(p[1:]), le16(p[5:]), l4, resolve)
	case ppmAFInet6:
		if len(p) != 19 {
			return append(dst, "INVALID IPv6"...)
		}
		dst = appendIPv6(dst, p[1:17])
		dst = append(dst, ':')
		return appendPort(dst, le16(p[17:]), l4, resolve)
	}
	dst = append(dst, "family "...)
	return strconv.AppendInt(dst, int64(int8(p[0])), 10)
}

// appendTupleParam renders a SOCKTUPLE parameter.
func appendTupleParam(dst []byte, p []byte, l4 uint8, resolve *Services) []byte {
	if len(p) == 0 {
		return append(dst, "NULL"...)
	}
	switch p[0] {
	case ppmAFInet:
		if len(p) != 13 {
			return append(dst, "INVALID IPv4"...)
		}
		return appendIPv4Tuple(dst, le32(p[1:]), le16(p[5:]), le32(p[7:]), le16(p[11:]), l4, resolve)
	case ppmAFInet6:
		if len(p) != 37 {
			return append(dst, "INVALID IPv6"...)
		}
		if isIPv4Mapped(p[1:17]) && isIPv4Mapped(p[19:35]) {
			return appendIPv4Tuple(dst, le32(p[13:]), le16(p[17:]), le32(p[31:]), le16(p[35:]), l4, resolve)
		}
		return appendIPv6Tuple(dst, p[1:17], le16(p[17:]), p[19:35], le16(p[35:]), l4, resolve)
	case ppmAFUnix:
		dst = strconv.AppendUint(dst, le64(tupleField(p, 1, 8)), 16)
		dst = append(dst, "->"...)
		dst = strconv.AppendUint(dst, le64(tupleField(p, 9, 8)), 16)
		dst = append(dst, ' ')
		if len(p) > 17 {
			dst = appendSanitizedC(dst, p[17:])
		}
		return dst
	}
	dst = append(dst, "family "...)
	return strconv.AppendInt(dst, int64(int8(p[0])), 10)
}

// appendFDList renders an FDLIST parameter: "fd:TF" items, T the fd type
// letter or '?', F the poll flags in hex.
func (e *Event) appendFDList(dst []byte, p []byte) []byte {
	t := e.threadInfo()
	if t == nil || len(p) < 2 {
		return dst
	}
	n := int(le16(p))
	pos := 2
	for j := 0; j < n && pos+10 <= len(p); j++ {
		fd := int64(le64(p[pos:]))
		tch := byte('?')
		if fdi := t.FD(fd); fdi != nil {
			tch = fdi.TypeChar()
		}
		dst = strconv.AppendUint(dst, uint64(fd), 10)
		dst = append(dst, ':', tch)
		dst = strconv.AppendUint(dst, uint64(uint32(int32(int16(le16(p[pos+8:]))))), 16)
		if j < n-1 {
			dst = append(dst, ' ')
		}
		pos += 10
	}
	return dst
}
