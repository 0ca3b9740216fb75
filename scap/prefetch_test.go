package scap

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"xtrace/event"
)

// largeCapture has plugin events (large payload, 4-byte lengths) bigger
// than a prefetch chunk and than its head room, between small events, so
// that blocks straddle chunks in every way.
func largeCapture(t testing.TB) []byte {
	t.Helper()
	var out bytes.Buffer
	w := NewWriter(&out)
	if err := w.WriteHeader(&Header{}); err != nil {
		t.Fatal(err)
	}
	var e Encoder
	ts := uint64(1700000000000000000)
	for i, size := range []int{10, 70 << 10, 5, 300 << 10, 1, prefetchHead - 40, 2, prefetchChunk + 3, 0, 1 << 20, 7} {
		e.Begin(ts+uint64(i), 1, 322) // pluginevent
		e.U32(uint32(i))
		e.Bytes(bytes.Repeat([]byte{byte(i)}, size))
		raw, err := e.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteRaw(uint16(i), 0, raw); err != nil {
			t.Fatal(err)
		}
		e.Begin(ts+uint64(i), 1, event.GenericE)
		e.U16(16)
		e.U16(0)
		raw, _ = e.Finish()
		w.WriteRaw(0, uint32(i%2), raw)
	}
	w.Close()
	return out.Bytes()
}

// TestPrefetchedRead checks that reading ahead on a goroutine (what gzip
// input gets) gives the same events and errors as reading from memory,
// with the input arriving in pieces of every size, whole or cut anywhere.
func TestPrefetchedRead(t *testing.T) {
	inputs := map[string][]byte{"large": largeCapture(t)}
	for _, f := range []string{"inspect_502Error.scap", "bencer_example4_example4-1.scap"} {
		data, err := os.ReadFile(filepath.Join("../testdata/captures", f))
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = data
	}
	for name, data := range inputs {
		for _, cut := range []int{len(data), len(data) - 1, len(data) * 2 / 3, 300 << 10, 100} {
			if cut > len(data) {
				continue
			}
			plain := data[:cut]
			want, wantErr := readAll(t, bytes.NewReader(plain))
			z := gzipped(plain)
			readers := map[string]func() io.Reader{
				"half":         func() io.Reader { return iotest.HalfReader(bytes.NewReader(plain)) },
				"onebyte":      func() io.Reader { return iotest.OneByteReader(bytes.NewReader(plain)) },
				"gzip":         func() io.Reader { return bytes.NewReader(z) },
				"gzip-onebyte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(z)) },
			}
			for rname, mk := range readers {
				got, gotErr := readAll(t, mk())
				// Offsets in a gzip capture are said to be in the
				// decompressed stream; they are the same offsets.
				gotMsg := strings.Replace(errString(gotErr), " of the decompressed stream", "", 1)
				if strings.HasPrefix(rname, "gzip") != (gotMsg != errString(gotErr)) && gotErr != nil {
					t.Errorf("%s cut at %d, %s reader: error %q does not say whether its offset is decompressed", name, cut, rname, gotErr)
				}
				if !reflect.DeepEqual(got, want) || gotMsg != errString(wantErr) {
					t.Errorf("%s cut at %d, %s reader: got %d events, error %v; want %d events, error %v",
						name, cut, rname, eventCount(got), gotErr, eventCount(want), wantErr)
				}
			}
		}
		// A gzip stream cut short is a truncated capture.
		z := gzipped(data)
		if _, err := readAll(t, bytes.NewReader(z[:len(z)*3/4])); !errors.Is(err, ErrTruncated) {
			t.Errorf("%s: gzip stream cut short: error %v, want ErrTruncated", name, err)
		}
	}
}

func gzipped(b []byte) []byte {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(b)
	zw.Close()
	return z.Bytes()
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func eventCount(r *readResult) int {
	if r == nil {
		return -1
	}
	return len(r.events)
}

// TestCloseStopsPrefetch checks that Close ends the read-ahead goroutine
// of a reader abandoned before the end of its input.
func TestCloseStopsPrefetch(t *testing.T) {
	data := largeCapture(t)
	rd, err := NewReader(bytes.NewReader(gzipped(data)))
	if err != nil {
		t.Fatal(err)
	}
	if rd.pf == nil {
		t.Fatal("no prefetcher for gzip input")
	}
	if _, err := rd.Next(); err != nil {
		t.Fatal(err)
	}
	pf := rd.pf
	rd.Close()
	select {
	case <-pf.stop:
	default:
		t.Fatal("prefetcher not stopped")
	}
	if _, err := rd.Next(); err == nil {
		t.Fatal("Next after Close succeeded")
	}
}
