package agent

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"xtrace/agent/ring"
	"xtrace/internal/testutil"
)

// Syscall numbers (x86_64) of the calls the tests look for.
const (
	sysRead     = 0
	sysWrite    = 1
	sysWritev   = 20
	sysMmap     = 9
	sysGetppid  = 110
	sysOpenat   = 257
	sysPipe2    = 293
	sysStat     = 262 // newfstatat
	sysConnect  = 42
	sysSendto   = 44
	sysRecvfrom = 45
	sysAccept4  = 288
)

// session returns a new session with an 80-byte snaplen, closed when the
// test ends.
func session(t *testing.T) *Session {
	t.Helper()
	s, err := NewSession(80)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var (
	workOnce sync.Once
	workBin  string
	workErr  error
	workDir  string
)

// work builds testdata/work.c once per test binary.
func work(t testing.TB) string {
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
	// lineage: the command's pid, each thread's first two records and
	// process, and the counts of child and image records and of
	// successful execve exits that follow a recorded execve (not an
	// image record)
	root     uint32
	first    map[uint32][]ring.Record
	pids     map[uint32]uint32
	children int
	images   int
	execs    int
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
	c := counts{enter: map[uint32]int{}, exit: map[uint32]int{}, rets: map[int64]int{}, prevTS: map[uint32]uint64{}, signals: map[uint32]int{}, exits: map[int]int{},
		first: map[uint32][]ring.Record{}, pids: map[uint32]uint32{}}
	last := map[uint32]uint16{} // the kind of each thread's last record
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
		c.lineage(r, last[r.Tid])
		last[r.Tid] = r.Kind
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
	c.root = uint32(cmd.Process.Pid)
	return c, s.Region.Stats()
}

// Native clone flags and syscall numbers of the lineage checks.
const (
	cloneVM     = 0x100
	cloneFS     = 0x200
	cloneVfork  = 0x4000
	cloneThread = 0x10000
	cloneSettls = 0x80000
	sigchld     = 17
	sysClone    = 56
	sysFork     = 57
	sysVfork    = 58
	sysExecve   = 59
	sysClone3   = 435
)

// lineage notes what r, after a record of kind prev on its thread, says
// of where threads, processes and images come from.
func (c *counts) lineage(r *ring.Record, prev uint16) {
	if f := c.first[r.Tid]; len(f) < 2 {
		rc := *r
		rc.Mem, rc.Facts = nil, ring.Facts{HasTask: r.Facts.HasTask}
		c.first[r.Tid] = append(f, rc)
		c.pids[r.Tid] = r.Pid
	}
	switch {
	case r.Kind == ring.KindChild:
		c.children++
	case r.Kind == ring.KindImage:
		c.images++
	case r.Kind == ring.KindExit && r.NR == sysExecve && r.Ret == 0 && prev != ring.KindImage:
		c.execs++
	}
}

// tasks checks that the command's first record is an image record
// followed by an execve exit with its task fact, that every other
// thread's first record is a child record (which want checks, returning
// what is wrong) naming a creator that was recorded, followed by the exit
// of the call that made it with its task fact, and that execs execve
// calls returned into a new image.
func (c counts) tasks(t *testing.T, children, execs int, want func(r ring.Record) string) {
	t.Helper()
	bad := 0
	fail := func(format string, a ...any) {
		if bad++; bad <= 5 {
			t.Errorf(format, a...)
		}
	}
	for tid, f := range c.first {
		if len(f) < 2 {
			fail("tid %d: %d records", tid, len(f))
			continue
		}
		if tid == c.root {
			if f[0].Kind != ring.KindImage || f[1].Kind != ring.KindExit || f[1].NR != sysExecve || f[1].Ret != 0 || !f[1].Facts.HasTask {
				fail("the command (tid %d) starts with %+v, %+v; want an image record and an execve exit with its task fact", tid, f[0], f[1])
			}
			continue
		}
		ch, ex := f[0], f[1]
		if ch.Kind != ring.KindChild {
			fail("tid %d starts with a record of kind %d, want a child record", tid, ch.Kind)
			continue
		}
		if ex.Kind != ring.KindExit || ex.NR != ch.NR || ex.Ret != 0 || !ex.Facts.HasTask {
			fail("tid %d: child record of syscall %d followed by %+v, want its exit with 0 and its task fact", tid, ch.NR, ex)
		}
		if pid, ok := c.pids[uint32(ch.Args[1])]; !ok || uint64(pid) != ch.Args[2] {
			fail("tid %d: made by tid %d of pid %d, which was not recorded as such", tid, ch.Args[1], ch.Args[2])
		}
		if msg := want(ch); msg != "" {
			fail("tid %d: syscall %d flags %#x by %d/%d: %s", tid, ch.NR, ch.Args[0], ch.Args[1], ch.Args[2], msg)
		}
	}
	if c.children != children || c.children != len(c.first)-1 {
		t.Errorf("%d child records for %d threads besides the command, want %d", c.children, len(c.first)-1, children)
	}
	if c.images != 1 || c.execs != execs {
		t.Errorf("%d image records and %d execve exits into a new image, want 1 and %d", c.images, c.execs, execs)
	}
}

// byCommand returns a child check: made by the command's main thread
// with syscall nr (any of them when nil) and flags that hold set and
// lack clear, or exactly exact when set.
func (c counts) byCommand(nrs []uint32, set, clear, exact uint64) func(ring.Record) string {
	return func(r ring.Record) string {
		switch {
		case r.Args[1] != uint64(c.root) || r.Args[2] != uint64(c.root):
			return "not made by the command"
		case nrs != nil && !slices.Contains(nrs, r.NR):
			return fmt.Sprintf("made by syscall %d, want one of %v", r.NR, nrs)
		case exact != 0 && r.Args[0] != exact:
			return fmt.Sprintf("flags %#x, want %#x", r.Args[0], exact)
		case r.Args[0]&set != set || r.Args[0]&clear != 0:
			return fmt.Sprintf("flags %#x, want %#x set and %#x clear", r.Args[0], set, clear)
		}
		return ""
	}
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
	anyChild := func(c counts) func(ring.Record) string { return c.byCommand(nil, 0, 0, 0) }
	tests := []struct {
		name    string
		args    []string
		threads int // threads with n getppid each
		calls   int // getppid per thread when not n
		// the child records and execve exits into a new image expected,
		// and what each child record must say
		children, execs int
		child           func(c counts) func(ring.Record) string
	}{
		{"threads", []string{"threads", "8", strconv.Itoa(n)}, 8, n, 8, 0, func(c counts) func(ring.Record) string {
			return c.byCommand([]uint32{sysClone, sysClone3}, cloneVM|cloneThread|cloneSettls, 0, 0)
		}},
		{"fork", []string{"forks", "5", strconv.Itoa(n)}, 5, n, 5, 0, func(c counts) func(ring.Record) string {
			return c.byCommand([]uint32{sysClone, sysFork}, sigchld, cloneVM|cloneThread, 0)
		}},
		{"vfork", []string{"vforks", "5", strconv.Itoa(n)}, 5, n, 5, 5, func(c counts) func(ring.Record) string {
			return c.byCommand([]uint32{sysVfork}, 0, 0, cloneVM|cloneVfork|sigchld)
		}},
		{"posix_spawn", []string{"spawn", "5", strconv.Itoa(n)}, 5, n, 5, 5, func(c counts) func(ring.Record) string {
			return c.byCommand([]uint32{sysClone, sysClone3}, cloneVM|cloneVfork, cloneThread, 0)
		}},
		{"raw", []string{"rawforks", strconv.Itoa(n)}, 3, n, 3, 0, func(c counts) func(ring.Record) string {
			check := map[uint32]func(ring.Record) string{
				sysFork:   c.byCommand(nil, 0, 0, sigchld),
				sysClone:  c.byCommand(nil, 0, 0, cloneFS|sigchld),
				sysClone3: c.byCommand(nil, 0, 0, cloneFS),
			}
			return func(r ring.Record) string {
				if f := check[r.NR]; f != nil {
					delete(check, r.NR)
					return f(r)
				}
				return fmt.Sprintf("syscall %d twice or not fork, clone or clone3", r.NR)
			}
		}},
		{"execve", []string{"exec", strconv.Itoa(n)}, 1, n, 0, 1, anyChild},
		// A thread's execve: the new image runs on the leader's tid
		// and takes over the thread's ring.
		{"thread execve", []string{"threadexec", strconv.Itoa(n)}, 1, n, 1, 1, func(c counts) func(ring.Record) string {
			return c.byCommand([]uint32{sysClone, sysClone3}, cloneVM|cloneThread, 0, 0)
		}},
		{"signals", []string{"signals", strconv.Itoa(n)}, 1, 2 * n, 0, 0, anyChild},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := record(t, sysGetppid, tt.args...)
			c.perThread(t, tt.threads, tt.calls)
			c.tasks(t, tt.children, tt.execs, tt.child(c))
			const sigusr1, sigsys = 10, 31
			if tt.name == "signals" && (c.signals[sigusr1] != 1 || c.signals[sigsys] != 1 || len(c.signals) != 2) {
				t.Errorf("signal deliveries %v, want one SIGUSR1 and one SIGSYS (sent by kill)", c.signals)
			}
		})
	}
}

// TestLossless is the scale: eight threads of a million getppid
// each, with the consumer stalled at first so that the threads fill
// their rings and wait: every call is recorded, enter and exit, on its
// thread (14 s here; 20,000 per thread with -short).
func TestLossless(t *testing.T) {
	n := 1000000
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
	c.tasks(t, procs, 0, c.byCommand([]uint32{sysClone, sysFork}, sigchld, cloneVM|cloneThread, 0))
	if c.exits[0] != procs+1 || len(c.exits) != 1 {
		t.Errorf("exit statuses (status: count) %v, want %d times 0", c.exits, procs+1)
	}
	if st.Freed < procs {
		t.Errorf("%d rings freed, want at least %d", st.Freed, procs)
	}
}

// TestExecStorm starts 1000 processes one after the other, each by fork
// and then execve of a dynamic program (work itself): every process's
// records arrive, each child starting with a child record and returning
// from its execve into the new image, every exit status is read.
func TestExecStorm(t *testing.T) {
	procs := 1000
	if testing.Short() {
		procs = 100
	}
	c, _ := recordSlow(t, sysGetppid, 0, "forkexecs", strconv.Itoa(procs), "3")
	c.perThread(t, procs, 3)
	c.tasks(t, procs, procs, c.byCommand([]uint32{sysClone, sysFork}, sigchld, cloneVM|cloneThread, 0))
	if c.exits[0] != procs+1 || len(c.exits) != 1 {
		t.Errorf("exit statuses (status: count) %v, want %d times 0", c.exits, procs+1)
	}
}

// TestMemory checks the memory the agent copies, as capture_gen.h asks:
// paths at openat's enter and exit, write's buffer, read's data up to
// its result, writev's iovecs and data, and a fault where the program
// passed a bad pointer (the call fails with EFAULT; the agent survives),
// and newfstatat's struct stat only when the call succeeded.
func TestMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	s := session(t)
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
	started := false // the loader's calls (libraries opened, read, stat'ed) come first
	err := s.Run(cmd, func(r *ring.Record) {
		switch r.NR {
		case sysRead, sysWrite, sysWritev, sysOpenat, sysStat:
		default:
			return
		}
		if !started {
			if r.NR != sysOpenat || r.Kind != ring.KindEnter || len(r.Mem) == 0 || string(r.Mem[0].Data) != path+"\x00" {
				return
			}
			started = true
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
		{sysStat, ring.KindEnter}:   {{0, nil}, {0, nil}},
		{sysStat, ring.KindExit}:    {{0, []string{path + "\x00", "stat"}}, {-2, []string{"/nonexistent-xtrace\x00"}}},
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
			// the struct stat (256 bytes copied): compare st_size
			if k.nr == sysStat && len(g[i].data) == 2 {
				st := g[i].data[1]
				if len(st) != 256 || binary.LittleEndian.Uint64([]byte(st[48:])) != 15 {
					t.Errorf("newfstatat: struct stat of %d bytes, want 256 with st_size 15", len(st))
				}
				g[i].data[1] = "stat"
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

// TestSignalStorm runs a program whose timer interrupts it every 20 us,
// each time running a handler that makes a syscall, while the consumer
// keeps falling behind (it pauses every few hundred records): the agent
// writes records for the handler while the interrupted call's own record
// is half written or waits for room. Every call, in the loop and in the
// handlers, is recorded on its thread, every delivery too, and the rings
// hold no byte that is not a record.
func TestSignalStorm(t *testing.T) {
	n := 50000
	if testing.Short() {
		n = 20000
	}
	s := session(t)
	var out strings.Builder
	cmd := exec.Command(work(t), "sigstorm", strconv.Itoa(n), "50")
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	c := counts{enter: map[uint32]int{}, exit: map[uint32]int{}, signals: map[uint32]int{}}
	records := 0
	err := s.Run(cmd, func(r *ring.Record) {
		if records++; records%300 == 0 {
			time.Sleep(time.Millisecond)
		}
		switch {
		case r.Kind == ring.KindSignal:
			c.signals[r.NR]++
		case r.NR != sysGetppid:
		case r.Kind == ring.KindEnter:
			c.enter[r.Tid]++
		case r.Kind == ring.KindExit:
			c.exit[r.Tid]++
		}
	})
	if err != nil {
		t.Fatalf("work sigstorm: %v", err)
	}
	ran, err := strconv.Atoi(strings.TrimSpace(out.String()))
	if err != nil || ran == 0 {
		t.Fatalf("work sigstorm printed %q, want the number of handler runs", out.String())
	}
	c.perThread(t, 1, n+ran)
	const sigalrm = 14
	if c.signals[sigalrm] != ran {
		t.Errorf("%d SIGALRM deliveries recorded, want %d", c.signals[sigalrm], ran)
	}
	t.Logf("%d handler runs, stats %+v", ran, s.Region.Stats())
	if st := s.Region.Stats(); st.Corrupt != 0 || st.Strays != 0 || st.Wakes == 0 {
		t.Errorf("ring stats %+v: want no corrupt bytes or strays, and waits for room", st)
	}
}

// TestTaskFactsOwnThread checks where the task facts come from: a
// process that had a second thread (here one that made many page faults
// and ended) execs; its execve exit's stat must count the thread's own
// faults, as /proc/thread-self does (the ptrace backend reads the task's
// entry), not the process's with its ended thread's, as /proc/self would.
// A process that never had a second thread reads the cheaper /proc/self,
// which shows the same.
func TestTaskFactsOwnThread(t *testing.T) {
	const pages = 20000
	s := session(t)
	cmd := exec.Command(work(t), "faultexec", strconv.Itoa(pages))
	cmd.Stderr = os.Stderr
	var minflt []uint64
	err := s.Run(cmd, func(r *ring.Record) {
		if r.Kind != ring.KindExit || r.NR != sysExecve || r.Ret != 0 || !r.Facts.HasTask {
			return
		}
		// Field 10 of stat, counted after the ")" that ends field 2.
		st := string(r.Facts.Task.Files[ring.FileStat])
		f := strings.Fields(st[strings.LastIndexByte(st, ')')+1:])
		if len(f) < 8 {
			t.Fatalf("execve exit: stat %q", st)
		}
		v, err := strconv.ParseUint(f[7], 10, 64)
		if err != nil {
			t.Fatalf("execve exit: stat %q: %v", st, err)
		}
		minflt = append(minflt, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	// The command's image, then the execve after the thread.
	if len(minflt) != 2 {
		t.Fatalf("%d execve exits with task facts, want 2", len(minflt))
	}
	if minflt[1] >= pages {
		t.Errorf("execve exit after the thread: %d minor faults, want the thread's own (< %d): the ended thread's were counted", minflt[1], pages)
	}
}

// TestExits reads the wait status of every process of the tree from the
// pidfd each hands over: a normal exit, SIGKILL, and SIGTERM's default
// action (which no handler sees).
func TestExits(t *testing.T) {
	s := session(t)
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

// TestMappedKiB checks MappedKiB against the kernel: a program's address
// space under the agent is larger than its native one by that, within a
// few pages: with an audit module the loader lays out the thread's TLS
// before loading libc, not after (a page less here), which depends on
// the program.
func TestMappedKiB(t *testing.T) {
	out, err := exec.Command(work(t), "statm").Output()
	if err != nil {
		t.Fatalf("work statm: %v", err)
	}
	native, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		t.Fatalf("work statm printed %q", out)
	}
	_, got := recordOut(t, sysGetppid, "statm")
	agent, err := strconv.ParseUint(strings.TrimSpace(got), 10, 64)
	if err != nil {
		t.Fatalf("work statm under the agent printed %q", got)
	}
	const slack = 4 * 4 // KiB
	if d := int64(agent-native)*4 - int64(MappedKiB); d < -slack || d > slack {
		t.Errorf("vm_size %d KiB under the agent, %d KiB natively: %d more, MappedKiB is %d", agent*4, native*4, (agent-native)*4, MappedKiB)
	}
}

// TestEnviron checks the environment of every image under the agent:
// the program sees the one it was given (the agent's variables taken
// out), and /proc/<pid>/environ, which decoding an execve exit reads,
// is that one once StripEnv took the agent's part out, with and without
// a user's LD_AUDIT (an empty one included; the user's library is
// loaded too), in the command and in an image it execs.
func TestEnviron(t *testing.T) {
	gcc := testutil.LookTool(t, "gcc")
	dir := t.TempDir()
	userLib := filepath.Join(dir, "user.so")
	if err := os.WriteFile(filepath.Join(dir, "user.c"), []byte("unsigned la_version(unsigned v) { return v; }\nint xtrace_user_lib;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gcc, "-shared", "-fPIC", "-o", userLib, filepath.Join(dir, "user.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	tests := []struct {
		name string
		env  []string
	}{
		{"no preload", []string{"PATH=/usr/bin:/bin", "XTRACE_TEST=1"}},
		{"user preload", []string{"PATH=/usr/bin:/bin", "LD_AUDIT=" + userLib, "XTRACE_TEST=1"}},
		{"empty preload", []string{"LD_AUDIT=", "XTRACE_TEST=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := session(t)
			want := strings.Join(tt.env, "\x00") + "\x00"
			var out strings.Builder
			cmd := exec.Command(work(t), "environ", "1")
			cmd.Env, cmd.Stdout, cmd.Stderr = tt.env, &out, os.Stderr
			images := 0
			err := s.Run(cmd, func(r *ring.Record) {
				if r.Kind != ring.KindExit || r.NR != sysExecve || r.Ret != 0 {
					return
				}
				images++
				// /proc/<pid>/environ as the image read it at its
				// execve's exit (its task fact).
				raw := r.Facts.Task.Files[ring.FileEnviron]
				if raw == nil {
					t.Errorf("image %d: execve exit without the environ of its task fact", images)
					return
				}
				if got := string(s.StripEnv(nil, raw)); got != want {
					t.Errorf("image %d: /proc environ %q, stripped %q; want %q", images, raw, got, want)
				}
			})
			if err != nil {
				t.Fatalf("work environ: %v", err)
			}
			seen := strings.Split(strings.TrimSuffix(out.String(), "--\n"), "--\n")
			if images != 2 || len(seen) != 2 {
				t.Fatalf("%d execve exits, %d images printed; want 2", images, len(seen))
			}
			for i, e := range seen {
				e, user := strings.CutSuffix(e, "#user-lib\n")
				if user != strings.Contains(want, userLib) {
					t.Errorf("image %d: the user's audit module loaded: %v, want %v", i+1, user, !user)
				}
				if got := strings.Fields(e); strings.Join(got, "\x00")+"\x00" != want {
					t.Errorf("image %d sees %q, want %q", i+1, got, tt.env)
				}
			}
		})
	}
}

// TestStripEnv takes the agent's variables out of environment blocks.
func TestStripEnv(t *testing.T) {
	s := session(t)
	lib, region := "LD_AUDIT="+s.libPath(), EnvRegion+"="+s.Region.Path()
	tests := []struct{ in, want string }{
		{"A=1\x00" + lib + "\x00" + region + "\x00", "A=1\x00"},
		{lib + ":/u.so\x00A=1\x00" + region + "\x00", "LD_AUDIT=/u.so\x00A=1\x00"},
		{lib + " /u.so\x00", "LD_AUDIT=/u.so\x00"},
		{lib + ":\x00", "LD_AUDIT=\x00"},
		{"LD_AUDIT=/u.so\x00XTRACE_AGENT=/other\x00", "LD_AUDIT=/u.so\x00XTRACE_AGENT=/other\x00"},
		{lib + "x\x00", lib + "x\x00"}, // another library whose path starts the same
		{"A=1\x00B", "A=1\x00B"},       // cut short
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(s.StripEnv(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("StripEnv(%q) = %q, want %q", tt.in, got, tt.want)
		}
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

// numbered returns a new folder with n empty files named 0 to n-1, which
// work opens reads.
func numbered(tb testing.TB, n int) string {
	dir := tb.TempDir()
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(i)), nil, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// held reports what is wrong with the claim that thread tid of process
// pid is held by the agent: it must come to wait in futex (it may still
// be on its way there, just after committing the record).
func held(pid, tid uint32) string { return inSyscall(pid, tid, "202") }

// inSyscall reports what is wrong with the claim that thread tid of
// process pid comes to wait in syscall nr within 5 s.
func inSyscall(pid, tid uint32, nr string) string {
	var sc []byte
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Microsecond) {
		var err error
		sc, err = os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/syscall", pid, tid))
		if err != nil {
			return err.Error()
		}
		if got, _, _ := strings.Cut(string(sc), " "); got == nr {
			return ""
		}
	}
	return fmt.Sprintf("thread %d in syscall %q, not %s", tid, strings.TrimSpace(string(sc)), nr)
}

// TestSyncHeld checks that a synchronous record's thread is still held
// while the consumer's callback runs: at a failed execve's exit the
// thread comes to wait in futex. openat is not synchronous (the agent
// ships the device and inode of the descriptor it returned as a fact,
// those of the file it named), nor are getppid and a child's clone exit
// (the child's /proc entries are a task fact).
func TestSyncHeld(t *testing.T) {
	const n = 200
	dir := numbered(t, n)
	type result struct{ ok, failed, bad int }
	check := func(t *testing.T, args []string, fn func(r *ring.Record, res *result)) result {
		t.Helper()
		s := session(t)
		var res result
		cmd := exec.Command(work(t), args...)
		cmd.Stderr = os.Stderr
		if err := s.Run(cmd, func(r *ring.Record) {
			if r.NR == sysGetppid && r.Sync {
				res.failed++
				if res.bad++; res.bad <= 5 {
					t.Errorf("getppid record of kind %d is synchronous", r.Kind)
				}
			}
			fn(r, &res)
		}); err != nil {
			t.Fatalf("work %v: %v", args, err)
		}
		return res
	}
	// The files work opens (the loader opens libraries before).
	ownFile := func(p string) bool {
		return strings.HasPrefix(p, dir+"/") || p == "/nonexistent-xtrace\x00"
	}
	t.Run("openat", func(t *testing.T) {
		res := check(t, []string{"opens", strconv.Itoa(n), dir}, func(r *ring.Record, res *result) {
			if r.NR != sysOpenat || len(r.Mem) > 0 && !ownFile(string(r.Mem[0].Data)) {
				return // not the program's own files: the loader's libraries
			}
			var msg string
			var st syscall.Stat_t
			switch {
			case r.Sync:
				msg = fmt.Sprintf("record of kind %d (ret %d) is synchronous", r.Kind, r.Ret)
			case r.Kind != ring.KindExit || r.Ret < 0:
				res.failed++
			case len(r.Mem) != 1 || len(r.Facts.Fds) != 1:
				msg = fmt.Sprintf("successful exit with %d memory chunks and %d descriptor facts, want its path and one", len(r.Mem), len(r.Facts.Fds))
			default:
				path := strings.TrimSuffix(string(r.Mem[0].Data), "\x00")
				f := r.Facts.Fds[0]
				if err := syscall.Stat(path, &st); err != nil {
					msg = err.Error()
				} else if f != (ring.FdFact{Fd: r.Ret, OK: true, Dev: uint32(st.Dev), Ino: st.Ino}) {
					msg = fmt.Sprintf("fact %+v; want fd %d, dev %#x, ino %d (%s)", f, r.Ret, uint32(st.Dev), st.Ino, path)
				} else {
					res.ok++
				}
			}
			if msg != "" {
				if res.bad++; res.bad <= 5 {
					t.Errorf("openat, tid %d: %s", r.Tid, msg)
				}
			}
		})
		// failed: n+1 enters, one failed exit
		if res.ok != n || res.failed != n+2 || res.bad != 0 {
			t.Errorf("%d openat exits with their file's facts, %d enters and failed exits, %d wrong; want %d, %d, 0", res.ok, res.failed, res.bad, n, n+2)
		}
	})
	t.Run("fork", func(t *testing.T) {
		// A child's clone exit carries its own /proc entries (a task
		// fact: its status names it) and is not synchronous.
		const procs = 20
		res := check(t, []string{"forks", strconv.Itoa(procs), "1"}, func(r *ring.Record, res *result) {
			if r.Kind != ring.KindExit || r.NR != sysClone || r.Ret != 0 {
				return
			}
			status := r.Facts.Task.Files[ring.FileStatus]
			msg := ""
			switch {
			case r.Sync:
				msg = "the child's exit is synchronous"
			case !r.Facts.HasTask:
				msg = "no task fact"
			case !strings.Contains(string(status), fmt.Sprintf("\nPid:\t%d\n", r.Tid)):
				msg = fmt.Sprintf("status is not the child's:\n%s", status)
			default:
				res.ok++
			}
			if msg != "" {
				if res.bad++; res.bad <= 5 {
					t.Errorf("clone, child %d: %s", r.Tid, msg)
				}
			}
		})
		if res.ok != procs || res.bad != 0 {
			t.Errorf("%d children's clone exits with their task fact, %d wrong; want %d, 0", res.ok, res.bad, procs)
		}
	})
	t.Run("failed execve", func(t *testing.T) {
		// A failed execve's fields come from its argv and envp in the
		// program's memory: its exit is synchronous, the thread held.
		s := session(t)
		var ok, bad int
		cmd := exec.Command("/bin/sh", "-c", "/nonexistent-xtrace 2>/dev/null; exit 0")
		cmd.Stderr = os.Stderr
		if err := s.Run(cmd, func(r *ring.Record) {
			if r.Kind != ring.KindExit || r.NR != sysExecve || r.Ret >= 0 {
				return
			}
			msg := "the failed execve's exit is not synchronous"
			if r.Sync {
				msg = held(r.Pid, r.Tid)
			}
			if msg != "" {
				bad++
				t.Errorf("execve, thread %d: %s", r.Tid, msg)
			} else {
				ok++
			}
		}); err != nil {
			t.Fatal(err)
		}
		if ok != 1 || bad != 0 {
			t.Errorf("%d failed execve exits held, %d wrong; want 1, 0", ok, bad)
		}
	})
}
