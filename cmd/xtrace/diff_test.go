package main

import (
	"os"
	"path/filepath"
	"regexp"
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
