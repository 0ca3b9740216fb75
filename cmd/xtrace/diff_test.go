package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"xtrace/diff"
)

// TestDiffRecordedRuns records one script three times: twice alike, which
// diff must call equivalent (exit 0), and once with its input file
// missing, where diff must name the failing open, the changed exit status
// and the first divergence (exit 1).
func TestDiffRecordedRuns(t *testing.T) {
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	script := "#!/bin/sh\ncat in.txt > out.txt\nwc -c out.txt >/dev/null\n"
	if err := os.WriteFile(filepath.Join(dir, "run.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(in, []byte("input\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	record := func(name string, code int) string {
		r := recRun(t, dir, nil, bin, "-q", "-w", name, "--", "./run.sh")
		if r.code != code {
			t.Fatalf("recording %s: exit %d, want %d: %s", name, r.code, code, r.stderr)
		}
		return filepath.Join(dir, name)
	}
	a := record("a.scap", 0)
	b := record("b.scap", 0)
	os.Remove(in)
	c := record("c.scap", 0) // the script's status is wc's

	out, stderr, code := runXtrace([]string{"diff", a, b})
	if code != 0 {
		t.Fatalf("same script twice: exit %d, want 0:\n%s%s", code, out, stderr)
	}
	if want := "equivalent: " + a + " and " + b + "\n"; string(out) != want {
		t.Errorf("output %q, want %q", out, want)
	}

	out, stderr, code = runXtrace([]string{"diff", a, c})
	if code != 1 {
		t.Fatalf("missing input: exit %d, want 1:\n%s%s", code, out, stderr)
	}
	// Paths are reported normalised (the test's temporary directory
	// included).
	nin := regexp.QuoteMeta(diff.Normalize(in))
	for _, re := range []string{
		`(?m)^exit status differs:\n  \S*run.sh \./run.sh > /usr/bin/cat in.txt: A 0, B 1$`,
		`(?m)^result differs:\n(  .*\n)*  .*> /usr/bin/cat in.txt: open\w* ` + nin + `: A ok x1; B ENOENT x1$`,
		`(?m)^first divergence:\n(  .*\n|      .*\n|    .*\n)*    A: open\w* ` + nin + ` = ok\n    B: open\w* ` + nin + ` = ENOENT$`,
	} {
		if !regexp.MustCompile(re).Match(out) {
			t.Errorf("output does not match %s:\n%s", re, out)
		}
	}

	// A filter narrows the comparison: the failing open is the only
	// difference among calls on in.txt.
	out, _, code = runXtrace([]string{"diff", a, c, "fd.name contains in.txt or evt.arg.name contains in.txt"})
	if code != 1 || !regexp.MustCompile(`ENOENT`).Match(out) {
		t.Errorf("filtered diff: exit %d:\n%s", code, out)
	}
	// Errors exit 2.
	if _, _, code := runXtrace([]string{"diff", a, filepath.Join(dir, "none.scap")}); code != 2 {
		t.Errorf("missing capture: exit %d, want 2", code)
	}
}

// recSignalTimingC gets a SIGCHLD, with a handler, at a moment the
// environment chooses: SIG_LATE unset, the child has exited before the
// parent unblocks the signal, so the handler runs at the return of that
// rt_sigprocmask; SIG_LATE set, the child exits later, while the parent
// waits for it. The calls made are the same.
const recSignalTimingC = `#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
static void on_chld(int s) { (void)s; }
int main(void) {
	sigset_t all, none;
	sigfillset(&all);
	sigemptyset(&none);
	int late = getenv("SIG_LATE") != 0;
	signal(SIGCHLD, on_chld);
	sigprocmask(SIG_SETMASK, &all, 0);
	if (fork() == 0) {
		usleep(late ? 200000 : 0);
		_exit(0);
	}
	usleep(50000);
	sigprocmask(SIG_SETMASK, &none, 0);
	wait(0);
	return 0;
}
`

// TestDiffSignalTiming: when a signal comes is timing. A handler that runs
// inside a call (the agent records it so: the handler's calls before the
// call's exit; ptrace writes the exit first, or an ERESTARTSYS exit and
// the call again) leaves the call whole in the export (one row, with its
// result), and diff leaves the signal's delivery, the handler's return
// and restarted calls out of the sequences it compares: two runs whose
// signal came at different moments are equivalent, with either backend.
func TestDiffSignalTiming(t *testing.T) {
	bin, dir := recProgram(t, "sig", recSignalTimingC)
	for _, backend := range []string{"agent", "ptrace"} {
		early, late := filepath.Join(dir, backend+"-early.scap"), filepath.Join(dir, backend+"-late.scap")
		for capture, env := range map[string][]string{early: nil, late: {"SIG_LATE=1"}} {
			if r := recRun(t, dir, env, bin, "-q", "--backend="+backend, "-w", capture, "--", "./sig"); r.code != 0 {
				t.Fatalf("--backend=%s: exit %d: %s", backend, r.code, r.stderr)
			}
			if !recMatchAny(recXtraceLines(t, bin, dir, capture), `> signaldeliver .*sig=17\(SIGCHLD\)`) {
				t.Fatalf("%s: no SIGCHLD delivery", capture)
			}
		}
		out, stderr, code := runXtrace([]string{"export", "-f", "ndjson", early, "evt.type=rt_sigprocmask"})
		if code != 0 {
			t.Fatalf("export: exit %d: %s", code, stderr)
		}
		var rows []string
		for _, l := range recSplitLines(string(out)) {
			if strings.Contains(l, `"kind":"syscall"`) {
				rows = append(rows, l)
			}
		}
		if len(rows) != 2 {
			t.Errorf("--backend=%s: %d rt_sigprocmask rows, want 2:\n%s", backend, len(rows), out)
		}
		for _, row := range rows {
			if !strings.Contains(row, `"res":0`) {
				t.Errorf("--backend=%s: a row without its result: %s", backend, row)
			}
		}
		out, stderr, code = runXtrace([]string{"diff", early, late})
		if code != 0 {
			t.Errorf("--backend=%s: diff early late: exit %d:\n%s%s", backend, code, out, stderr)
		}
	}
}
