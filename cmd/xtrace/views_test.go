package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// viewsScript is a workload whose answer is known: a 300-byte read, a
// 1000-byte write, a failing cat and a shell that exits 7.
const viewsScript = `#!/bin/sh
head -c 1000 in.txt > /dev/null
head -c 1000 /dev/zero > out.bin
cat missing.txt 2>/dev/null
sh -c 'exit 7'
exit 0
`

// TestViewChisels records viewsScript and checks what proctree, failures
// and iosummary say about it.
func TestViewChisels(t *testing.T) {
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "run.sh"), []byte(viewsScript), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "in.txt"), []byte(strings.Repeat("a", 300)), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := recRun(t, dir, nil, bin, "-q", "-w", "w.scap", "--", "./run.sh"); r.code != 0 {
		t.Fatalf("recording: exit %d: %s", r.code, r.stderr)
	}
	capture := filepath.Join(dir, "w.scap")
	d := regexp.QuoteMeta(dir)
	for _, tc := range []struct {
		chisel string
		want   []string // regexps, each must match
	}{
		{"proctree", []string{
			`^PID +DURATION +EXIT +COMMAND\n`,
			// The script at the root, exit 0, its four children below.
			`(?m)^\d+ +\S+ +0 +\S* ?→? ?\S*run.sh \./run.sh$`,
			`(?m)^\d+ +\S+ +0 +├─ \S*run.sh \./run.sh → \S*/head -c 1000 in.txt$`,
			`(?m)^\d+ +\S+ +0 +├─ \S*run.sh \./run.sh → \S*/head -c 1000 /dev/zero$`,
			`(?m)^\d+ +\S+ +1 +├─ \S*run.sh \./run.sh → \S*/cat missing.txt$`,
			`(?m)^\d+ +\S+ +7 +└─ \S*run.sh \./run.sh → \S*/sh -c exit 7$`,
		}},
		{"failures", []string{
			`(?m)^COUNT +ERRNO +SYSCALL +PROCESS +TARGET$`,
			`(?m)^1 +ENOENT +open\w* +cat +` + d + `/missing.txt$`,
			`(?m)^Processes that exited non-zero, with their last failures$`,
			// The root cause of cat's exit: its failed open.
			`(?m)^\d+ cat missing.txt: exit 1\n(    .*\n)*    open\w* ` + d + `/missing.txt = ENOENT$`,
			`(?m)^\d+ sh -c exit 7: exit 7$`,
		}},
		{"iosummary", []string{
			`(?m)^TYPE +OPENS +READS +WRITES +IN +OUT +TIME +NAME$`,
			// One open, a 300-byte read and the read at EOF.
			`(?m)^file +1 +2 +0 +300B +0B +\S+ +` + d + `/in.txt$`,
			// One 1000-byte write (the shell's dup2 also returns the fd).
			`(?m)^file +\d +0 +1 +0B +1000B +\S+ +` + d + `/out.bin$`,
		}},
	} {
		t.Run(tc.chisel, func(t *testing.T) {
			args := []string{"-r", capture, "-c", tc.chisel}
			if tc.chisel == "failures" {
				// Every failure ranked: the shells' PATH searches
				// (newfstatat ENOENT) outnumber cat's one open.
				args = append(args, "5 1000")
			}
			out, stderr, code := runXtrace(args)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, re := range tc.want {
				if !regexp.MustCompile(re).Match(out) {
					t.Errorf("no match for %s in:\n%s", re, out)
				}
			}
		})
	}
}

// TestViewChiselsListed: -cl lists the views after sysdig's chisels, -i
// describes them.
func TestViewChiselsListed(t *testing.T) {
	t.Setenv("XTRACE_CHISEL_PATH", "")
	t.Setenv("HOME", t.TempDir())
	out, _, code := runXtrace([]string{"-cl"})
	if code != 0 {
		t.Fatalf("-cl: exit %d", code)
	}
	for _, name := range []string{"proctree", "failures", "iosummary"} {
		if !regexp.MustCompile(`(?s)Category: Views \(xtrace\)\n-+\n(?:.*\n)?` + name + ` +\S`).Match(out) {
			t.Errorf("-cl does not list %s under Views (xtrace):\n%s", name, out)
		}
		info, _, code := runXtrace([]string{"-i", name})
		if code != 0 || !strings.Contains(string(info), "\n"+name+" ") {
			t.Errorf("-i %s: exit %d: %s", name, code, info)
		}
	}
}
