package main

import (
	"context"
	"io"
	"runtime"
	"testing"

	"xtrace/export"
)

// nopWriteCloser discards a sink's output.
type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// BenchmarkExport exports an endless copy of a real capture (b.N events)
// in each format to io.Discard; rows/s counts syscall rows, heap-MB the
// live heap at the end (flat: it does not grow with b.N).
func BenchmarkExport(b *testing.B) {
	const capture = "../../testdata/captures/inspect_502Error.scap"
	formats := map[string]func() export.Sink{
		"ndjson":   func() export.Sink { return export.NewNDJSON(io.Discard) },
		"parquet":  func() export.Sink { return export.NewParquet(nopWriteCloser{io.Discard}, nopWriteCloser{io.Discard}) },
		"perfetto": func() export.Sink { return export.NewPerfetto(io.Discard) },
	}
	for _, name := range []string{"ndjson", "parquet", "perfetto"} {
		b.Run(name, func(b *testing.B) {
			src := newRepeatSource(b, capture, b.N)
			b.ReportAllocs()
			x, err := export.New(formats[name](), export.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			if err := export.Export(context.Background(), src, capture, x); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(x.Rows())/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
		})
	}
}
