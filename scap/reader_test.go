package scap

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"xtrace/event"
)

// captures returns the test captures of testdata/captures.
func captures(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("../testdata/captures/*.scap*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures in ../testdata/captures: %v", err)
	}
	return files
}

// unreadable lists the captures sysdig 0.29.3 cannot read, and why.
var unreadable = map[string]string{
	"sysdig0293_rewrite_cat_write_BROKEN.scap": "corrupted interface list",
}

type readResult struct {
	hdr    []*Header
	events [][]byte
	cpus   []uint16
	flags  []uint32
}

func readAll(t testing.TB, r io.Reader) (*readResult, error) {
	t.Helper()
	rd, err := NewReader(r)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return readEvents(rd)
}

// readEvents reads the rest of rd.
func readEvents(rd *Reader) (*readResult, error) {
	res := &readResult{hdr: []*Header{rd.Header()}}
	sec := 0
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		if rd.Section() != sec {
			sec = rd.Section()
			res.hdr = append(res.hdr, rd.Header())
		}
		res.events = append(res.events, append([]byte(nil), ev.Raw()...))
		res.cpus = append(res.cpus, ev.CPU)
		res.flags = append(res.flags, ev.DumpFlags)
	}
}

func TestReadCaptures(t *testing.T) {
	for _, f := range captures(t) {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			res, err := readAll(t, fh)
			if why, bad := unreadable[name]; bad {
				if err == nil {
					t.Fatalf("read a capture that should fail (%s)", why)
				}
				if !strings.Contains(err.Error(), "IL block") {
					t.Fatalf("error %q does not say %q", err, why)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.events) == 0 {
				t.Fatal("no events")
			}
		})
	}
}

// TestRoundTrip writes every readable capture with Writer and reads it back:
// the metadata and every event must come back identical.
func TestRoundTrip(t *testing.T) {
	for _, f := range captures(t) {
		name := filepath.Base(f)
		if _, bad := unreadable[name]; bad {
			continue
		}
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			orig, err := readAll(t, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			for _, compress := range []bool{false, true} {
				var out bytes.Buffer
				var sink io.Writer = &out
				var zw *gzip.Writer
				if compress {
					zw = gzip.NewWriter(&out)
					sink = zw
				}
				w := NewWriter(sink)
				i := 0
				for s, h := range orig.hdr {
					if err := w.WriteHeader(h); err != nil {
						t.Fatal(err)
					}
					_ = s
					for ; i < len(orig.events); i++ {
						if err := w.WriteRaw(orig.cpus[i], orig.flags[i], orig.events[i]); err != nil {
							t.Fatal(err)
						}
						if s+1 < len(orig.hdr) {
							// single-section captures only in testdata
						}
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				if zw != nil {
					zw.Close()
				}
				back, err := readAll(t, &out)
				if err != nil {
					t.Fatalf("reading back (gzip %v): %v", compress, err)
				}
				if len(back.events) != len(orig.events) {
					t.Fatalf("read back %d events, wrote %d", len(back.events), len(orig.events))
				}
				for i := range orig.events {
					if !bytes.Equal(orig.events[i], back.events[i]) || orig.cpus[i] != back.cpus[i] || orig.flags[i] != back.flags[i] {
						t.Fatalf("event %d differs", i)
					}
				}
				h0, h1 := *orig.hdr[0], *back.hdr[0]
				h0.Major, h0.Minor, h1.Major, h1.Minor = 0, 0, 0, 0
				if !reflect.DeepEqual(h0, h1) {
					t.Fatalf("header differs:\n%+v\n%+v", h0.Procs[:1], h1.Procs[:1])
				}
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	good, err := os.ReadFile("../testdata/captures/bencer_example0_nginx.scap")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		data  []byte
		isErr error
	}{
		{"empty", nil, ErrNotScap},
		{"not scap", []byte("hello, this is not a capture at all\n"), ErrNotScap},
		{"header only", good[:28], ErrNoEvents},
		{"cut in metadata", good[:100], ErrTruncated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readAll(t, bytes.NewReader(c.data))
			if !errors.Is(err, c.isErr) {
				t.Fatalf("err = %v, want %v", err, c.isErr)
			}
		})
	}
	// Truncated in the events: every event before the cut comes back.
	full, _ := readAll(t, bytes.NewReader(good))
	res, err := readAll(t, bytes.NewReader(good[:len(good)-10]))
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want truncation", err)
	}
	if len(res.events) != len(full.events)-1 {
		t.Fatalf("got %d events before the cut, want %d", len(res.events), len(full.events)-1)
	}
}

// TestMaxParams checks that Event has room for the parameters of every
// event type of the table.
func TestMaxParams(t *testing.T) {
	for i := event.Type(0); i < event.NumTypes; i++ {
		if d := event.Info(i); d != nil && len(d.Params) > maxParams {
			t.Errorf("%s has %d params, Event holds %d", d.Name, len(d.Params), maxParams)
		}
	}
}
