package export

import (
	"encoding/binary"
	"math"
	"strconv"

	"xtrace/event"
	"xtrace/field"
	"xtrace/inspect"
)

// resultParam reports whether parameter i of an exit event is the call's
// result (a first "res" or "fd" parameter, as sinsp reads the errno of a
// failed exit), which the res column already holds.
func resultParam(d *event.Desc, i int) bool {
	return d.Dir == event.Exit && i == 0 && (d.Params[0].Name == "res" || d.Params[0].Name == "fd")
}

// argsParam reports whether parameter i goes into the args object: every
// parameter but the result and the data buffers.
func argsParam(d *event.Desc, i int) bool {
	return !resultParam(d, i) && d.Params[i].Type != event.PTByteBuf
}

// appendArgMembers appends `"name":value` members for the parameters of e
// that argsParam keeps, each preceded by a comma when dst already holds a
// member.
func (x *Exporter) appendArgMembers(dst []byte, e *inspect.Event) []byte {
	d := e.Info
	n := min(e.NumParams(), len(d.Params))
	for i := 0; i < n; i++ {
		if !argsParam(d, i) {
			continue
		}
		if len(dst) > 0 {
			dst = append(dst, ',')
		}
		dst = field.AppendJSONString(dst, d.Params[i].Name)
		dst = append(dst, ':')
		dst = x.appendArgValue(dst, e, i)
	}
	return dst
}

// appendArgValue appends parameter i of e as a typed JSON value. The switch
// is over parameter kinds of the event table, so every event type (and any
// the table gains) is handled the same way.
func (x *Exporter) appendArgValue(dst []byte, e *inspect.Event, i int) []byte {
	pi := &e.Info.Params[i]
	p := e.Param(i)
	typ := pi.Type
	if typ == event.PTDyn && len(pi.Dyn) > 0 && len(p) > 0 && int(p[0]) < len(pi.Dyn) {
		typ = pi.Dyn[p[0]].Type
		p = p[1:]
	}
	if sz := typ.Size(); sz > 0 && len(p) < sz {
		return append(dst, "null"...)
	}
	switch typ {
	case event.PTInt8:
		return strconv.AppendInt(dst, int64(int8(p[0])), 10)
	case event.PTInt16:
		return strconv.AppendInt(dst, int64(int16(binary.LittleEndian.Uint16(p))), 10)
	case event.PTInt32:
		return strconv.AppendInt(dst, int64(int32(binary.LittleEndian.Uint32(p))), 10)
	case event.PTInt64, event.PTErrno, event.PTFD, event.PTPID:
		return strconv.AppendInt(dst, int64(binary.LittleEndian.Uint64(p)), 10)
	case event.PTUint8, event.PTL4Proto, event.PTSockFamily:
		return strconv.AppendUint(dst, uint64(p[0]), 10)
	case event.PTUint16, event.PTPort:
		return strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint16(p)), 10)
	case event.PTUint32:
		return strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint32(p)), 10)
	case event.PTUID, event.PTGID:
		// -1 (no change) stays -1, as the kernel takes it.
		return strconv.AppendInt(dst, int64(int32(binary.LittleEndian.Uint32(p))), 10)
	case event.PTUint64, event.PTRelTime, event.PTAbsTime:
		return strconv.AppendUint(dst, binary.LittleEndian.Uint64(p), 10)
	case event.PTBool:
		if binary.LittleEndian.Uint32(p) != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case event.PTDouble:
		return strconv.AppendFloat(dst, math.Float64frombits(binary.LittleEndian.Uint64(p)), 'g', -1, 64)
	case event.PTFlags8, event.PTFlags16, event.PTFlags32, event.PTMode,
		event.PTSigType, event.PTSyscallID:
		// Names: the resolved text sysdig shows in parentheses, the
		// number when no name applies.
		val, res := e.AppendParam(x.val[:0], x.res[:0], i, nil)
		x.val, x.res = val, res
		if len(res) > 0 {
			return field.AppendJSONString(dst, res)
		}
		return field.AppendJSONString(dst, val)
	case event.PTCharBuf, event.PTFSPath, event.PTFSRelPath:
		return field.AppendJSONString(dst, cstring(p))
	}
	// fds lists, addresses, tuples, signal sets: sysdig's text.
	val, _ := e.AppendParam(x.val[:0], x.res[:0], i, &inspect.RenderOptions{Full: true})
	x.val = val
	return field.AppendJSONString(dst, val)
}

// cstring returns p up to its first NUL.
func cstring(p []byte) []byte {
	for i, c := range p {
		if c == 0 {
			return p[:i]
		}
	}
	return p
}

// appendPath appends the first path parameter of e, made absolute as
// sysdig resolves it; ok is false when e has none.
func (x *Exporter) appendPath(dst []byte, e *inspect.Event) ([]byte, bool) {
	d := e.Info
	n := min(e.NumParams(), len(d.Params))
	for i := 0; i < n; i++ {
		if t := d.Params[i].Type; t != event.PTFSPath && t != event.PTFSRelPath {
			continue
		}
		if len(cstring(e.Param(i))) == 0 {
			continue
		}
		val, res := e.AppendParam(x.val[:0], x.res[:0], i, nil)
		x.val, x.res = val, res
		if len(res) > 0 {
			return append(dst, res...), true
		}
		return append(dst, val...), true
	}
	return dst, false
}
