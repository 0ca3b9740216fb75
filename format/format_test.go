package format

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"xtrace/inspect"
	"xtrace/internal/capturetest"
	"xtrace/scap"
)

// processedEvents replays a capture and calls f with every event the
// default printer shows.
func processedEvents(tb testing.TB, name string, f func(e *inspect.Event)) {
	tb.Helper()
	capturetest.Replay(tb, capturetest.Open(tb, "../testdata/captures/"+name), nil, func(_ *scap.Event, e *inspect.Event) bool {
		if !e.Hidden() {
			f(e)
		}
		return true
	})
}

// TestDefaultAllocs pins the default line's rendering at zero allocations
// for every shown event of a real capture, for each time mode.
func TestDefaultAllocs(t *testing.T) {
	for _, mode := range []TimeMode{TimeHuman, TimeAbsolute, TimeRelative, TimeLatency, TimeDelta} {
		d := NewDefault(Options{Time: mode, Loc: time.UTC})
		buf := make([]byte, 0, 64<<10)
		worst := 0.0
		processedEvents(t, "inspect_502Error.scap", func(e *inspect.Event) {
			buf = d.Append(buf[:0], e) // warm the buffers up first
			if n := testing.AllocsPerRun(1, func() { buf = d.Append(buf[:0], e) }); n > worst {
				worst = n
			}
		})
		if worst != 0 {
			t.Errorf("time mode %c: %v allocations per line, want 0", mode, worst)
		}
	}
}

// BenchmarkDefault renders the default line of a real capture's shown
// events; one op is one line. Each event is rendered 8 times in a row
// (the inspector reuses its Event, so lines are rendered while it is
// current), which keeps the replay's own cost a small part of an op.
func BenchmarkDefault(b *testing.B) {
	const reps = 8
	d := NewDefault(Options{Loc: time.UTC})
	buf := make([]byte, 0, 64<<10)
	lines := 0
	b.ReportAllocs()
	for lines < b.N {
		processedEvents(b, "inspect_502Error.scap", func(e *inspect.Event) {
			for range reps {
				if lines < b.N {
					buf = d.Append(buf[:0], e)
					lines++
				}
			}
		})
	}
}

func TestAppendNumbers(t *testing.T) {
	vals := []uint64{0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 123456789, 999999999, 1e9, 1<<63 - 1, 1 << 63, 1<<64 - 1}
	for i := uint64(1); i < 1<<62; i *= 7 {
		vals = append(vals, i, i-1, i+1)
	}
	for _, v := range vals {
		if got, want := string(appendUint(nil, v)), strconv.FormatUint(v, 10); got != want {
			t.Errorf("appendUint(%d) = %s", v, got)
		}
		if got, want := string(appendInt(nil, int64(v))), strconv.FormatInt(int64(v), 10); got != want {
			t.Errorf("appendInt(%d) = %s, want %s", int64(v), got, want)
		}
		if got, want := string(appendPad9(nil, v%1e9)), fmt.Sprintf("%09d", v%1e9); got != want {
			t.Errorf("appendPad9(%d) = %s, want %s", v%1e9, got, want)
		}
	}
}
