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
		b.Skip(err)
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
