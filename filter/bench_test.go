package filter

import (
	"bytes"
	"io"
	"os"
	"testing"

	"xtrace/inspect"
	"xtrace/internal/capturetest"
	"xtrace/scap"
)

// allocFilters are plain field comparisons, which must not allocate.
var allocFilters = []struct {
	name, src string
	match     bool
}{
	{"failed", "evt.failed=true", false},
	{"contains", "fd.name contains /etc", true},
	{"in", "evt.type in (open, read)", true},
	{"and", "proc.name=curl and evt.dir=< and fd.num > 2", true},
	{"icontains", "proc.name icontains CURL", true},
	{"glob", "fd.name glob '/etc/*.cache'", true},
	{"pmatch", "fd.name pmatch (/usr, /etc)", true},
	{"cmdline", "proc.cmdline contains google", true},
	{"time", "evt.time contains 17:35", true},
}

// curlOpenExit is "219 open fd=3(<f>/etc/ld.so.cache)" of the curl capture.
const curlOpenExit = 219

func TestMatchAllocs(t *testing.T) {
	ev := capturetest.EventAt(t, curlCapture, curlOpenExit)
	for _, tc := range allocFilters {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Compile(tc.src, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Match(ev); got != tc.match {
				t.Fatalf("Match = %v, want %v", got, tc.match)
			}
			if n := testing.AllocsPerRun(100, func() { f.Match(ev) }); n != 0 {
				t.Errorf("%s: %.1f allocations per Match, want 0", tc.src, n)
			}
		})
	}
}

func BenchmarkMatch(b *testing.B) {
	ev := capturetest.EventAt(b, curlCapture, curlOpenExit)
	for _, tc := range allocFilters {
		b.Run(tc.name, func(b *testing.B) {
			f, err := Compile(tc.src, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				f.Match(ev)
			}
		})
	}
}

// BenchmarkReplay replays the curl capture from memory with a filter
// installed, as xtrace -r does, and reports events per second.
func BenchmarkReplay(b *testing.B) {
	data, err := os.ReadFile(curlCapture)
	if err != nil {
		b.Fatal(err)
	}
	for _, src := range []string{"evt.failed=true", "fd.name contains /etc", "evt.type in (open, read)"} {
		b.Run(src, func(b *testing.B) {
			f, err := Compile(src, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			events := 0
			for b.Loop() {
				rd, err := scap.NewReader(bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				in := inspect.New(rd.Header())
				in.SetFilter(f.Func())
				for {
					sev, err := rd.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					in.Process(sev)
					events++
				}
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkReplayFile replays the capture named by $XTRACE_BENCH_CAPTURE
// (for example one made by internal/cmd/bigcapture) with a filter.
func BenchmarkReplayFile(b *testing.B) {
	path := os.Getenv("XTRACE_BENCH_CAPTURE")
	if path == "" {
		b.Skip("set XTRACE_BENCH_CAPTURE to a capture file")
	}
	f, err := Compile("evt.failed=true", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	events := 0
	for b.Loop() {
		fh, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rd, err := scap.NewReader(fh)
		if err != nil {
			b.Fatal(err)
		}
		in := inspect.New(rd.Header())
		in.SetFilter(f.Func())
		for {
			sev, err := rd.Next()
			if err != nil {
				break
			}
			in.Process(sev)
			events++
		}
		fh.Close()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
