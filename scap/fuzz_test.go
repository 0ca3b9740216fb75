package scap

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"xtrace/event"
)

// minimalCapture builds the 4-event capture of docs/scap-format.md §9.
func minimalCapture(t testing.TB) []byte {
	var out bytes.Buffer
	w := NewWriter(&out)
	h := &Header{Procs: []Proc{{TID: 4242, PID: 4242, PTID: 1, Comm: "sh", Exe: "sh", ExePath: "/bin/sh", Cwd: "/", FDLimit: 1024, VTID: 4242, VPID: 4242, Root: "/", LoginUID: -1}},
		FDs: []FDList{{TID: 4242}}}
	if err := w.WriteHeader(h); err != nil {
		t.Fatal(err)
	}
	var e Encoder
	ts := uint64(1700000000000000000)
	e.Begin(ts, 4242, 306)
	e.I64(-100)
	e.String("/nope")
	e.U32(1)
	e.U32(0)
	raw, err := e.Finish()
	if err != nil {
		t.Fatal(err)
	}
	w.WriteRaw(0, 0, raw)
	e.Begin(ts+1500, 4242, 307)
	e.I64(-2)
	e.I64(-100)
	e.String("/nope")
	e.U32(1)
	e.U32(0)
	e.U32(0)
	raw, _ = e.Finish()
	w.WriteRaw(0, 0, raw)
	e.Begin(ts+2000, 4242, event.GenericE)
	e.U16(16)
	e.U16(39)
	raw, _ = e.Finish()
	w.WriteRaw(0, 0, raw)
	e.Begin(ts+2500, 4242, event.GenericX)
	e.U16(16)
	raw, _ = e.Finish()
	w.WriteRaw(0, 1, raw)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// FuzzReader reads arbitrary bytes as a capture. Whatever reads without
// error must survive a round trip through Writer unchanged.
//
// The input is data followed by pad bytes that repeat data (at most
// maxFuzzPad), so that a small input can make a stream larger than the
// prefetch window with blocks that straddle its chunks; with gzip set the
// stream is read through the prefetcher (as compressed input is) and must
// give what the plain read gives, copying bytes in time linear in the
// stream and holding no more than one block's worth of memory.
func FuzzReader(f *testing.F) {
	f.Add(minimalCapture(f), false, uint32(0))
	f.Add(minimalCapture(f), true, uint32(0))
	f.Add(largeCapture(f), true, uint32(0))
	// A large event block that declares 2 MiB, filled by the padding.
	big := minimalCapture(f)
	big = big[:bytes.LastIndex(big, []byte{0x16, 2, 0, 0})]
	big = binary.LittleEndian.AppendUint32(big, BlockEVv2Big)
	big = binary.LittleEndian.AppendUint32(big, 2<<20)
	f.Add(big, true, uint32(3<<20))
	f.Add(big, false, uint32(3<<20))
	for _, pattern := range []string{"../testdata/captures/*.scap", "../testdata/corrupt/*.scap"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if fi, err := os.Stat(name); err == nil && fi.Size() < 64<<10 {
				data, _ := os.ReadFile(name)
				f.Add(data, false, uint32(0))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, gz bool, pad uint32) {
		if len(data) == 0 {
			return
		}
		stream := data
		if pad > 0 {
			n := len(data) + int(min(pad, maxFuzzPad))
			stream = bytes.Repeat(data, n/len(data)+1)[:n]
		}
		orig, err := readAll(t, bytes.NewReader(stream))
		// (A stream that is itself gzip reads differently once wrapped
		// in another gzip member.)
		if gz && !bytes.HasPrefix(stream, []byte{0x1f, 0x8b}) {
			got, copied, bigCap, gzErr := readAllGzip(t, stream)
			if msg := strings.Replace(errString(gzErr), " of the decompressed stream", "", 1); msg != errString(err) || !reflect.DeepEqual(got, orig) {
				t.Fatalf("through the prefetcher: %d events, error %v; plain: %d events, error %v", eventCount(got), gzErr, eventCount(orig), err)
			}
			if copied > 3*int64(len(stream)) {
				t.Fatalf("prefetcher copied %d bytes for a %d-byte stream", copied, len(stream))
			}
			if bigCap > 2*len(stream)+prefetchChunk {
				t.Fatalf("large-block buffer of %d bytes for a %d-byte stream", bigCap, len(stream))
			}
		}
		// A section whose only event blocks were skipped (unknown event
		// types) has nothing the writer could write back: a section
		// without events does not read, as in sysdig.
		if err != nil || len(orig.hdr) != 1 || len(orig.events) == 0 {
			return
		}
		var out bytes.Buffer
		w := NewWriter(&out)
		if err := w.WriteHeader(orig.hdr[0]); err != nil {
			return
		}
		for i, raw := range orig.events {
			if err := w.WriteRaw(orig.cpus[i], orig.flags[i], raw); err != nil {
				// Events a v1 block held may exceed what a v2 block holds.
				return
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		back, err := readAll(t, &out)
		if err != nil {
			t.Fatalf("reading back what we wrote: %v", err)
		}
		if len(back.events) != len(orig.events) {
			t.Fatalf("read back %d events, wrote %d", len(back.events), len(orig.events))
		}
		for i := range orig.events {
			if !bytes.Equal(back.events[i], orig.events[i]) {
				t.Fatalf("event %d changed in the round trip", i)
			}
		}
	})
}

// maxFuzzPad bounds the padding FuzzReader adds: a few prefetch windows.
const maxFuzzPad = 4 << 20

// readAllGzip is readAll over stream stored in a gzip member (no
// compression, so that it costs little), which NewReader reads through
// the prefetcher. It also returns the bytes the prefetcher copied and the
// largest capacity of its large-block buffer.
func readAllGzip(t testing.TB, stream []byte) (res *readResult, copied int64, bigCap int, err error) {
	t.Helper()
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.NoCompression)
	zw.Write(stream)
	zw.Close()
	rd, err := NewReader(&z)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rd.Close()
	res, err = readEvents(rd)
	// The large-block buffer only grows: its capacity now is its largest.
	return res, rd.copied, cap(rd.big), err
}

// FuzzEvent decodes arbitrary bytes as one event: it must fail cleanly or
// give parameters that lie inside the event.
func FuzzEvent(f *testing.F) {
	rd, err := NewReader(bytes.NewReader(minimalCapture(f)))
	if err != nil {
		f.Fatal(err)
	}
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte(nil), ev.Raw()...), false)
	}
	f.Fuzz(func(t *testing.T, raw []byte, v1 bool) {
		var ev Event
		if v1 {
			conv, err := convertV1(nil, raw)
			if err != nil {
				return
			}
			raw = conv
		}
		if err := ev.decode(raw); err != nil {
			return
		}
		for i := 0; i < ev.NumParams(); i++ {
			_ = ev.Param(i)
			ev.ParamInt(i)
		}
	})
}

func TestMinimalCapture(t *testing.T) {
	res, err := readAll(t, bytes.NewReader(minimalCapture(t)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.events) != 4 || res.flags[3] != 1 {
		t.Fatalf("got %d events, flags %v", len(res.events), res.flags)
	}
}
