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

// BenchmarkOpenat is the cost of openat and the close that follows,
// against getppid. openat's exit carries the device of the new
// descriptor as a fact (an fstat in the agent); before facts it was
// synchronous, held until the consumer had taken it.
func BenchmarkOpenat(b *testing.B) {
	const n = 5000
	dir := numbered(b, n)
	b.Run("openat", func(b *testing.B) { benchRun(b, n, "opens", strconv.Itoa(n), dir) })
	b.Run("getppid", func(b *testing.B) { benchRun(b, n, "getppid", strconv.Itoa(n)) })
}

// BenchmarkVM is the cost of the calls whose exits report the vm
// counters: rounds of mmap, munmap, brk up and brk back.
func BenchmarkVM(b *testing.B) {
	const n = 2500
	benchRun(b, 4*n, "vm", strconv.Itoa(n))
}

// BenchmarkPipes is the cost of pipe2 (the inode of the new pipe) with
// the two closes that follow.
func BenchmarkPipes(b *testing.B) {
	const n = 5000
	benchRun(b, n, "pipes", strconv.Itoa(n))
}

// BenchmarkSockets is the cost of sendto and recvfrom whose tuples the
// agent's socket facts cover: rounds of both over TCP on 127.0.0.1, over
// UDP on 127.0.0.1 and over UDP on ::1 (work sockets; its setup's few
// calls counted in). Before socket facts, each sendto enter and recvfrom
// exit was synchronous.
func BenchmarkSockets(b *testing.B) {
	const n = 2000
	benchRun(b, 6*n, "sockets", strconv.Itoa(n))
}

// BenchmarkLossless is TestLossless without the stall: eight threads of
// a million getppid each, every record drained.
func BenchmarkLossless(b *testing.B) {
	const n = 1000000
	benchRun(b, 8*n, "threads", "8", strconv.Itoa(n))
}

// BenchmarkExec is the cost of a process: fork, then execve of a dynamic
// program (work getppid 1), which loads the agent again and takes over
// its ring; per process.
func BenchmarkExec(b *testing.B) {
	const n = 200
	benchRun(b, n, "forkexecs", strconv.Itoa(n), "1")
}
