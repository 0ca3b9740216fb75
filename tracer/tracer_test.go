package tracer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/seccomp"

	"xtrace/internal/testutil"
)

// The test binary serves as the launch helper, as the xtrace binary does,
// from a package initialiser: those run on the main thread, the thread
// the tracer seizes. (TestMain runs after them, on whichever thread the
// main goroutine is on by then: a helper that installed its filter on
// another, untraced thread had its syscalls fail, and the Go runtime
// died by SIGSEGV, under load.)
func init() {
	if os.Getenv(HelperEnv) != "" {
		RunHelper()
	}
}

// testLoop launches argv seized and stopped before its exec, on the
// calling goroutine, which it locks to its thread (ptrace requests must
// come from the tracer thread). The batches are drained and recycled.
func testLoop(t testing.TB, argv ...string) (*loop, func()) {
	t.Helper()
	path, err := exec.LookPath(argv[0])
	if err != nil {
		testutil.SkipOrFail(t, err.Error())
	}
	runtime.LockOSThread()
	full, free := make(chan *Batch, 4), make(chan *Batch, 4)
	for _, b := range NewBatches(4, 1<<20) {
		free <- b
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for b := range full {
			free <- b
		}
	}()
	tr := &Tracer{opts: Options{Path: path, Args: argv, Syscalls: seccomp.All(), Full: full, Free: free,
		FlushEvery: time.Second, Snaplen: 80, Stdout: devNull(t), Stderr: devNull(t)},
		resume: make(chan struct{}), done: make(chan struct{})}
	l, err := tr.launch()
	if err != nil {
		runtime.UnlockOSThread()
		close(full)
		testutil.SkipOrFail(t, fmt.Sprintf("cannot trace here: %v", err))
	}
	l.out = newOutput(full, free, time.Second)
	tr.Start()
	return l, func() {
		l.killTree()
		for len(l.threads) > 0 {
			pid, err := l.wait()
			if err != nil {
				break
			}
			l.handle(pid)
		}
		l.out.close()
		l.dec.Close()
		close(full)
		<-drained
		runtime.UnlockOSThread()
	}
}

func devNull(t testing.TB) *os.File {
	f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// step handles one stop.
func step(t testing.TB, l *loop) {
	pid, err := l.wait()
	if err != nil {
		t.Fatalf("wait4: %v", err)
	}
	l.handle(pid)
}

// TestStopPathAllocs pins the zero-allocation promise of the stop loop on
// read and write stops: dd copies one byte at a time, so once the dynamic
// loader is done every stop is a read or write entry or exit.
func TestStopPathAllocs(t *testing.T) {
	l, done := testLoop(t, "dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=100000000", "status=none")
	defer done()
	for i := 0; i < 2000; i++ { // through exec, the loader and warm-up
		step(t, l)
	}
	before := l.res.Events
	allocs := testing.AllocsPerRun(2000, func() { step(t, l) })
	if l.res.Events-before < 2000 {
		t.Fatalf("only %d events in 2000 stops", l.res.Events-before)
	}
	if allocs != 0 {
		t.Errorf("%.2f allocations per stop, want 0", allocs)
	}
}

// BenchmarkStop measures one stop of the loop (wait, decode, encode,
// resume) on a read/write workload.
func BenchmarkStop(b *testing.B) {
	l, done := testLoop(b, "dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=100000000", "status=none")
	defer done()
	for i := 0; i < 2000; i++ {
		step(b, l)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step(b, l)
	}
}

// TestExitStatus: the launched command's status comes back, and a
// command killed by a signal reports it.
func TestExitStatus(t *testing.T) {
	for _, c := range []struct {
		argv []string
		code int
		sig  unix.Signal
	}{
		{[]string{"sh", "-c", "exit 7"}, 7, 0},
		{[]string{"sh", "-c", "kill -TERM $$"}, -1, unix.SIGTERM},
	} {
		full, free := make(chan *Batch, 4), make(chan *Batch, 4)
		for _, b := range NewBatches(4, 1<<16) {
			free <- b
		}
		go func() {
			for b := range full {
				free <- b
			}
		}()
		path, _ := exec.LookPath(c.argv[0])
		tr, err := Launch(Options{Path: path, Args: c.argv, Syscalls: seccomp.All(), Full: full, Free: free, PinTracer: true})
		if err != nil {
			testutil.SkipOrFail(t, err.Error())
		}
		tr.Start()
		res, err := tr.Wait()
		close(full)
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode != c.code || res.Signal != c.sig {
			t.Errorf("%v: exit %d signal %v, want %d %v", c.argv, res.ExitCode, res.Signal, c.code, c.sig)
		}
		if res.Events == 0 {
			t.Errorf("%v: no events", c.argv)
		}
	}
}

func TestTraceErrorIs(t *testing.T) {
	err := traceErr(42, "ptrace(PTRACE_CONT)", unix.ESRCH)
	if !errors.Is(err, ErrProcessGone) {
		t.Error("ESRCH does not match ErrProcessGone")
	}
	if got := err.Error(); got != "tracer: pid 42: ptrace(PTRACE_CONT): no such process" {
		t.Errorf("message %q", got)
	}
}

// TestStopAfterLaunchedExit: a daemon outlives the launched command; Stop
// still reaches the loop (through the daemon's pidfd), and after the
// grace period the daemon, which cannot run without its tracer, is killed.
func TestStopAfterLaunchedExit(t *testing.T) {
	full, free := make(chan *Batch, 4), make(chan *Batch, 4)
	for _, b := range NewBatches(4, 1<<16) {
		free <- b
	}
	go func() {
		for b := range full {
			free <- b
		}
	}()
	defer close(full)
	path, _ := exec.LookPath("sh")
	tr, err := Launch(Options{Path: path, Args: []string{"sh", "-c", "(setsid sleep 30 &); exit 0"},
		Syscalls: seccomp.All(), Full: full, Free: free, PinTracer: true})
	if err != nil {
		testutil.SkipOrFail(t, err.Error())
	}
	tr.Start()
	// Until the launched shell has exited and been reaped (a busy
	// machine may take a while), the daemon living on.
	for deadline := time.Now().Add(10 * time.Second); unix.Kill(tr.PID(), 0) != unix.ESRCH; {
		if time.Now().After(deadline) {
			t.Fatal("the launched shell did not exit within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	tr.Stop("test", unix.SIGTERM, true)
	res, err := tr.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Errorf("launched command exit %d, want 0", res.ExitCode)
	}
	if res.Killed != 1 {
		t.Errorf("killed %d threads, want 1 (the daemon)", res.Killed)
	}
	if d := time.Since(start); d > stopGrace+2*time.Second {
		t.Errorf("stopping took %v", d)
	}
}
