package scap

import (
	"encoding/binary"
	"fmt"

	"xtrace/event"
)

// Dump flags of EVF blocks.
const (
	// FlagStateOnly marks an event that readers use to update their state
	// but never show (sysdig -F "fat file" events).
	FlagStateOnly = 1
	// FlagTracer marks sysdig tracer events.
	FlagTracer = 2
)

// evtHeaderLen is the size of a v2 event header: ts, tid, len, type, nparams.
const evtHeaderLen = 26

// Event is one event read from a capture. Its byte slices point into buffers
// owned by the Reader that returned it; they are valid until the next call
// to Next.
type Event struct {
	// Offset is the byte offset of the event's block in the decompressed
	// stream.
	Offset int64
	// CPU is the cpuid stored in the block.
	CPU uint16
	// DumpFlags are the EVF flags (0 for plain EV blocks).
	DumpFlags uint32
	TS        uint64
	TID       int64
	Type      event.Type

	// raw is the event in v2 layout: header, length array, values.
	raw []byte
	// nparams values were loaded (the smaller of the event's nparams and
	// the table's count); offs holds their offsets into raw and the end
	// of the last one. An array, not a slice, so that decoding an event
	// stores no pointer but raw.
	nparams int
	offs    [maxParams + 1]uint32
}

// maxParams bounds the parameters loaded per event; the event table lists
// at most 20 per type (TestMaxParams).
const maxParams = 32

// NumParams returns how many parameters were loaded: the smaller of what
// the file holds and what the event table lists, as sysdig does.
func (e *Event) NumParams() int { return e.nparams }

// Param returns the raw bytes of parameter i (0 <= i < NumParams).
func (e *Event) Param(i int) []byte {
	o := e.offs[:e.nparams+1]
	return e.raw[o[i]:o[i+1]]
}

// Raw returns the whole event in v2 layout (header with nparams, the
// length array and the values), as written in EV v2 blocks after the cpuid.
func (e *Event) Raw() []byte { return e.raw }

// Desc returns the table description of the event's type.
func (e *Event) Desc() *event.Desc { return event.Info(e.Type) }

// StateOnly reports whether the event is flagged state-only (EVF flag 1).
func (e *Event) StateOnly() bool { return e.DumpFlags&FlagStateOnly != 0 }

// ParamInt returns parameter i decoded as a little-endian signed integer of
// its stored width (1, 2, 4 or 8 bytes); ok is false for other widths or a
// missing parameter.
func (e *Event) ParamInt(i int) (v int64, ok bool) {
	if i >= e.NumParams() {
		return 0, false
	}
	p := e.Param(i)
	switch len(p) {
	case 1:
		return int64(int8(p[0])), true
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(p))), true
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(p))), true
	case 8:
		return int64(binary.LittleEndian.Uint64(p)), true
	}
	return 0, false
}

// ParamUint returns parameter i decoded as an unsigned integer of its
// stored width.
func (e *Event) ParamUint(i int) (v uint64, ok bool) {
	if i >= e.NumParams() {
		return 0, false
	}
	p := e.Param(i)
	switch len(p) {
	case 1:
		return uint64(p[0]), true
	case 2:
		return uint64(binary.LittleEndian.Uint16(p)), true
	case 4:
		return uint64(binary.LittleEndian.Uint32(p)), true
	case 8:
		return binary.LittleEndian.Uint64(p), true
	}
	return 0, false
}

// decodeEvent fills e from a v2-layout event in raw (which e keeps). It
// checks every length against the bytes present.
func (e *Event) decode(raw []byte) error {
	if len(raw) < evtHeaderLen {
		return fmt.Errorf("event of %d bytes is shorter than its header", len(raw))
	}
	e.TS = binary.LittleEndian.Uint64(raw[0:])
	e.TID = int64(binary.LittleEndian.Uint64(raw[8:]))
	evLen := binary.LittleEndian.Uint32(raw[16:])
	e.Type = event.Type(binary.LittleEndian.Uint16(raw[20:]))
	nparams := binary.LittleEndian.Uint32(raw[22:])
	if int64(evLen) > int64(len(raw)) {
		return fmt.Errorf("event length %d exceeds its block (%d bytes)", evLen, len(raw))
	}
	if evLen < evtHeaderLen {
		return fmt.Errorf("event length %d is shorter than its header", evLen)
	}
	raw = raw[:evLen]
	e.raw = raw
	d := event.Info(e.Type)
	lenSize := uint32(2)
	if d != nil && d.Flags&event.LargePayload != 0 {
		lenSize = 4
	}
	if uint64(nparams)*uint64(lenSize) > uint64(evLen-evtHeaderLen) {
		return fmt.Errorf("event declares %d params, more than its %d bytes hold", nparams, evLen)
	}
	load := int(nparams)
	if d != nil && len(d.Params) < load {
		load = len(d.Params)
	}
	if load > maxParams {
		return fmt.Errorf("%s event has %d params, more than the %d supported", typeName(e.Type), load, maxParams)
	}
	ps := e.offs[:load+1]
	off := uint32(evtHeaderLen) + nparams*lenSize
	ps[0] = off
	if lenSize == 2 {
		lens := raw[evtHeaderLen : evtHeaderLen+2*load]
		for i := range load {
			l := uint32(binary.LittleEndian.Uint16(lens[2*i:]))
			if l > evLen-off {
				e.nparams = 0
				return fmt.Errorf("param %d of %s event runs past the event's %d bytes", i, typeName(e.Type), evLen)
			}
			off += l
			ps[i+1] = off
		}
	} else {
		lens := raw[evtHeaderLen : evtHeaderLen+4*load]
		for i := range load {
			l := binary.LittleEndian.Uint32(lens[4*i:])
			if l > evLen-off {
				e.nparams = 0
				return fmt.Errorf("param %d of %s event runs past the event's %d bytes", i, typeName(e.Type), evLen)
			}
			off += l
			ps[i+1] = off
		}
	}
	e.nparams = load
	return nil
}

// promote turns a generic event written by xtrace, which carries more
// parameters than sysdig's table lists (ID, nativeID, then the parameters
// of the syscall's extended type), into that extended type: e.Type becomes
// the extended type and its parameters are the ones after the generic
// prefix. A generic event as sysdig writes it (GENERIC_E with ID and
// nativeID, GENERIC_X with ID) is left alone, and so is one whose native
// number has no extended type. The raw bytes are unchanged, so a rewrite
// writes the generic event as read.
func (e *Event) promote() {
	raw := e.raw
	nparams := binary.LittleEndian.Uint32(raw[22:])
	if nparams <= event.WirePrefix || nparams > uint32(len(raw)-evtHeaderLen)/2 {
		return
	}
	off := uint32(evtHeaderLen) + 2*nparams
	l0 := uint32(binary.LittleEndian.Uint16(raw[evtHeaderLen:]))
	l1 := uint32(binary.LittleEndian.Uint16(raw[evtHeaderLen+2:]))
	if l0 != 2 || l1 != 2 || uint64(off)+4 > uint64(len(raw)) {
		return
	}
	nr := int(binary.LittleEndian.Uint16(raw[off+2:]))
	dir := event.Enter
	if e.Type == event.GenericX {
		dir = event.Exit
	}
	t, ok := event.ExtendedType(nr, dir)
	if !ok {
		return
	}
	d := event.Info(t)
	load := min(int(nparams)-event.WirePrefix, len(d.Params), maxParams)
	off += 4
	// Check every length before the offsets overwrite the generic
	// view: one that runs past the event keeps that view.
	lens := raw[evtHeaderLen+2*event.WirePrefix:]
	end := off
	for i := range load {
		l := uint32(binary.LittleEndian.Uint16(lens[2*i:]))
		if l > uint32(len(raw))-end {
			return
		}
		end += l
	}
	ps := e.offs[:load+1]
	ps[0] = off
	for i := range load {
		off += uint32(binary.LittleEndian.Uint16(lens[2*i:]))
		ps[i+1] = off
	}
	e.Type = t
	e.nparams = load
}

// paramLayout is what decoding needs of an event type, packed: the number
// of parameters the table lists, and whether their lengths are 4 bytes.
type paramLayout struct {
	n     uint8
	large bool
}

// paramLayouts is indexed by event type (event.NumTypes entries).
var paramLayouts = func() (t [event.NumTypes]paramLayout) {
	for i := range t {
		if d := event.Info(event.Type(i)); d != nil {
			t[i] = paramLayout{n: uint8(min(len(d.Params), 255)), large: d.Flags&event.LargePayload != 0}
		}
	}
	return t
}()

func typeName(t event.Type) string {
	if d := event.Info(t); d != nil {
		return d.Name
	}
	return fmt.Sprintf("type %d", t)
}

// convertV1 turns a v1 event (header without nparams) into v2 layout in dst,
// inferring nparams from the lengths as libscap does: starting from the
// table's count, the first count whose length array fits and whose values
// exactly fill the event wins; values that fall short are an error.
func convertV1(dst, v1 []byte) ([]byte, error) {
	const v1HeaderLen = evtHeaderLen - 4
	if len(v1) < v1HeaderLen {
		return dst, fmt.Errorf("v1 event of %d bytes is shorter than its header", len(v1))
	}
	evLen := binary.LittleEndian.Uint32(v1[16:])
	typ := event.Type(binary.LittleEndian.Uint16(v1[20:]))
	d := event.Info(typ)
	if d == nil {
		return dst, fmt.Errorf("unknown event type %d", typ)
	}
	newLen := evLen + 4
	if typ == 280 || typ == 286 { // notification and infra events stored a wrong length
		newLen -= 3
	}
	// The v2 image: ts and tid, the corrected length, the type, nparams
	// (set below), then the rest of the v1 event.
	dst = append(dst[:0], v1[:16]...)
	dst = binary.LittleEndian.AppendUint32(dst, newLen)
	dst = append(dst, v1[20:22]...)
	dst = binary.LittleEndian.AppendUint32(dst, 0)
	dst = append(dst, v1[v1HeaderLen:]...)
	end := int(newLen)
	if end > len(dst) {
		return dst, fmt.Errorf("v1 event length %d exceeds its block", evLen)
	}
	for n := len(d.Params); n >= 0; n-- {
		valPos := evtHeaderLen + 2*n
		if valPos > end {
			continue
		}
		for i := 0; i < n; i++ {
			valPos += int(binary.LittleEndian.Uint16(dst[evtHeaderLen+2*i:]))
		}
		if valPos < end {
			return dst, fmt.Errorf("cannot convert v1 event block to v2: parameter lengths do not fill the event")
		}
		if valPos == end {
			binary.LittleEndian.PutUint32(dst[22:], uint32(n))
			return dst[:end], nil
		}
	}
	return dst, fmt.Errorf("cannot convert v1 event block to v2: no parameter count fits the event")
}
