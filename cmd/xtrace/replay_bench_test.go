package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"xtrace/scap"
)

// repeatSource is an in-memory capture of n events: a real capture's
// header, then its events over and over with timestamps shifted by the
// capture's span each round (as internal/cmd/bigcapture writes them). It
// produces the bytes as they are read, so b.N can be large.
type repeatSource struct {
	hdr     []byte // header blocks, sent first
	cycle   []byte // one round of event blocks, shifted in place
	ends    []int  // end offset in cycle of each event block
	tsOff   []int  // offset in cycle of each event's timestamp
	span    uint64 // timestamp shift per round
	left    int    // events still to send
	pending []byte
	sentHdr bool
	shift   bool // shift the timestamps before the next round
}

func newRepeatSource(b *testing.B, path string, n int) *repeatSource {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	rd, err := scap.NewReader(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	var hdr, cycle bytes.Buffer
	hw := scap.NewWriter(&hdr)
	if err := hw.WriteHeader(rd.Header()); err != nil {
		b.Fatal(err)
	}
	hw.Close()
	s := &repeatSource{hdr: hdr.Bytes(), left: n}
	cw := scap.NewWriter(&cycle)
	var first, last uint64
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if len(s.ends) == 0 {
			first = ev.TS
		}
		last = ev.TS
		off := int(cw.Bytes()) + 8 + 2
		if ev.DumpFlags != 0 {
			off += 4
		}
		if err := cw.WriteEvent(ev); err != nil {
			b.Fatal(err)
		}
		s.tsOff = append(s.tsOff, off)
		s.ends = append(s.ends, int(cw.Bytes()))
	}
	cw.Close()
	s.cycle = cycle.Bytes()
	s.span = last - first + 1_000_000
	return s
}

func (s *repeatSource) Read(p []byte) (int, error) {
	if len(s.pending) == 0 {
		switch {
		case !s.sentHdr:
			s.sentHdr = true
			s.pending = s.hdr
		case s.left == 0:
			return 0, io.EOF
		default:
			if s.shift {
				// The round sent last is no longer referenced.
				for _, off := range s.tsOff {
					ts := binary.LittleEndian.Uint64(s.cycle[off:])
					binary.LittleEndian.PutUint64(s.cycle[off:], ts+s.span)
				}
			}
			s.shift = true
			n := min(s.left, len(s.ends))
			s.pending = s.cycle[:s.ends[n-1]]
			s.left -= n
		}
	}
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	return n, nil
}

// BenchmarkReplay runs the whole replay loop (reader, state engine,
// filter, printer or chisel) over inspect_502Error's events repeated b.N
// times in memory, output to io.Discard: one op is one event, so allocs/op
// is the per-event allocation count (setup is amortised to zero). These are
// the cases scripts/bench.sh compares with sysdig.
func BenchmarkReplay(b *testing.B) {
	cases := []struct {
		name string
		args []string
	}{
		{"default", nil},
		{"failed", []string{"evt.failed=true"}},
		{"contains", []string{"fd.name contains /etc"}},
		{"in", []string{"evt.type in (open, read, connect)"}},
		{"json", []string{"-j"}},
		{"topscalls", []string{"-c", "topscalls"}},
		{"echo_fds", []string{"-A", "-c", "echo_fds"}},
	}
	const capture = "../../testdata/captures/inspect_502Error.scap"
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.Setenv("TZ", "UTC")
			cli, err := parseArgs(append([]string{"-r", capture}, tc.args...))
			if err != nil {
				b.Fatal(err)
			}
			src := newRepeatSource(b, capture, b.N)
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			cpu0 := cpuTime()
			b.ResetTimer()
			if err := replayFrom(context.Background(), cli, src, io.Discard, io.Discard); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			cpu := cpuTime() - cpu0
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N), "allocs/event")
			// CPU time is steadier than wall time on a shared machine.
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/event")
		})
	}
}

// cpuTime returns the user plus system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReplayFile replays the capture file $XTRACE_BENCH_CAPTURE (for
// example one made by internal/cmd/bigcapture, as scripts/bench.sh does)
// with the arguments in $XTRACE_BENCH_ARGS (space-separated), output to
// io.Discard: the xtrace -r of the benchmark script, under the profiler.
func BenchmarkReplayFile(b *testing.B) {
	path := os.Getenv("XTRACE_BENCH_CAPTURE")
	if path == "" {
		b.Skip("set XTRACE_BENCH_CAPTURE to a capture file")
	}
	b.Setenv("TZ", "UTC")
	args := append([]string{"-r", path}, strings.Fields(os.Getenv("XTRACE_BENCH_ARGS"))...)
	b.ReportAllocs()
	for b.Loop() {
		cli, err := parseArgs(args)
		if err != nil {
			b.Fatal(err)
		}
		if err := runReplay(context.Background(), cli, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
