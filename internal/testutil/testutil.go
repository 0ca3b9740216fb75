// Package testutil holds what tests of several packages need to decide
// whether they can run: a test that needs root, ptrace, an oracle tool
// (sysdig, tshark, strace, gcc) or a file outside its package skips with
// a reason when run by hand, but fails when CI=true, where `make test` has
// installed everything and a skip would hide a failure.
//
// It imports nothing from xtrace, so that the tests of every package,
// in-package tests included, can use it.
package testutil

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// CI reports whether the tests run in CI (CI=true), where nothing may be
// skipped for want of a tool or a privilege.
func CI() bool { return os.Getenv("CI") == "true" }

// SkipOrFail skips the test with why as the reason, or fails it when CI
// is set.
func SkipOrFail(tb testing.TB, why string) {
	tb.Helper()
	if CI() {
		tb.Fatalf("cannot run in CI: %s", why)
		return
	}
	tb.Skip(why)
}

// LookTool returns the path of a tool the test needs; when it is not on
// PATH the test skips, or fails in CI.
func LookTool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		SkipOrFail(tb, name+" is not installed (make test installs it)")
		return ""
	}
	return p
}

// RequireTools skips (or fails in CI) unless every tool named is on PATH.
func RequireTools(tb testing.TB, names ...string) {
	tb.Helper()
	for _, n := range names {
		LookTool(tb, n)
	}
}

// TrimLines splits a golden output into lines, without the trailing
// blanks of each (sysdig ends its lines with a space) and without the
// final newline; an empty output has no lines.
func TrimLines(b []byte) []string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " \t")
	}
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	return lines
}
