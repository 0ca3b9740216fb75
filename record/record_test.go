package record_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"xtrace/capture"
	"xtrace/event"
	"xtrace/filter"
	"xtrace/inspect"
	"xtrace/internal/capturetest"
	"xtrace/record"
	"xtrace/scap"
	"xtrace/tracer"
)

const sample = "../testdata/captures/falco_cat_write.scap"

// batches reads a capture into its header and tracer batches of at most
// n events each, as the tracer hands them over.
func batches(t *testing.T, path string, n int) (*scap.Header, []*tracer.Batch) {
	t.Helper()
	rd := capturetest.Open(t, path)
	var bs []*tracer.Batch
	capturetest.Replay(t, rd, nil, func(sev *scap.Event, _ *inspect.Event) bool {
		if len(bs) == 0 || bs[len(bs)-1].Events == n {
			bs = append(bs, &tracer.Batch{})
		}
		b := bs[len(bs)-1]
		b.Add(sev.CPU, sev.DumpFlags, sev.Raw())
		return true
	})
	return rd.Header(), bs
}

// replay runs a capture through a state engine and returns the evt.num
// of the events keep accepts.
func replay(t *testing.T, path string, keep func(*inspect.Event) bool) []uint64 {
	t.Helper()
	var nums []uint64
	capturetest.Replay(t, capturetest.Open(t, path), nil, func(_ *scap.Event, ev *inspect.Event) bool {
		if keep(ev) {
			nums = append(nums, ev.Num)
		}
		return true
	})
	return nums
}

// comms replays captures one after the other, each with a fresh state
// engine, and returns the process name of each event ("" when unknown).
func comms(t *testing.T, paths ...string) []string {
	t.Helper()
	var names []string
	for _, path := range paths {
		capturetest.Replay(t, capturetest.Open(t, path), nil, func(_ *scap.Event, ev *inspect.Event) bool {
			name := ""
			if ev.Thread != nil {
				name = ev.Thread.Comm
			}
			names = append(names, name)
			return true
		})
	}
	return names
}

func compile(t *testing.T, expr string) func(*inspect.Event) bool {
	t.Helper()
	f, err := filter.Compile(expr, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f.Func()
}

func feed(t *testing.T, out record.Output, h *scap.Header, bs []*tracer.Batch) error {
	t.Helper()
	if err := out.Header(h); err != nil {
		return err
	}
	for _, b := range bs {
		if out.Closed() {
			break
		}
		if err := out.Write(b); err != nil {
			return err
		}
	}
	return out.Close()
}

func TestFilter(t *testing.T) {
	const expr = "evt.type in (write, close) and evt.dir=<"
	h, bs := batches(t, sample, 7)
	match := compile(t, expr)
	want := replay(t, sample, compile(t, expr))
	if len(want) < 4 {
		t.Fatalf("the sample has only %d events for %q", len(want), expr)
	}
	for _, tc := range []struct {
		name  string
		fat   bool
		limit int64
	}{
		{"thin", false, 0},
		{"fat", true, 0},
		{"limit", true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.scap")
			file, err := record.OpenFile(capture.Options{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			out := record.NewFilter(file, match, tc.fat, tc.limit)
			limited := 0
			out.SetOnLimit(func() { limited++ })
			if err := feed(t, out, h, bs); err != nil {
				t.Fatal(err)
			}
			var shown []uint64
			stateOnly := 0
			capturetest.Replay(t, capturetest.Open(t, path), nil, func(sev *scap.Event, ev *inspect.Event) bool {
				if !sev.StateOnly() {
					shown = append(shown, ev.Num)
					return true
				}
				stateOnly++
				if ev.Info == nil || ev.Info.Flags&event.ModifiesState == 0 {
					t.Errorf("state-only event %v does not modify state", ev.Info)
				}
				return true
			})
			wantN := len(want)
			if tc.limit > 0 {
				wantN = int(tc.limit)
			}
			if len(shown) != wantN {
				t.Errorf("%d events written, want %d", len(shown), wantN)
			}
			if tc.fat != (stateOnly > 0) {
				t.Errorf("fat=%v: %d state-only events", tc.fat, stateOnly)
			}
			if (tc.limit > 0) != (limited == 1) {
				t.Errorf("limit %d: onLimit ran %d times", tc.limit, limited)
			}
		})
	}
}

// sink collects the evt.num of the events delivered.
type sink struct {
	w     *bufio.Writer
	nums  []uint64
	ended bool
}

func (s *sink) Event(e *inspect.Event) error {
	s.nums = append(s.nums, e.Num)
	_, err := s.w.WriteString("event\n")
	return err
}

func (s *sink) End() error {
	s.ended = true
	_, err := s.w.WriteString("end\n")
	return err
}

func TestLive(t *testing.T) {
	h, bs := batches(t, sample, 5)
	notHidden := func(e *inspect.Event) bool { return !e.Hidden() }
	all := replay(t, sample, notHidden)
	opens := replay(t, sample, func(e *inspect.Event) bool { return notHidden(e) && compile(t, "evt.type=openat")(e) })
	for _, tc := range []struct {
		name  string
		match func(*inspect.Event) bool
		limit int64
		want  []uint64
	}{
		{"all", nil, 0, all},
		{"filter", compile(t, "evt.type=openat"), 0, opens},
		{"limit", nil, 4, all[:4]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := bufio.NewWriter(&buf)
			s := &sink{w: w}
			out := record.NewLive(s, w, tc.match, tc.limit, false, false)
			if err := feed(t, out, h, bs); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.nums, tc.want) {
				t.Errorf("delivered %v, want %v", s.nums, tc.want)
			}
			if !s.ended || !bytes.HasSuffix(buf.Bytes(), []byte("end\n")) {
				t.Error("the sink was not ended and flushed")
			}
		})
	}
}

// failing fails its second event.
type failing struct{ n int }

var errSink = errors.New("sink failed")

func (f *failing) Event(*inspect.Event) error {
	if f.n++; f.n == 2 {
		return errSink
	}
	return nil
}

func (f *failing) End() error { return nil }

// TestLiveError: an error of the sink stops the pipe, reaches the writer
// and is what Close returns.
func TestLiveError(t *testing.T) {
	h, bs := batches(t, sample, 1)
	out := record.NewLive(&failing{}, bufio.NewWriter(io.Discard), nil, 0, false, false)
	if err := out.Header(h); err != nil {
		t.Fatal(err)
	}
	var werr error
	for _, b := range bs {
		if werr = out.Write(b); werr != nil {
			break
		}
	}
	if !errors.Is(werr, errSink) || !out.Closed() {
		t.Errorf("Write = %v (closed %v), want the sink's error", werr, out.Closed())
	}
	if err := out.Close(); !errors.Is(err, errSink) {
		t.Errorf("Close = %v, want the sink's error", err)
	}
}

// TestRotationHeader: each rotated file starts with the state engine's
// view, so that it replays on its own with the processes the whole
// capture knows at that point.
func TestRotationHeader(t *testing.T) {
	h, bs := batches(t, sample, 16)
	dir := t.TempDir()
	file, err := record.OpenFile(capture.Options{Path: filepath.Join(dir, "r.scap"), Rotation: capture.Rotation{Events: 40}})
	if err != nil {
		t.Fatal(err)
	}
	if err := feed(t, record.NewFilter(file, nil, true, 0), h, bs); err != nil {
		t.Fatal(err)
	}
	names := file.Names()
	if len(names) < 3 {
		t.Fatalf("%d files written: %v", len(names), names)
	}
	want := comms(t, sample)
	got := comms(t, names...)
	if len(got) != len(want) {
		t.Fatalf("the files hold %d events, the capture %d", len(got), len(want))
	}
	for i := range want {
		if want[i] != "" && got[i] != want[i] {
			t.Errorf("event %d: process %q in the rotated files, %q in the capture", i, got[i], want[i])
		}
	}
}
