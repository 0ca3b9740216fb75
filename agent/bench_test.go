package agent

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"xtrace/agent/ring"
)

// benchRun runs work with args natively and under the agent and reports
// the time the agent adds per call, calls being what one run makes.
func benchRun(b *testing.B, calls int, args ...string) {
	bin := work(b)
	native := time.Duration(0)
	for range b.N {
		start := time.Now()
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			b.Fatalf("work %v: %v\n%s", args, err, out)
		}
		native += time.Since(start)
	}
	b.ResetTimer()
	for range b.N {
		s, err := NewSession(80)
		if err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(bin, args...)
		cmd.Stderr = os.Stderr
		if err := s.Run(cmd, func(*ring.Record) {}); err != nil {
			b.Fatalf("work %v: %v", args, err)
		}
		s.Close()
	}
	b.StopTimer()
	added := b.Elapsed() - native
	b.ReportMetric(float64(added.Microseconds())/float64(b.N*calls), "added-µs/call")
}

// BenchmarkSyncOpenat is the cost of a synchronous record: openat, whose
// exit the agent holds until the consumer has taken it (a round trip
// between the program and the consumer), against getppid, whose records
// are asynchronous.
func BenchmarkSyncOpenat(b *testing.B) {
	const n = 5000
	dir := numbered(b, n)
	b.Run("openat", func(b *testing.B) { benchRun(b, n, "opens", strconv.Itoa(n), dir) })
	b.Run("getppid", func(b *testing.B) { benchRun(b, n, "getppid", strconv.Itoa(n)) })
}

// BenchmarkLossless is TestLossless without the stall: eight threads of
// a million getppid each, every record drained.
func BenchmarkLossless(b *testing.B) {
	const n = 1000000
	benchRun(b, 8*n, "threads", "8", strconv.Itoa(n))
}
