package chisel

import (
	"io"
	"testing"

	"xtrace/event"
	"xtrace/inspect"
	"xtrace/scap"
)

// benchSession loads src as a chisel and returns the session and one
// processed event to hand it repeatedly; the cost measured is the
// chisel's alone.
func benchSession(b *testing.B, src, args string) (*Session, *inspect.Event) {
	b.Helper()
	reg, _ := testRegistry(b, map[string]string{"bench": src})
	s := NewSession(reg, Options{Out: io.Discard})
	b.Cleanup(s.Close)
	name := "bench"
	if src == "" {
		name = args
		args = ""
	}
	if err := s.Add(name, args); err != nil {
		b.Fatal(err)
	}
	in := inspect.New(nil)
	e := in.Process(&scap.Event{TS: 1e9, TID: 1, Type: event.Type(3)})
	if err := s.CaptureStart(in); err != nil {
		b.Fatal(err)
	}
	return s, e
}

func runBench(b *testing.B, s *Session, e *inspect.Event) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Event(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEventCall is the cost of calling an empty onEvent: the per-event
// price of having JavaScript look at every event.
func BenchmarkEventCall(b *testing.B) {
	s, e := benchSession(b, `module.exports = { description: "b", onEvent() {} };`, "")
	runBench(b, s, e)
}

// BenchmarkEventFields reads two requested fields per event.
func BenchmarkEventFields(b *testing.B) {
	s, e := benchSession(b, `let t, n;
module.exports = {
  description: "b",
  onInit() { t = chisel.requestField("evt.type"); n = chisel.requestField("evt.num"); },
  onEvent(e) { e.field(t); e.field(n); },
};`, "")
	runBench(b, s, e)
}

// BenchmarkEventWrite formats and writes one line per event, as echo_fds's
// header does.
func BenchmarkEventWrite(b *testing.B) {
	s, e := benchSession(b, `const { formatBytes } = require("common");
let t, n;
module.exports = {
  description: "b",
  onInit() { t = chisel.requestField("evt.type"); n = chisel.requestField("evt.num"); },
  onEvent(e) { write("------ Read ", formatBytes(e.field(n)), " from ", e.field(t), " (x)\n"); },
};`, "")
	runBench(b, s, e)
}

// BenchmarkFilteredOut is an event the chisel's own filter rejects: no
// JavaScript runs.
func BenchmarkFilteredOut(b *testing.B) {
	s, e := benchSession(b, `module.exports = {
  description: "b",
  onInit() { chisel.setFilter("evt.type=read"); },
  onEvent() { throw new Error("not reached"); },
};`, "")
	runBench(b, s, e)
}

// BenchmarkTopscalls is the built-in topscalls (table_generator with a
// host-side aggregation): no JavaScript per event.
func BenchmarkTopscalls(b *testing.B) {
	s, e := benchSession(b, "", "topscalls")
	runBench(b, s, e)
}
