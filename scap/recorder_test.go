package scap

import (
	"bytes"
	"testing"
)

// TestRecorderBlock: Header.Recorder is written as xtrace's block before
// the machine info and read back; a header without it writes no block.
func TestRecorderBlock(t *testing.T) {
	for _, rec := range []string{"", "backend=agent", "backend=ptrace\nx=1"} {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		h := &Header{Recorder: rec, Machine: &MachineInfo{NumCPUs: 2, Hostname: "h"}}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		var e Encoder
		e.Begin(1700000000000000000, 1, 306) // openat enter
		e.I64(-100)
		e.String("/nope")
		e.U32(1)
		e.U32(0)
		raw, err := e.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteRaw(0, 0, raw); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if has := bytes.Contains(buf.Bytes(), []byte{0x01, 0x00, 0x54, 0x58}); has != (rec != "") {
			t.Errorf("recorder %q: block written: %v", rec, has)
		}
		r, err := NewReader(&buf)
		if err != nil {
			t.Fatalf("recorder %q: %v", rec, err)
		}
		if got := r.Header().Recorder; got != rec {
			t.Errorf("read back recorder %q, want %q", got, rec)
		}
		if r.Header().Machine == nil || r.Header().Machine.Hostname != "h" {
			t.Errorf("recorder %q: machine info lost", rec)
		}
	}
}
