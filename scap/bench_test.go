package scap

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// benchCapture returns a capture of inspect_502Error's events repeated to
// about 100k events, in memory.
func benchCapture(b *testing.B) ([]byte, int) {
	b.Helper()
	data, err := os.ReadFile("../testdata/captures/inspect_502Error.scap")
	if err != nil {
		b.Fatal(err)
	}
	orig, err := readAll(b, bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	w := NewWriter(&out)
	w.WriteHeader(orig.hdr[0])
	n := 0
	for n < 100_000 {
		for i, raw := range orig.events {
			w.WriteRaw(orig.cpus[i], orig.flags[i], raw)
			n++
		}
	}
	w.Close()
	return out.Bytes(), n
}

func BenchmarkReader(b *testing.B) {
	data, n := benchCapture(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkEncoder(b *testing.B) {
	var e Encoder
	data := make([]byte, 80)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e.Begin(uint64(i), 1234, 9) // write exit
		e.I64(80)
		e.Bytes(data)
		if _, err := e.Finish(); err != nil {
			b.Fatal(err)
		}
	}
}

// repeatedEvents is an in-memory capture of inspect_502Error's header and
// its events repeated until at least n events.
func repeatedEvents(b *testing.B, n int) []byte {
	b.Helper()
	data, err := os.ReadFile("../testdata/captures/inspect_502Error.scap")
	if err != nil {
		b.Fatal(err)
	}
	orig, err := readAll(b, bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	w := NewWriter(&out)
	w.WriteHeader(orig.hdr[0])
	for written := 0; written < n; {
		for i, raw := range orig.events {
			w.WriteRaw(orig.cpus[i], orig.flags[i], raw)
			written++
		}
	}
	w.Close()
	return out.Bytes()
}

// BenchmarkNext is the reader's cost per event, header excluded: one op is
// one Next. It pins the zero allocations of the event path.
func BenchmarkNext(b *testing.B) {
	data := repeatedEvents(b, b.N)
	rd, err := NewReader(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data) / max(b.N, 1)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := rd.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNextGzip is BenchmarkNext on a gzip-compressed capture (the
// inflating runs on a goroutine of its own).
func BenchmarkNextGzip(b *testing.B) {
	data := gzipped(repeatedEvents(b, b.N))
	rd, err := NewReader(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	defer rd.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := rd.Next(); err != nil {
			b.Fatal(err)
		}
	}
}
