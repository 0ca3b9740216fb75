package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/internal/testutil"
)

const ringWorkload = `for i in $(seq 1 100); do cat /etc/hostname > /dev/null; done; cat /nonexistent; echo done`

// TestRingEnd keeps the last 20 KB of a long run: the capture holds only
// the end, its header knows the processes started during the run (no
// <NA>), and sysdig prints what xtrace prints.
func TestRingEnd(t *testing.T) {
	recRequireTracing(t)
	testutil.RequireTools(t, "sysdig")
	bin := recXtraceBin(t)
	dir := t.TempDir()
	capture := filepath.Join(dir, "r.scap")
	r := recRun(t, dir, nil, bin, "--ring", "20K", "-w", capture, "--", "sh", "-c", ringWorkload)
	if r.code != 0 || !strings.Contains(r.stderr, "xtrace: flight recorder (end of recording): wrote the last ") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	xs := recXtraceLines(t, bin, dir, capture)
	if len(xs) < 50 || len(xs) > 1000 {
		t.Fatalf("%d events in a 20K ring", len(xs))
	}
	all := len(recXtraceLines(t, bin, dir, capture, "evt.type=openat and fd.name=/etc/hostname"))
	if all >= 100 {
		t.Errorf("the ring kept %d opens of the 100", all)
	}
	for _, l := range xs {
		if strings.Contains(l, "<NA>") {
			t.Errorf("unresolved process or fd: %s", l)
			break
		}
	}
	if d := recFirstDiff(recSysdigLines(t, dir, capture), xs); d != "(same)" {
		t.Errorf("sysdig and xtrace differ: %s", d)
	}
}

// TestRingTrigger writes the ring when the failed open matches, 5 events
// later.
func TestRingTrigger(t *testing.T) {
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	capture := filepath.Join(dir, "t.scap")
	r := recRun(t, dir, nil, bin, "--ring", "4M", "--trigger", "evt.type=openat and evt.failed=true and evt.arg.name=/nonexistent",
		"--after", "5", "-w", capture, "--", "sh", "-c", ringWorkload)
	if r.code != 0 || strings.Count(r.stderr, "flight recorder (trigger)") != 1 || strings.Contains(r.stderr, "end of recording") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	xs := recXtraceLines(t, bin, dir, capture)
	last := -1
	for i, l := range xs {
		if strings.Contains(l, "< openat fd=-2(ENOENT)") && strings.Contains(l, "/nonexistent") {
			last = i
		}
	}
	if last < 0 || len(xs)-1-last != 5 {
		t.Errorf("the failed open is event %d of %d, want 5 before the end", last+1, len(xs))
	}
	if n := len(recXtraceLines(t, bin, dir, capture, "evt.type=openat and fd.name=/etc/hostname")); n != 100 {
		t.Errorf("the 4M ring holds %d of the 100 opens", n)
	}
}

// TestRingSIGUSR1 writes the ring of a running command on SIGUSR1.
func TestRingSIGUSR1(t *testing.T) {
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	capture := filepath.Join(dir, "u.scap")
	cmd := exec.Command(bin, "--ring", "1M", "-w", capture, "--", "sh", "-c", "cat /etc/hostname; sleep 2; cat /etc/hostname")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	unix.Kill(cmd.Process.Pid, unix.SIGUSR1)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("xtrace: %v: %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "flight recorder (SIGUSR1): wrote the last") {
		t.Fatalf("stderr %q", stderr.String())
	}
	first := recXtraceLines(t, bin, dir, capture, "evt.type=openat and fd.name=/etc/hostname and evt.dir=<")
	second := recXtraceLines(t, bin, dir, capture+".1", "evt.type=openat and fd.name=/etc/hostname and evt.dir=<")
	if len(first) != 1 || len(second) != 1 {
		t.Errorf("opens of /etc/hostname: %d in the SIGUSR1 file, %d in the end file; want 1 and 1", len(first), len(second))
	}
	if _, err := os.Stat(capture + ".2"); err == nil {
		t.Error("a third file was written")
	}
}
