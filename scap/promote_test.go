package scap

import (
	"bytes"
	"encoding/binary"
	"testing"

	"xtrace/event"
)

// TestPromote reads an extended exit event (rt_sigaction's) back: by
// default as its extended type with its own parameters, with
// SetSysdigCompat as sysdig's generic exit, and with a parameter length
// running past the event as the generic event too.
func TestPromote(t *testing.T) {
	s := event.SyscallByNr(13) // rt_sigaction
	if s == nil || s.Name != "rt_sigaction" || !s.Generic() || s.XExit == 0 {
		t.Fatal("rt_sigaction has no extended exit type")
	}
	var e Encoder
	e.Begin(1, 7, s.XExit)
	e.U16(0)
	e.U16(uint16(s.Nr))
	e.I64(0)
	e.U32(10)
	for range event.Info(s.XExit).Params[2:] {
		e.U64(0)
	}
	raw, err := e.Finish()
	if err != nil {
		t.Fatal(err)
	}
	broken := bytes.Clone(raw)
	lastLen := evtHeaderLen + 2*(event.WirePrefix+len(event.Info(s.XExit).Params)-1)
	binary.LittleEndian.PutUint16(broken[lastLen:], 9999)

	read := func(raw []byte, compat bool) *Event {
		t.Helper()
		var out bytes.Buffer
		w := NewWriter(&out)
		if err := w.WriteHeader(&Header{}); err != nil {
			t.Fatal(err)
		}
		w.WriteRaw(0, 0, raw)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(&out)
		if err != nil {
			t.Fatal(err)
		}
		r.SetSysdigCompat(compat)
		ev, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	ev := read(raw, false)
	if ev.Type != s.XExit || ev.NumParams() != len(event.Info(s.XExit).Params) {
		t.Fatalf("promoted: type %d with %d params, want %d with %d", ev.Type, ev.NumParams(), s.XExit, len(event.Info(s.XExit).Params))
	}
	if v, ok := ev.ParamInt(1); !ok || v != 10 {
		t.Errorf("promoted sig = %d, %v; want 10", v, ok)
	}
	for name, ev := range map[string]*Event{"compat": read(raw, true), "overrun": read(broken, false)} {
		if ev.Type != event.GenericX || ev.NumParams() != 1 {
			t.Errorf("%s: type %d with %d params, want GENERIC_X with 1", name, ev.Type, ev.NumParams())
		}
		if v, ok := ev.ParamUint(0); !ok || v != 0 {
			t.Errorf("%s: ID = %d, %v; want 0", name, v, ok)
		}
	}
}
