package field

import (
	"strconv"
	"unicode/utf8"

	"xtrace/event"
	"xtrace/inspect"
)

// AppendText appends the field's value for e as sysdig's -p prints it.
// ok is false when the field has no printable value for the event (the
// event is then dropped by -p, or shows <NA> with a leading *). err is a
// *RenderError for values sysdig cannot print, such as evt.rawarg of an
// fd parameter.
func (f *Field) AppendText(dst []byte, e *inspect.Event) (out []byte, ok bool, err error) {
	v, ok := f.Extract(e)
	if !ok {
		return dst, false, nil
	}
	return f.appendText(dst, v)
}

// AppendValueText appends v, a value this handle extracted, as -p prints
// it (see AppendText).
func (f *Field) AppendValueText(dst []byte, v *Value) ([]byte, bool, error) {
	return f.appendText(dst, v)
}

func (f *Field) appendText(dst []byte, v *Value) ([]byte, bool, error) {
	format := f.def.Format
	if f.def.Arg == ArgRawParam {
		// evt.rawarg keeps the field's own (empty) print format whatever
		// the parameter's: unsigned and small signed parameters do not
		// print at all.
		format = FmtNA
	}
	switch f.typ {
	case event.PTInt8, event.PTInt16, event.PTInt32:
		bits := uint(32)
		if f.typ == event.PTInt8 {
			bits = 8
		} else if f.typ == event.PTInt16 {
			bits = 16
		}
		switch format {
		case FmtOct:
			return strconv.AppendUint(dst, uint64(v.Int)&(1<<bits-1), 8), true, nil
		case FmtDec, FmtID:
			return strconv.AppendInt(dst, v.Int, 10), true, nil
		case FmtHex:
			return inspect.AppendUpperHex(dst, uint64(v.Int)&(1<<bits-1)), true, nil
		}
		return dst, false, nil
	case event.PTInt64, event.PTPID, event.PTErrno:
		switch format {
		case FmtOct:
			return strconv.AppendUint(dst, uint64(v.Int), 8), true, nil
		case FmtPadded:
			return appendPaddedInt(dst, v.Int), true, nil
		case FmtHex:
			return inspect.AppendUpperHex(dst, uint64(v.Int)), true, nil
		}
		return strconv.AppendInt(dst, v.Int, 10), true, nil
	case event.PTL4Proto, event.PTUint8, event.PTPort, event.PTUint16, event.PTUint32:
		switch format {
		case FmtOct:
			return strconv.AppendUint(dst, v.Uint, 8), true, nil
		case FmtDec, FmtID, FmtHex:
			return strconv.AppendUint(dst, v.Uint, 10), true, nil
		}
		return dst, false, nil
	case event.PTUint64, event.PTRelTime, event.PTAbsTime:
		switch format {
		case FmtOct:
			return strconv.AppendUint(dst, v.Uint, 8), true, nil
		case FmtDec, FmtID:
			return strconv.AppendUint(dst, v.Uint, 10), true, nil
		case FmtPadded:
			return appendPadded(dst, v.Uint, 9), true, nil
		case FmtHex:
			return inspect.AppendUpperHex(dst, v.Uint), true, nil
		}
		return dst, false, nil
	case event.PTCharBuf, event.PTFSPath, event.PTFSRelPath, event.PTByteBuf:
		return append(dst, v.Str...), true, nil
	case event.PTBool:
		if v.Uint != 0 {
			return append(dst, "true"...), true, nil
		}
		return append(dst, "false"...), true, nil
	case event.PTIPv4Addr, event.PTIPv6Addr, event.PTIPAddr:
		return inspect.AppendIP(dst, v.IP[:v.IPLen]), true, nil
	case event.PTDouble:
		return strconv.AppendFloat(dst, v.Float, 'f', 1, 64), true, nil
	case event.PTSockAddr, event.PTSockFamily:
		return dst, false, nil
	}
	return dst, false, &RenderError{Msg: "wrong event type " + strconv.Itoa(int(f.typ))}
}

// AppendJSON appends the field's value for e as a JSON value the way
// sysdig's -j prints it (numbers for numeric fields with a decimal format,
// strings otherwise). ok is false for no value (JSON null).
func (f *Field) AppendJSON(dst []byte, e *inspect.Event) (out []byte, ok bool, err error) {
	// A few time fields are numbers in JSON whatever their text form.
	switch f.def.Name {
	case "evt.time", "evt.time.s", "evt.time.iso8601", "evt.datetime", "evt.datetime.s", "evt.outputtime":
		if e == nil {
			return dst, false, nil
		}
		// sysdig stores the timestamp in a signed JSON integer.
		return strconv.AppendInt(dst, int64(e.TS), 10), true, nil
	case "evt.rawtime.ns", "evt.reltime", "evt.reltime.ns", "evt.latency.ns", "evt.deltatime.ns":
		v, ok := f.Extract(e)
		if !ok {
			return dst, false, nil
		}
		return strconv.AppendUint(dst, v.Uint, 10), true, nil
	}
	v, ok := f.Extract(e)
	if !ok {
		return dst, false, nil
	}
	return f.appendJSON(dst, v)
}

func (f *Field) appendJSON(dst []byte, v *Value) ([]byte, bool, error) {
	format := f.def.Format
	if f.def.Arg == ArgRawParam {
		format = FmtNA
	}
	switch f.typ {
	case event.PTInt8, event.PTInt16, event.PTInt32:
		switch format {
		case FmtDec, FmtID:
			return strconv.AppendInt(dst, v.Int, 10), true, nil
		case FmtOct, FmtHex:
			return f.jsonString(dst, v)
		}
		return dst, false, nil
	case event.PTInt64, event.PTPID:
		if format == FmtDec || format == FmtID {
			return strconv.AppendInt(dst, v.Int, 10), true, nil
		}
		return f.jsonString(dst, v)
	case event.PTL4Proto, event.PTUint8, event.PTPort, event.PTUint16, event.PTUint32:
		switch format {
		case FmtDec, FmtID:
			return strconv.AppendUint(dst, v.Uint, 10), true, nil
		case FmtOct, FmtHex:
			return f.jsonString(dst, v)
		}
		return dst, false, nil
	case event.PTUint64, event.PTRelTime, event.PTAbsTime:
		switch format {
		case FmtDec, FmtID:
			return strconv.AppendUint(dst, v.Uint, 10), true, nil
		case FmtPadded, FmtOct, FmtHex:
			return f.jsonString(dst, v)
		}
		return dst, false, nil
	case event.PTSockAddr, event.PTSockFamily:
		return dst, false, nil
	case event.PTBool:
		if v.Uint != 0 {
			return append(dst, "true"...), true, nil
		}
		return append(dst, "false"...), true, nil
	case event.PTCharBuf, event.PTFSPath, event.PTByteBuf, event.PTIPv4Addr,
		event.PTIPv6Addr, event.PTIPAddr, event.PTFSRelPath:
		return f.jsonString(dst, v)
	}
	return dst, false, &RenderError{Msg: "wrong event type " + strconv.Itoa(int(f.typ))}
}

// jsonString appends the text rendering of v as a JSON string.
func (f *Field) jsonString(dst []byte, v *Value) ([]byte, bool, error) {
	start := len(f.res)
	text, ok, err := f.appendText(f.res[:start], v)
	f.res = text[:start]
	if err != nil || !ok {
		return dst, ok, err
	}
	return AppendJSONString(dst, text[start:]), true, nil
}

// AppendJSONString appends s as a JSON string the way jsoncpp 1.9 writes
// it: the usual short escapes, other control characters and every
// non-ASCII character as \u escapes (invalid UTF-8 as U+FFFD).
func AppendJSONString[S ~string | ~[]byte](dst []byte, s S) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if c >= 0x20 && c < 0x80 {
				dst = append(dst, c)
				break
			}
			r, size := rune(c), 1
			if c >= 0x80 {
				r, size = utf8.DecodeRuneInString(string(s[i:min(i+4, len(s))]))
			}
			if r >= 0x10000 {
				r -= 0x10000
				hi, lo := 0xd800+(r>>10), 0xdc00+(r&0x3ff)
				dst = append(dst, '\\', 'u', hex[hi>>12&15], hex[hi>>8&15], hex[hi>>4&15], hex[hi&15])
				dst = append(dst, '\\', 'u', hex[lo>>12&15], hex[lo>>8&15], hex[lo>>4&15], hex[lo&15])
			} else {
				dst = append(dst, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
			}
			i += size
			continue
		}
		i++
	}
	return append(dst, '"')
}

// appendPadded appends v in decimal, zero-padded to width digits.
func appendPadded(dst []byte, v uint64, width int) []byte { return inspect.AppendPadded(dst, v, width) }

// appendPaddedInt is C's "%09" PRId64: the sign counts in the width.
func appendPaddedInt(dst []byte, v int64) []byte {
	if v >= 0 {
		return appendPadded(dst, uint64(v), 9)
	}
	dst = append(dst, '-')
	return appendPadded(dst, uint64(-v), 8)
}
