package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"xtrace/internal/testutil"
)

// straceCompared are the calls whose --strace lines must equal real
// strace's (after normalising pids and addresses).
var straceCompared = map[string]bool{
	"openat": true, "read": true, "write": true, "close": true, "access": true, "pread64": true,
	"mmap": true, "munmap": true, "mprotect": true, "brk": true,
}

var (
	straceLineRe = regexp.MustCompile(`^(\d+) +([a-z0-9_]+)\(`)
	straceAddrRe = regexp.MustCompile(`0x[0-9a-f]+`)
	stracePipeRe = regexp.MustCompile(`pipe:\[\d+\]`)
	straceLibRe  = regexp.MustCompile(`<(/usr)?/lib/`)
	straceMmapRe = regexp.MustCompile(`^(mmap\(.*, )(0xADDR|\d+)\)`)
	straceColRe  = regexp.MustCompile(` +=`)
)

// straceNormalise keeps the compared calls of a strace -f log, without
// pids and the padding before the result, with addresses and pipe inodes
// replaced. Two known differences are evened out: an fd's name is the
// path as opened (sysdig's fd.name), where strace shows where the symlinks
// lead (/lib is a link to /usr/lib here), and mmap's offset is printed in
// decimal, as the event table formats it, where strace prints hex.
func straceNormalise(lines []string) []string {
	var out []string
	for _, l := range lines {
		m := straceLineRe.FindStringSubmatch(l)
		if m == nil || !straceCompared[m[2]] {
			continue
		}
		l = strings.TrimSpace(l[len(m[1]):])
		l = straceAddrRe.ReplaceAllString(l, "0xADDR")
		l = stracePipeRe.ReplaceAllString(l, "pipe:[N]")
		l = straceLibRe.ReplaceAllString(l, "</lib/")
		l = straceMmapRe.ReplaceAllString(l, "${1}OFFSET)")
		l = straceColRe.ReplaceAllString(l, " =")
		out = append(out, l)
	}
	return out
}

// TestStraceOutput records cat reading a file and failing on another,
// prints the capture with --strace, and compares the lines with what
// strace -f -y -s 32 printed for the same command.
func TestStraceOutput(t *testing.T) {
	testutil.RequireTools(t, "strace")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data.txt")
	if err := os.WriteFile(data, []byte("hello\tworld \"quoted\" \\ back\x01\x7f and more than thirty-two bytes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	argv := []string{"cat", data, filepath.Join(dir, "missing")}
	capture := filepath.Join(dir, "cat.scap")
	r := recRun(t, dir, []string{"LC_ALL=C"}, bin, append([]string{"-q", "-w", capture, "--"}, argv...)...)
	if r.code != 1 {
		t.Fatalf("xtrace: exit %d: %s", r.code, r.stderr)
	}

	slog := filepath.Join(dir, "strace.log")
	env := []string{"LC_ALL=C"}
	agent := recBackend(t, capture) == "agent"
	if agent {
		env = append(env, "LD_AUDIT="+recAuditMarker(t)) // see recStraceFor
	}
	r = recRun(t, dir, env, "strace", append([]string{"-f", "-y", "-s", "32", "-o", slog}, argv...)...)
	if r.code != 1 {
		t.Fatalf("strace: exit %d: %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(slog)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	if agent {
		lines = straceAfterMarker(lines)
	}
	want := straceNormalise(lines)
	got := straceNormalise(recXtraceLines(t, bin, dir, capture, "--strace"))
	if len(want) < 20 {
		t.Fatalf("strace printed only %d compared calls:\n%s", len(want), strings.Join(want, "\n"))
	}
	if d := recFirstDiff(want, got); d != "(same)" {
		t.Errorf("--strace differs from strace (sysdig = strace here): %s\nstrace:\n%s\nxtrace:\n%s", d, strings.Join(want, "\n"), strings.Join(got, "\n"))
	}

	// --color=always: the failed open in red, the others plain; -T adds
	// the time spent.
	colored := recXtraceLines(t, bin, dir, capture, "--strace", "--color=always", "-T", "evt.type=openat")
	red := 0
	for _, l := range colored {
		if strings.Contains(l, "ENOENT") != strings.HasPrefix(l, "\x1b[31m") {
			t.Errorf("colour of %q", l)
		}
		if strings.HasPrefix(l, "\x1b[31m") {
			red++
			if !strings.HasSuffix(l, "\x1b[0m") {
				t.Errorf("red line not reset: %q", l)
			}
		}
		if !regexp.MustCompile(` <\d+\.\d{6}>`).MatchString(l) {
			t.Errorf("-T: no duration in %q", l)
		}
	}
	if red == 0 {
		t.Error("--color=always printed no failed call in red")
	}

	// Live output prints the same lines while recording.
	r = recRun(t, dir, []string{"LC_ALL=C"}, bin, append([]string{"--strace", "--"}, argv...)...)
	live := straceNormalise(recSplitLines(r.stdout))
	if d := recFirstDiff(got, live); d != "(same)" {
		t.Errorf("live --strace differs from replay (sysdig = replay here): %s", d)
	}
}
