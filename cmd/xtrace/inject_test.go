package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"xtrace/internal/testutil"
)

// TestInject records cat with its open of /etc/hostname failed by an
// injected ENOENT: cat exits 1 with its own message, the capture shows
// the failed call marked injected, and sysdig reads the same lines.
func TestInject(t *testing.T) {
	recRequireTracing(t)
	testutil.RequireTools(t, "sysdig")
	bin := recXtraceBin(t)
	dir := t.TempDir()
	capture := filepath.Join(dir, "inj.scap")
	r := recRun(t, dir, nil, bin, "-q", "-w", capture,
		"--inject", "evt.type=openat and evt.arg.name contains hostname", "error=ENOENT", "--", "cat", "/etc/hostname")
	if r.code != 1 || !strings.Contains(r.stderr, "cat: /etc/hostname: No such file or directory") {
		t.Fatalf("exit %d, stderr %q; want 1 and cat's message", r.code, r.stderr)
	}
	got := recXtraceLines(t, bin, dir, capture, "-p", "*%evt.dir %evt.type %evt.arg.name %evt.res %evt.injected", "evt.injected=true")
	want := []string{"> openat /etc/hostname <NA> true", "< openat /etc/hostname ENOENT true"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("injected events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(recXtraceLines(t, bin, dir, capture, "evt.type=read and evt.injected=false and fd.name=/etc/hostname")); n != 0 {
		t.Errorf("cat read /etc/hostname %d times after the injected failure", n)
	}
	filter := "evt.type=openat and evt.arg.name contains hostname"
	xs, ss := recXtraceLines(t, bin, dir, capture, filter), recSysdigLines(t, dir, capture, filter)
	if d := recFirstDiff(ss, xs); d != "(same)" || len(xs) != 2 {
		t.Errorf("sysdig and xtrace differ on the injected calls: %s", d)
	}
	// Without --sysdig-compat the default line and -j show the mark.
	full := recRun(t, dir, nil, bin, "-r", capture, filter)
	if n := strings.Count(full.stdout, " [injected]\n"); n != 2 {
		t.Errorf("default lines with [injected]: %d, want 2:\n%s", n, full.stdout)
	}
	js := recRun(t, dir, nil, bin, "-r", capture, "-j", filter)
	if n := strings.Count(js.stdout, `"evt.injected":true}`); n != 2 {
		t.Errorf("-j objects with evt.injected: %d, want 2:\n%s", n, js.stdout)
	}
}

// TestInjectExtended: a rule names a syscall that sysdig records only as
// generic (statx): the injector sees xtrace's extended event, fails the
// call, and the capture shows the injected result.
func TestInjectExtended(t *testing.T) {
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	capture := filepath.Join(dir, "x.scap")
	r := recRun(t, dir, nil, bin, "-q", "-w", capture, "--inject", "evt.type=statx", "error=EACCES", "--", "stat", "/etc/hostname")
	if r.code != 1 || !strings.Contains(r.stderr, "Permission denied") {
		t.Fatalf("exit %d, stderr %q; want 1 and stat's EACCES message", r.code, r.stderr)
	}
	out := recRun(t, dir, nil, bin, "-r", capture, "-p", "%evt.type %evt.res %evt.injected", "evt.type=statx and evt.dir=<")
	if got := strings.TrimSpace(out.stdout); got != "statx EACCES true" {
		t.Errorf("statx exits: %q, want one injected EACCES", got)
	}
}

// TestInjectWhenProb checks when= and prob= on a shell loop that opens a
// file ten times: when=3+2 fails the 3rd, 5th, 7th and 9th opens; prob=
// with a seed fails the same opens on every run.
func TestInjectWhenProb(t *testing.T) {
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	script := `for i in 0 1 2 3 4 5 6 7 8 9; do if cat /etc/hostname >/dev/null 2>&1; then printf o; else printf x; fi; done`
	run := func(opts ...string) string {
		t.Helper()
		args := append([]string{"-q", "-w", filepath.Join(dir, "w.scap"),
			"--inject", "evt.type=openat and evt.arg.name=/etc/hostname"}, opts...)
		args = append(args, "--", "sh", "-c", script)
		r := recRun(t, dir, nil, bin, args...)
		if r.code != 0 {
			t.Fatalf("xtrace %v: exit %d: %s", opts, r.code, r.stderr)
		}
		return r.stdout
	}
	if got := run("error=EACCES", "when=3+2"); got != "ooxoxoxoxo" {
		t.Errorf("when=3+2: %q, want ooxoxoxoxo", got)
	}
	if got := run("error=EACCES", "when=4"); got != "oooxoooooo" {
		t.Errorf("when=4: %q, want oooxoooooo", got)
	}
	a, b := run("error=EIO", "prob=0.5", "seed=42"), run("error=EIO", "prob=0.5", "seed=42")
	if a != b || !strings.Contains(a, "x") || !strings.Contains(a, "o") {
		t.Errorf("prob=0.5 seed=42: %q then %q, want the same mix twice", a, b)
	}
	if got := run("error=EIO", "prob=0"); got != "oooooooooo" {
		t.Errorf("prob=0: %q", got)
	}
}

// TestInjectRetvalDelay: retval= skips cat's write and returns the count
// cat expects (nothing reaches stdout, cat succeeds); delay= holds the
// open back, which the call's latency shows.
func TestInjectRetvalDelay(t *testing.T) {
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	capture := filepath.Join(dir, "r.scap")
	host, err := os.ReadFile("/etc/hostname")
	if err != nil {
		testutil.SkipOrFail(t, "the test reads /etc/hostname: "+err.Error())
	}
	r := recRun(t, dir, nil, bin, "-q", "-w", capture,
		"--inject", "evt.type=write and proc.name=cat", "retval="+strconv.Itoa(len(host)),
		"--inject", "evt.type=openat and evt.arg.name=/etc/hostname", "delay=300ms",
		"--", "cat", "/etc/hostname")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and nothing written", r.code, r.stdout, r.stderr)
	}
	got := recXtraceLines(t, bin, dir, capture, "-p", "%evt.type %evt.rawres %evt.injected", "evt.type=write and evt.dir=<")
	if len(got) != 1 || got[0] != "write "+strconv.Itoa(len(host))+" true" {
		t.Errorf("write exits: %q", got)
	}
	lat := recXtraceLines(t, bin, dir, capture, "-p", "%evt.latency %evt.injected", "evt.type=openat and evt.dir=< and fd.name=/etc/hostname")
	if len(lat) != 1 {
		t.Fatalf("open exits: %q", lat)
	}
	f := strings.Fields(lat[0])
	ns, _ := strconv.ParseInt(f[0], 10, 64)
	if ns < 300e6 || f[1] != "false" {
		t.Errorf("delayed open: latency %d ns, injected %s; want >= 300ms and false (it ran)", ns, f[1])
	}
}
