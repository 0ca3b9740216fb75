// Package capturetest replays captures for tests as xtrace -r sees them:
// read by a scap.Reader, every event processed by a state engine. Tests
// of the packages above inspect use it (the in-package tests of scap and
// inspect cannot: they would import themselves).
package capturetest

import (
	"bytes"
	"io"
	"os"
	"testing"

	"xtrace/inspect"
	"xtrace/scap"
)

// Open reads the capture at path (plain or gzip) into memory and returns
// a reader positioned at its first event. It fails the test when the file
// does not read.
func Open(tb testing.TB, path string) *scap.Reader {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return Read(tb, data)
}

// Read is Open for a capture already in memory.
func Read(tb testing.TB, data []byte) *scap.Reader {
	tb.Helper()
	rd, err := scap.NewReader(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	return rd
}

// Replay processes the events of rd with in (a new state engine for rd's
// header when nil) and calls fn with each, until the capture ends or fn
// returns false. A new section resets the engine with its header, as
// xtrace -r does. A read error fails the test. The event is only valid
// during the call.
func Replay(tb testing.TB, rd *scap.Reader, in *inspect.Inspector, fn func(sev *scap.Event, ev *inspect.Event) bool) {
	tb.Helper()
	if in == nil {
		in = inspect.New(rd.Header())
	}
	section := rd.Section()
	for {
		sev, err := rd.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			tb.Fatal(err)
		}
		if rd.Section() != section {
			section = rd.Section()
			in.Reset(rd.Header())
		}
		if !fn(sev, in.Process(sev)) {
			return
		}
	}
}

// EventAt replays the capture at path up to event number num and returns
// that event, which stays valid while nothing else is processed. It fails
// the test when the capture has no such event.
func EventAt(tb testing.TB, path string, num uint64) *inspect.Event {
	tb.Helper()
	var found *inspect.Event
	Replay(tb, Open(tb, path), nil, func(_ *scap.Event, ev *inspect.Event) bool {
		if ev.Num == num {
			found = ev
		}
		return found == nil
	})
	if found == nil {
		tb.Fatalf("%s: no event %d", path, num)
	}
	return found
}
