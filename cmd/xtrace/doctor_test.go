package main

import (
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"xtrace/internal/linux"
)

// denyPtraceEnv makes the test binary exec the program in its arguments
// under a seccomp filter that denies ptrace, as a container profile does.
const denyPtraceEnv = "XTRACE_TEST_DENY_PTRACE"

func init() {
	if os.Getenv(denyPtraceEnv) == "" {
		return
	}
	args := strings.Split(os.Getenv(denyPtraceEnv), "\x1f")
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err == nil {
		err = linux.SeccompSetModeFilterAllThreads(linux.DenyProgram(unix.EPERM, unix.SYS_PTRACE))
	}
	env := []string{}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, denyPtraceEnv+"=") {
			env = append(env, e)
		}
	}
	syscall.Exec(args[0], args, env)
	os.Exit(99)
}

// TestRecordBlocked records under a profile that denies ptrace: the error
// names the blocker and its fix and points to xtrace doctor, and doctor
// itself exits 1.
func TestRecordBlocked(t *testing.T) {
	bin := recXtraceBin(t)
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r := recRun(t, dir, []string{denyPtraceEnv + "=" + strings.Join([]string{bin, "--backend=ptrace", "-w", dir + "/x.scap", "--", "true"}, "\x1f")}, self)
	if r.code == 0 {
		t.Fatalf("recording worked under a filter denying ptrace: %q", r.stderr)
	}
	for _, want := range []string{"blocked by ptrace: PTRACE_SEIZE of a child: operation not permitted: a seccomp profile on xtrace",
		"fix: docker run --cap-add=SYS_PTRACE", "run `xtrace doctor` for every check"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("error %q does not say %q", r.stderr, want)
		}
	}
	if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("error is not one line: %q", r.stderr)
	}
	r = recRun(t, dir, []string{denyPtraceEnv + "=" + bin + "\x1fdoctor"}, self)
	if r.code != 1 || !strings.Contains(r.stdout, "blocked  ptrace") {
		t.Errorf("doctor under the filter: exit %d, output %q", r.code, r.stdout)
	}
}
