package inspect_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"xtrace/event"
	"xtrace/scap"
)

// capture builds small scap files for tests: a header, then events whose
// parameters are given as Go values and encoded per the event table.
type capture struct {
	sections []section
	enc      scap.Encoder
}

type section struct {
	h      scap.Header
	events []rawEv
}

type rawEv struct {
	cpu   uint16
	flags uint32
	raw   []byte
}

func newCapture(h scap.Header) *capture {
	return &capture{sections: []section{{h: h}}}
}

// section starts a new section (a second SHB).
func (c *capture) section(h scap.Header) { c.sections = append(c.sections, section{h: h}) }

// ev appends an event. Parameter values: an int is stored with the width
// of the table type, a string as a C string, []byte as is, nil as an
// empty value.
func (c *capture) ev(t testing.TB, ts uint64, tid int64, typ event.Type, params ...any) {
	t.Helper()
	c.evf(t, 0, ts, tid, typ, params...)
}

// evf is ev with EVF dump flags.
func (c *capture) evf(t testing.TB, flags uint32, ts uint64, tid int64, typ event.Type, params ...any) {
	t.Helper()
	d := event.Info(typ)
	if d == nil || len(d.Params) != len(params) {
		t.Fatalf("event %d: %d params given, table has %v", typ, len(params), d)
	}
	c.enc.Begin(ts, tid, typ)
	for i, p := range params {
		switch v := p.(type) {
		case nil:
			c.enc.Empty()
		case string:
			c.enc.String(v)
		case []byte:
			c.enc.Bytes(v)
		case int, int64:
			var n int64
			switch x := p.(type) {
			case int:
				n = int64(x)
			case int64:
				n = x
			}
			size := d.Params[i].Type.Size()
			switch size {
			case 1:
				c.enc.U8(uint8(n))
			case 2:
				c.enc.U16(uint16(n))
			case 4:
				c.enc.U32(uint32(n))
			default:
				c.enc.U64(uint64(n))
			}
		case uint64:
			c.enc.U64(v)
		default:
			t.Fatalf("param %d: unsupported %T", i, p)
		}
	}
	raw, err := c.enc.Finish()
	if err != nil {
		t.Fatal(err)
	}
	s := &c.sections[len(c.sections)-1]
	s.events = append(s.events, rawEv{flags: flags, raw: append([]byte(nil), raw...)})
}

// bytes returns the capture file.
func (c *capture) bytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	w := scap.NewWriter(&b)
	for i := range c.sections {
		s := &c.sections[i]
		if err := w.WriteHeader(&s.h); err != nil {
			t.Fatal(err)
		}
		for _, e := range s.events {
			if err := w.WriteRaw(e.cpu, e.flags, e.raw); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Packed address helpers (network-order IPs, host-order ports).

func ip4(a, b, c, d byte) []byte { return []byte{a, b, c, d} }

func sockaddr4(ip []byte, port uint16) []byte {
	out := append([]byte{2}, ip...)
	return binary.LittleEndian.AppendUint16(out, port)
}

func tuple4(sip []byte, sport uint16, dip []byte, dport uint16) []byte {
	out := append([]byte{2}, sip...)
	out = binary.LittleEndian.AppendUint16(out, sport)
	out = append(out, dip...)
	return binary.LittleEndian.AppendUint16(out, dport)
}

func tuple6(sip []byte, sport uint16, dip []byte, dport uint16) []byte {
	out := append([]byte{10}, sip...)
	out = binary.LittleEndian.AppendUint16(out, sport)
	out = append(out, dip...)
	return binary.LittleEndian.AppendUint16(out, dport)
}

func tupleUnix(src, dst uint64, path string) []byte {
	out := []byte{1}
	out = binary.LittleEndian.AppendUint64(out, src)
	out = binary.LittleEndian.AppendUint64(out, dst)
	return append(append(out, path...), 0)
}

func mapped4(a, b, c, d byte) []byte {
	return []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d}
}

func fdlist(pairs ...int) []byte {
	out := binary.LittleEndian.AppendUint16(nil, uint16(len(pairs)/2))
	for i := 0; i+1 < len(pairs); i += 2 {
		out = binary.LittleEndian.AppendUint64(out, uint64(int64(pairs[i])))
		out = binary.LittleEndian.AppendUint16(out, uint16(pairs[i+1]))
	}
	return out
}

func nul(parts ...string) []byte {
	var out []byte
	for _, p := range parts {
		out = append(append(out, p...), 0)
	}
	return out
}

func typ(t testing.TB, symbol string) event.Type {
	t.Helper()
	for i := event.Type(0); i < event.NumTypes; i++ {
		if event.Info(i).Symbol == symbol {
			return i
		}
	}
	t.Fatalf("no event %s", symbol)
	return 0
}
