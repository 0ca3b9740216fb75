package testutil

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// fakeTB records what SkipOrFail does instead of stopping a real test.
type fakeTB struct {
	testing.TB
	skipped, failed bool
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Skip(...any)           { f.skipped = true }
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true }

func TestSkipOrFail(t *testing.T) {
	for _, tc := range []struct {
		ci         string
		skip, fail bool
	}{
		{"true", false, true},
		{"", true, false},
		{"false", true, false},
	} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			f := &fakeTB{}
			SkipOrFail(f, "no tool")
			if f.skipped != tc.skip || f.failed != tc.fail {
				t.Errorf("skipped %v failed %v, want %v %v", f.skipped, f.failed, tc.skip, tc.fail)
			}
		})
	}
}

func TestLookTool(t *testing.T) {
	t.Setenv("CI", "true")
	f := &fakeTB{}
	if p := LookTool(f, "sh"); p == "" || f.failed {
		t.Errorf("LookTool(sh) = %q, failed %v", p, f.failed)
	}
	LookTool(f, "xtrace-no-such-tool")
	if !f.failed {
		t.Error("a missing tool does not fail in CI")
	}
}

func TestTrimLines(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"\n", nil},
		{"a \nb\t\n", []string{"a", "b"}},
		{"a\n\nb", []string{"a", "", "b"}},
	} {
		got := TrimLines([]byte(tc.in))
		if len(got) != len(tc.want) {
			t.Errorf("TrimLines(%q) = %q, want %q", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("TrimLines(%q) = %q, want %q", tc.in, got, tc.want)
			}
		}
	}
}

// TestProcessTree finds a child of this test and describes it.
func TestProcessTree(t *testing.T) {
	cmd := exec.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer cmd.Process.Kill()
	tree := ProcessTree(os.Getpid())
	if tree[0] != os.Getpid() || !slices.Contains(tree, cmd.Process.Pid) {
		t.Fatalf("ProcessTree(%d) = %v, want it and %d", os.Getpid(), tree, cmd.Process.Pid)
	}
	if d := DescribeProcesses([]int{cmd.Process.Pid}); !strings.Contains(d, "sleep 5") || !strings.Contains(d, "tid ") {
		t.Errorf("DescribeProcesses: %q", d)
	}
}
