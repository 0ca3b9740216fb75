package scap

import (
	"encoding/binary"
	"fmt"

	"xtrace/event"
)

// Encoder builds one event at a time in v2 layout, ready for
// Writer.WriteRaw. Begin reserves the length array for the table's number
// of parameters; each Append call adds the next parameter's value; Finish
// checks the count and returns the event. The returned slice is reused by
// the next Begin. An Encoder does not allocate once its buffer has grown.
type Encoder struct {
	buf     []byte
	typ     event.Type
	want    int
	n       int
	lenSize int
	marker  bool // Finish appends the empty marker parameter
}

// Begin starts an event of type t for thread tid at time ts (ns since the
// epoch).
//
// An extended type of xtrace's (event.Desc.Extended) is written as the
// generic event of its direction: the caller appends the generic prefix
// (ID, nativeID: event.WirePrefix params) and then the type's own
// parameters. An extended enter without parameters of its own gets one
// empty parameter from Finish, so that readers tell it from sysdig's own
// generic enter, which holds exactly the prefix.
func (e *Encoder) Begin(ts uint64, tid int64, t event.Type) {
	d := event.Info(t)
	e.typ, e.n, e.want, e.lenSize, e.marker = t, 0, 0, 2, false
	wire := t
	if d != nil {
		e.want = len(d.Params)
		if d.Flags&event.LargePayload != 0 {
			e.lenSize = 4
		}
		if d.Extended() {
			wire = d.Wire
			e.want += event.WirePrefix
			if len(d.Params) == 0 {
				e.want++
				e.marker = true
			}
		}
	}
	b := e.buf[:0]
	b = binary.LittleEndian.AppendUint64(b, ts)
	b = binary.LittleEndian.AppendUint64(b, uint64(tid))
	b = binary.LittleEndian.AppendUint32(b, 0) // len, set by Finish
	b = binary.LittleEndian.AppendUint16(b, uint16(wire))
	b = binary.LittleEndian.AppendUint32(b, uint32(e.want))
	for i := 0; i < e.want*e.lenSize; i++ {
		b = append(b, 0)
	}
	e.buf = b
}

func (e *Encoder) setLen(start int) {
	if e.n >= e.want {
		e.n++
		return
	}
	l := len(e.buf) - start
	at := evtHeaderLen + e.n*e.lenSize
	if e.lenSize == 2 {
		if l > 0xffff {
			l = 0xffff
		}
		binary.LittleEndian.PutUint16(e.buf[at:], uint16(l))
	} else {
		binary.LittleEndian.PutUint32(e.buf[at:], uint32(l))
	}
	e.n++
}

// U8 appends a 1-byte parameter.
func (e *Encoder) U8(v uint8) {
	s := len(e.buf)
	e.buf = append(e.buf, v)
	e.setLen(s)
}

// U16 appends a 2-byte parameter.
func (e *Encoder) U16(v uint16) {
	s := len(e.buf)
	e.buf = binary.LittleEndian.AppendUint16(e.buf, v)
	e.setLen(s)
}

// U32 appends a 4-byte parameter.
func (e *Encoder) U32(v uint32) {
	s := len(e.buf)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, v)
	e.setLen(s)
}

// U64 appends an 8-byte parameter.
func (e *Encoder) U64(v uint64) {
	s := len(e.buf)
	e.buf = binary.LittleEndian.AppendUint64(e.buf, v)
	e.setLen(s)
}

// I64 appends an 8-byte signed parameter (fds, pids, errnos).
func (e *Encoder) I64(v int64) { e.U64(uint64(v)) }

// Bytes appends a byte-buffer parameter as is (no terminator).
func (e *Encoder) Bytes(p []byte) {
	s := len(e.buf)
	e.buf = append(e.buf, p...)
	e.setLen(s)
}

// String appends a string parameter with its terminating NUL, as CHARBUF,
// FSPATH and FSRELPATH values are stored.
func (e *Encoder) String(str string) {
	s := len(e.buf)
	e.buf = append(e.buf, str...)
	e.buf = append(e.buf, 0)
	e.setLen(s)
}

// CString appends a string parameter given as bytes, adding the NUL.
func (e *Encoder) CString(p []byte) {
	s := len(e.buf)
	e.buf = append(e.buf, p...)
	e.buf = append(e.buf, 0)
	e.setLen(s)
}

// Empty appends a zero-length parameter (e.g. an unavailable SOCKTUPLE).
func (e *Encoder) Empty() { e.setLen(len(e.buf)) }

// Append appends raw bytes to the current parameter value being built with
// Start/End, for values assembled in pieces (tuples, fd lists).
func (e *Encoder) Append(p ...byte) { e.buf = append(e.buf, p...) }

// Start begins a parameter assembled with Append and closed with End; it
// returns the mark End needs.
func (e *Encoder) Start() int { return len(e.buf) }

// End closes a parameter begun with Start.
func (e *Encoder) End(mark int) { e.setLen(mark) }

// Buf exposes the buffer for in-place appends between Start and End.
func (e *Encoder) Buf() *[]byte { return &e.buf }

// Finish completes the event and returns it in v2 layout. The slice is
// valid until the next Begin.
func (e *Encoder) Finish() ([]byte, error) {
	if e.marker && e.n == e.want-1 {
		e.Empty()
	}
	if e.n != e.want {
		return nil, fmt.Errorf("scap: %s event has %d params, the table lists %d", typeName(e.typ), e.n, e.want)
	}
	binary.LittleEndian.PutUint32(e.buf[16:], uint32(len(e.buf)))
	return e.buf, nil
}
