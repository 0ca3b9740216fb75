package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"xtrace/event"
	"xtrace/internal/testutil"
)

// TestStraceEveryFailure records ordinary programs under strace -f and
// under xtrace and checks, on xtrace's full output (not --sysdig-compat),
// that every failed syscall strace reports appears in
// `xtrace -r F "evt.failed=true"` with the same errno, and that the number
// of calls of every syscall agrees.
//
// Names: strace prints the kernel's names, xtrace prints the event's
// name, which for syscalls with a sysdig event is sysdig's: the test maps
// one to the other through the event table (xtraceNameOf). The renames
// this gives on x86_64 are pread64 -> pread, pwrite64 -> pwrite, dup2 and
// dup3 -> dup, eventfd2 -> eventfd, signalfd4 -> signalfd, umount2 ->
// umount, getrlimit/setrlimit as they are, brk and mmap as they are; the
// test prints nothing for them, it only compares by the mapped name.
func TestStraceEveryFailure(t *testing.T) {
	testutil.RequireTools(t, "strace", "sysdig", "tshark")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	// A small tree to copy, archive and search.
	tree := filepath.Join(dir, "tree")
	for _, p := range []string{"a/b/c.txt", "a/d.txt", "e/f.conf"} {
		full := filepath.Join(tree, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(p+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("a/d.txt", filepath.Join(tree, "link")); err != nil {
		t.Fatal(err)
	}
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		testutil.SkipOrFail(t, "no /usr/bin/python3")
	}
	workloads := []struct {
		name string
		argv []string
	}{
		{"ls", []string{"ls", "-la", tree, "/no/such/dir"}},
		{"python3", []string{python, "-c", "import os, json; print(json.dumps(sorted(os.listdir('tree'))))"}},
		{"git", []string{"sh", "-c", "git init -q repo-%d && git -C repo-%d status --short && git -C repo-%d log -1 2>/dev/null; true"}},
		{"cp", []string{"cp", "-a", tree, filepath.Join(dir, "copy-%d")}},
		{"find", []string{"find", tree, "-name", "*.txt", "-newer", "/no/such"}},
		{"stat", []string{"stat", "/no/such", "/etc/hostname"}},
		{"readlink", []string{"readlink", "-f", filepath.Join(tree, "link"), "/bin/sh"}},
		{"tar", []string{"tar", "-cf", filepath.Join(dir, "out-%d.tar"), "-C", dir, "tree"}},
		{"sh-path", []string{"sh", "-c", "nosuchcommand-zz; true"}},
	}
	for _, w := range workloads {
		t.Run(w.name, func(t *testing.T) {
			wdir := t.TempDir()
			if err := os.Symlink(tree, filepath.Join(wdir, "tree")); err != nil {
				t.Fatal(err)
			}
			argv := func(run int) []string {
				out := make([]string, len(w.argv))
				for i, a := range w.argv {
					a = strings.ReplaceAll(a, "%d", fmt.Sprint(run))
					out[i] = a
				}
				return out
			}
			// A program may itself vary between runs (git calls getrandom
			// four or five times, by its own timing): a pair of runs
			// that differs is tried again, up to three times.
			var problems []string
			for attempt := 0; attempt < 3; attempt++ {
				problems = compareWithStrace(t, bin, wdir, argv(2*attempt+1), argv(2*attempt+2), w.name != "python3")
				if len(problems) == 0 {
					break
				}
			}
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}

// cloneFamily are the event names whose exit the new thread or process
// reports too (res 0), from the event table.
var cloneFamily = func() map[string]bool {
	m := map[string]bool{}
	for t := event.Type(0); t < event.NumTypes; t++ {
		if d := event.Info(t); d.Parser == event.ParserCloneExit {
			m[d.Name] = true
		}
	}
	return m
}()

// compareWithStrace runs argv under strace -f (straceArgv) and under
// xtrace (xtraceArgv, the same command writing its own outputs) in wdir
// and returns what disagrees.
func compareWithStrace(t *testing.T, bin, wdir string, straceArgv, xtraceArgv []string, wantFailures bool) []string {
	t.Helper()
	var problems []string
	capture := filepath.Join(wdir, "cap.scap")
	r := recRun(t, wdir, nil, bin, append([]string{"-q", "-w", capture, "--"}, xtraceArgv...)...)
	if strings.Contains(r.stderr, "xtrace:") {
		t.Fatalf("xtrace: %s", r.stderr)
	}
	calls := recStraceFor(t, wdir, straceArgv, capture)
	// sysdig and tshark read it, and --sysdig-compat prints what sysdig
	// prints.
	recCheckCapture(t, bin, wdir, capture)
	out := recRun(t, wdir, []string{"TZ=UTC"}, bin, "-r", capture, "-p", "*%evt.dir %evt.type %evt.res %evt.failed %evt.rawres")
	if out.code != 0 {
		t.Fatalf("xtrace -r: exit %d: %s", out.code, out.stderr)
	}
	ours, ourFailed := map[string]int{}, map[string]int{}
	for _, l := range recSplitLines(out.stdout) {
		f := strings.Fields(l)
		if len(f) != 5 {
			continue
		}
		dir, name, res, failed, raw := f[0], f[1], f[2], f[3], f[4]
		switch {
		case dir == "<" && cloneFamily[name] && raw == "0":
			// The child's return: strace shows one call.
		case dir == "<":
			ours[name]++
		case noReturn[name]:
			ours[name]++ // exit and exit_group have no exit event
		}
		if dir == "<" && failed == "true" {
			ourFailed[name+" "+res]++
		}
	}
	// The filter sees the same failures.
	fl := recRun(t, wdir, []string{"TZ=UTC"}, bin, "-r", capture, "-p", "%evt.type %evt.res", "evt.failed=true")
	filtered := map[string]int{}
	for _, l := range recSplitLines(fl.stdout) {
		filtered[l]++
	}
	theirs, theirFailed := map[string]int{}, map[string]int{}
	for _, c := range calls {
		name := xtraceNameOf(c.sys)
		theirs[name]++
		if c.ret != "" && c.ret[0] >= 'A' && c.ret[0] <= 'Z' && !straceRestart[c.ret] {
			theirFailed[name+" "+c.ret]++
		}
	}
	for k, n := range theirFailed {
		if filtered[k] < n {
			problems = append(problems, fmt.Sprintf("strace shows %d failed %s, evt.failed=true finds %d", n, k, filtered[k]))
		}
		if ourFailed[k] != filtered[k] {
			problems = append(problems, fmt.Sprintf("%s: %d failed exits in the capture, the filter finds %d", k, ourFailed[k], filtered[k]))
		}
	}
	if recBackend(t, capture) == "agent" {
		// The program sees the agent's variables taken out of its
		// environment and strace's run the marker's LD_AUDIT in it:
		// a heap that starts with other sizes grows and trims at
		// other moments (python3: two brk calls more or fewer).
		delete(theirs, "brk")
		delete(ours, "brk")
	}
	var diffs []string
	for name, n := range theirs {
		if ours[name] != n {
			diffs = append(diffs, fmt.Sprintf("%s: strace %d, xtrace %d", name, n, ours[name]))
		}
	}
	for name, n := range ours {
		if _, ok := theirs[name]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: strace 0, xtrace %d", name, n))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		problems = append(problems, fmt.Sprintf("per-syscall counts differ:\n%s", strings.Join(diffs, "\n")))
	}
	if len(theirFailed) == 0 && wantFailures {
		problems = append(problems, fmt.Sprintf("strace shows no failed call: the workload tests nothing"))
	}
	return problems
}

// noReturn are the syscalls recorded with an enter event only.
var noReturn = map[string]bool{"exit": true, "exit_group": true}

// straceRestart are the results strace prints for a call a signal
// interrupted and the kernel restarts: not a failure the program sees.
var straceRestart = map[string]bool{"ERESTARTSYS": true, "ERESTARTNOINTR": true,
	"ERESTARTNOHAND": true, "ERESTART_RESTARTBLOCK": true}

// xtraceNameOf maps a kernel syscall name to the event name xtrace shows
// for it (the event table's name of its event pair).
func xtraceNameOf(sys string) string {
	if sc := event.SyscallByName(sys); sc != nil {
		enter, _ := sc.Events()
		return event.Info(enter).Name
	}
	return sys
}
