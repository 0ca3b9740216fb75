package agent

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"xtrace/agent/ring"
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
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gcc is required under CI=true")
		}
		t.Skip("gcc not installed")
	}
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
}

// record runs the work program with args under the agent and counts the
// records of syscall nr.
func record(t *testing.T, nr uint32, args ...string) counts {
	t.Helper()
	s, err := NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := counts{enter: map[uint32]int{}, exit: map[uint32]int{}, rets: map[int64]int{}}
	cmd := exec.Command(work(t), args...)
	cmd.Stderr = os.Stderr
	err = s.Run(cmd, func(r *ring.Record) {
		c.records++
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
	return c
}

// TestGetppid is the gate's workload: every getppid of the loop is
// recorded, enter and exit, with the parent's pid as its result.
func TestGetppid(t *testing.T) {
	const n = 10000
	c := record(t, sysGetppid, "getppid", strconv.Itoa(n))
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
