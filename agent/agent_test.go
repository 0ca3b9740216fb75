package agent

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"xtrace/agent/ring"
	"xtrace/internal/testutil"
)

const sysGetppid = 110

var (
	workOnce sync.Once
	workBin  string
	workErr  error
	workDir  string
)

// work builds testdata/work.c once per test binary.
func work(t *testing.T) string {
	t.Helper()
	gcc := testutil.LookTool(t, "gcc")
	workOnce.Do(func() {
		workDir, workErr = os.MkdirTemp("", "xtrace-agent-test")
		if workErr != nil {
			return
		}
		workBin = filepath.Join(workDir, "work")
		out, err := exec.Command(gcc, "-O2", "-pthread", "-o", workBin, "testdata/work.c").CombinedOutput()
		if err != nil {
			workErr = &exec.Error{Name: "gcc: " + string(out), Err: err}
		}
	})
	if workErr != nil {
		t.Fatal(workErr)
	}
	return workBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if workDir != "" {
		os.RemoveAll(workDir)
	}
	os.Exit(code)
}

// counts is what a run recorded of one syscall, per thread and process.
type counts struct {
	enter, exit map[uint32]int // per tid
	rets        map[int64]int  // exit results
	records     int
	// times of all records: the first, the last, and how often one was
	// earlier than the record before it on the same thread
	firstTS, lastTS uint64
	backwards       int
	prevTS          map[uint32]uint64
	// signal deliveries to program handlers, by signal
	signals map[uint32]int
	// processes reported ended, by wait status
	exits map[int]int
}

// record runs the work program with args under the agent and counts the
// records of syscall nr.
func record(t *testing.T, nr uint32, args ...string) counts {
	t.Helper()
	c, _ := recordSlow(t, nr, 0, args...)
	return c
}

// recordOut is record that also returns the program's standard output.
func recordOut(t *testing.T, nr uint32, args ...string) (counts, string) {
	t.Helper()
	var out strings.Builder
	c, _ := recordCmd(t, nr, 0, &out, args...)
	return c, out.String()
}

// recordSlow is record with a consumer that stalls at its first record,
// when stall is set, until a thread waits for room (at most stall).
func recordSlow(t *testing.T, nr uint32, stall time.Duration, args ...string) (counts, ring.Stats) {
	t.Helper()
	return recordCmd(t, nr, stall, nil, args...)
}

func recordCmd(t *testing.T, nr uint32, stall time.Duration, stdout io.Writer, args ...string) (counts, ring.Stats) {
	t.Helper()
	s, err := NewSession(80)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := counts{enter: map[uint32]int{}, exit: map[uint32]int{}, rets: map[int64]int{}, prevTS: map[uint32]uint64{}, signals: map[uint32]int{}, exits: map[int]int{}}
	s.Exit = func(pid, status int) { c.exits[status]++ }
	cmd := exec.Command(work(t), args...)
	cmd.Stdout, cmd.Stderr = stdout, os.Stderr
	err = s.Run(cmd, func(r *ring.Record) {
		if c.records == 0 && stall > 0 {
			for end := time.Now().Add(stall); s.Region.Waiting() == 0 && time.Now().Before(end); {
				time.Sleep(5 * time.Millisecond)
			}
		}
		c.records++
		if c.firstTS == 0 {
			c.firstTS = r.TS
		}
		c.lastTS = max(c.lastTS, r.TS)
		if r.TS < c.prevTS[r.Tid] {
			c.backwards++
		}
		c.prevTS[r.Tid] = r.TS
		if r.Kind == ring.KindSignal {
			c.signals[r.NR]++
			return
		}
		if r.NR != nr {
			return
		}
		if r.Kind == ring.KindEnter {
			c.enter[r.Tid]++
		} else {
			c.exit[r.Tid]++
			c.rets[r.Ret]++
		}
	})
	if err != nil {
		t.Fatalf("work %v: %v", args, err)
	}
	return c, s.Region.Stats()
}

// perThread checks that threads threads made n calls each, every one
// recorded at enter and exit, and no other thread made any.
func (c counts) perThread(t *testing.T, threads, n int) {
	t.Helper()
	if len(c.enter) != threads {
		t.Errorf("getppid recorded on %d threads, want %d", len(c.enter), threads)
	}
	bad := 0
	for tid, e := range c.enter {
		if e != n || c.exit[tid] != n {
			if bad++; bad <= 5 {
				t.Errorf("tid %d: %d enter, %d exit records, want %d each", tid, e, c.exit[tid], n)
			}
		}
	}
	for tid := range c.exit {
		if _, ok := c.enter[tid]; !ok {
			t.Errorf("tid %d: exit records without enter records", tid)
		}
	}
	if c.backwards != 0 {
		t.Errorf("%d records earlier than the record before them on their thread", c.backwards)
	}
}

// TestGetppid is the gate's workload: every getppid of the loop is
// recorded, enter and exit, with the parent's pid as its result and
// wall-clock times that never go back and fall within the run.
func TestGetppid(t *testing.T) {
	const n = 10000
	start := uint64(time.Now().UnixNano())
	c := record(t, sysGetppid, "getppid", strconv.Itoa(n))
	end := uint64(time.Now().UnixNano())
	if c.firstTS < start || c.lastTS > end || c.backwards != 0 {
		t.Errorf("times %d..%d for a run in %d..%d, %d going back", c.firstTS, c.lastTS, start, end, c.backwards)
	}
	if len(c.enter) != 1 {
		t.Fatalf("getppid recorded on %d threads, want 1", len(c.enter))
	}
	for tid, e := range c.enter {
		if e != n || c.exit[tid] != n {
			t.Errorf("tid %d: %d enter, %d exit records of getppid, want %d each", tid, e, c.exit[tid], n)
		}
	}
	if c.rets[int64(os.Getpid())] != n {
		t.Errorf("getppid results %v, want %d times %d", c.rets, n, os.Getpid())
	}
}

// TestProcesses covers every way a task starts: pthreads (clone3 on a new
// stack), fork, vfork (run as fork), posix_spawn (CLONE_VM|CLONE_VFORK on
// a new stack, no TLS of its own), execve (the new image takes over the
// thread's ring), and a program that blocks every signal, runs a handler
// with a full mask, has its own SIGSYS handler and checks that its
// sigprocmask and sigaltstack outlive the agent's rt_sigreturn.
func TestProcesses(t *testing.T) {
	const n = 2000
	tests := []struct {
		name    string
		args    []string
		threads int // threads with n getppid each
		calls   int // getppid per thread when not n
	}{
		{"threads", []string{"threads", "8", strconv.Itoa(n)}, 8, n},
		{"fork", []string{"forks", "5", strconv.Itoa(n)}, 5, n},
		{"vfork", []string{"vforks", "5", strconv.Itoa(n)}, 5, n},
		{"posix_spawn", []string{"spawn", "5", strconv.Itoa(n)}, 5, n},
		{"execve", []string{"exec", strconv.Itoa(n)}, 1, n},
		{"signals", []string{"signals", strconv.Itoa(n)}, 1, 2 * n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := record(t, sysGetppid, tt.args...)
			c.perThread(t, tt.threads, tt.calls)
			const sigusr1, sigsys = 10, 31
			if tt.name == "signals" && (c.signals[sigusr1] != 1 || c.signals[sigsys] != 1 || len(c.signals) != 2) {
				t.Errorf("signal deliveries %v, want one SIGUSR1 and one SIGSYS (sent by kill)", c.signals)
			}
		})
	}
}

// TestLossless stalls the consumer so that eight threads fill their
// rings and wait: every call is still recorded.
func TestLossless(t *testing.T) {
	n := 200000
	if testing.Short() {
		n = 20000
	}
	c, st := recordSlow(t, sysGetppid, 20*time.Second, "threads", "8", strconv.Itoa(n))
	c.perThread(t, 8, n)
	if st.Wakes == 0 {
		t.Errorf("no thread waited for room (stats %+v); the test did not fill a ring", st)
	}
}

// TestForkStorm starts 1500 processes one after the other, more than
// there are rings: rings of ended processes are freed and reused.
func TestForkStorm(t *testing.T) {
	const procs = 1500
	c, st := recordSlow(t, sysGetppid, 0, "forks", strconv.Itoa(procs), "3")
	c.perThread(t, procs, 3)
	if c.exits[0] != procs+1 || len(c.exits) != 1 {
		t.Errorf("exit statuses (status: count) %v, want %d times 0", c.exits, procs+1)
	}
	if st.Freed < procs {
		t.Errorf("%d rings freed, want at least %d", st.Freed, procs)
	}
}

// TestMemory checks the memory the agent copies, as capture_gen.h asks:
// paths at openat's enter and exit, write's buffer, read's data up to
// its result, writev's iovecs and data, and a fault where the program
// passed a bad pointer (the call fails with EFAULT; the agent survives).
func TestMemory(t *testing.T) {
	const (
		sysRead   = 0
		sysWrite  = 1
		sysWritev = 20
		sysOpenat = 257
	)
	path := filepath.Join(t.TempDir(), "f")
	s, err := NewSession(80)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	type key struct {
		nr   uint32
		kind uint16
	}
	type seen struct {
		ret  int64
		data []string
	}
	got := map[key][]seen{}
	cmd := exec.Command(work(t), "io", path)
	cmd.Stderr = os.Stderr
	err = s.Run(cmd, func(r *ring.Record) {
		switch r.NR {
		case sysRead, sysWrite, sysWritev, sysOpenat:
		default:
			return
		}
		var sn seen
		sn.ret = r.Ret
		for _, c := range r.Mem {
			d := string(c.Data)
			if c.Fault {
				d = "FAULT:" + d
			}
			sn.data = append(sn.data, d)
		}
		k := key{r.NR, r.Kind}
		got[k] = append(got[k], sn)
	})
	if err != nil {
		t.Fatalf("work io: %v", err)
	}
	want := map[key][]seen{
		{sysOpenat, ring.KindEnter}: {{0, []string{path + "\x00"}}, {0, []string{"FAULT:"}}},
		{sysOpenat, ring.KindExit}:  {{3, []string{path + "\x00"}}, {-14, []string{"FAULT:"}}},
		{sysWrite, ring.KindEnter}:  {{0, nil}},
		{sysWrite, ring.KindExit}:   {{11, []string{"hello agent"}}},
		{sysRead, ring.KindEnter}:   {{0, nil}},
		{sysRead, ring.KindExit}:    {{11, []string{"hello agent"}}},
		{sysWritev, ring.KindEnter}: {{0, []string{"", "ab", "cd"}}},
		{sysWritev, ring.KindExit}:  {{4, []string{"", "ab", "cd"}}},
	}
	for k, w := range want {
		g := got[k]
		// the iovec array itself is binary; compare its length only
		for i := range g {
			if k.nr == sysWritev && len(g[i].data) > 0 {
				if len(g[i].data[0]) != 32 {
					t.Errorf("writev %d: iovec array of %d bytes, want 32", k.kind, len(g[i].data[0]))
				}
				g[i].data[0] = ""
			}
		}
		if fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("syscall %d kind %d: got %+v, want %+v", k.nr, k.kind, g, w)
		}
	}
}

// TestInterrupt runs signal handlers on top of the agent's handler while
// it waits in a syscall: a timer interrupts nanosleep every millisecond
// and its handler calls getppid. Every handler's getppid is recorded, and
// the program's count of handler runs agrees.
func TestInterrupt(t *testing.T) {
	c, out := recordOut(t, sysGetppid, "interrupt", "150")
	ran, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil || ran == 0 {
		t.Fatalf("work interrupt printed %q, want the number of handler runs", out)
	}
	c.perThread(t, 1, ran)
	const sigalrm = 14
	if c.signals[sigalrm] != ran {
		t.Errorf("%d SIGALRM deliveries recorded, want %d (all: %v)", c.signals[sigalrm], ran, c.signals)
	}
}

// TestExits reads the wait status of every process of the tree from the
// pidfd each hands over: a normal exit, SIGKILL, and SIGTERM's default
// action (which no handler sees).
func TestExits(t *testing.T) {
	s, err := NewSession(80)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := map[int]int{}
	s.Exit = func(pid, status int) { got[status]++ }
	cmd := exec.Command(work(t), "exits")
	cmd.Stderr = os.Stderr
	if err := s.Run(cmd, func(*ring.Record) {}); err != nil {
		t.Fatalf("work exits: %v", err)
	}
	want := map[int]int{0: 1, 3 << 8: 1, 9: 1, 15: 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("exit statuses (status: count) %v, want %v", got, want)
	}
}

// TestDaemon leaves a process running after the command ends, making far
// more syscalls than its ring holds: once the session is closed the
// agent stops recording and never waits, so the daemon finishes.
func TestDaemon(t *testing.T) {
	s, err := NewSession(80)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	cmd := exec.Command(work(t), "daemon", "200000")
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := s.Run(cmd, func(*ring.Record) {}); err != nil {
		t.Fatalf("work daemon: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	pid := strings.TrimSpace(out.String())
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return // ended
		}
		if time.Now().After(end) {
			t.Fatalf("daemon %s still runs 30 s after the session closed: %s", pid, stat)
		}
	}
}
