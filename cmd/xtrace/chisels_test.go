package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"xtrace/internal/testutil"
)

// countByType is a user chisel: events by type, as a table.
const countByType = `"use strict";
const { extendString, topByValue } = require("common");
const counts = new Map();
let type;
module.exports = {
  description: "Counts events by type.",
  shortDescription: "Events by type",
  category: "Misc",
  onInit() { type = chisel.requestField("evt.type"); },
  onEvent(e) { const t = e.field(type); counts.set(t, (counts.get(t) ?? 0) + 1); },
  onCaptureEnd() {
    print(extendString("TYPE", 16) + "COUNT");
    for (const [t, n] of topByValue(counts, 3)) print(extendString(t, 16) + n);
  },
};
`

func writeChisels(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestUserChiselCLI(t *testing.T) {
	dir := writeChisels(t, map[string]string{
		"count_by_type.js": countByType,
		// A user chisel hides the built-in of the same name.
		"ps.js":      `module.exports = { description: "mine", onCaptureEnd() { print("user ps"); } };`,
		"broken.js":  "module.exports = {\n  description: 'x',\n  onEvent() { null.x; },\n};\n",
		"syntax.js":  "module.exports = {\n  description: 'x',\n  onEvent() { let = ; },\n};\n",
		"badfilt.js": "module.exports = { description: 'x', onInit() { chisel.setFilter('foo.bar=1'); } };",
	})
	capture := "../../testdata/captures/libs_curl_google.scap"
	tests := []struct {
		name   string
		args   []string
		env    string // XTRACE_CHISEL_PATH
		code   int
		stdout string
		stderr string // first line of stderr
	}{
		{
			name:   "chisel dir",
			args:   []string{"--chisel-dir", dir, "-r", capture, "-c", "count_by_type"},
			stdout: "TYPE            COUNT\nprocinfo        315\nmmap            220\nclock_gettime   188\n",
		},
		{
			name:   "chisel path with filter",
			args:   []string{"-r", capture, "-c", filepath.Join(dir, "count_by_type.js"), "proc.name=curl and evt.type=open"},
			stdout: "TYPE            COUNT\nopen            96\n",
		},
		{
			name:   "environment path",
			env:    dir,
			args:   []string{"-r", capture, "-c", "count_by_type", "evt.type=socket"},
			stdout: "TYPE            COUNT\nsocket          10\n",
		},
		{
			name:   "override built-in",
			args:   []string{"--chisel-dir", dir, "-r", capture, "-c", "ps"},
			stdout: "user ps\n",
		},
		{
			name:   "exception",
			args:   []string{"--chisel-dir", dir, "-r", capture, "-c", "broken"},
			code:   1,
			stderr: "chisel: " + dir + "/broken.js:3:20: onEvent (event 1): TypeError: Cannot read property 'x' of undefined",
		},
		{
			name:   "syntax error",
			args:   []string{"--chisel-dir", dir, "-r", capture, "-c", "syntax"},
			code:   1,
			stderr: "xtrace: chisel: " + dir + "/syntax.js:3:21: syntax error: Unexpected token ;",
		},
		{
			name:   "bad filter",
			args:   []string{"--chisel-dir", dir, "-r", capture, "-c", "badfilt"},
			code:   1,
			stderr: "invalid filter in chisel badfilt: filter error at position 7: filter error: unrecognized field foo.bar at pos 0",
		},
		{
			name:   "unknown chisel",
			args:   []string{"-r", capture, "-c", "nosuchchisel"},
			code:   1,
			stderr: "xtrace: chisel: can't open file nosuchchisel",
		},
		{
			name:   "missing required argument",
			args:   []string{"-r", capture, "-c", "spy_ip"},
			code:   1,
			stderr: "missing arguments for chisel spy_ip",
		},
		{
			name:   "too few arguments",
			args:   []string{"-r", capture, "-c", "fdcount_by", ""},
			code:   1,
			stderr: "wrong number of parameters for chisel fdcount_by, 1 required, 0 given",
		},
		{
			name:   "unterminated quote",
			args:   []string{"-r", capture, "-c", "lsof", "'abc"},
			code:   1,
			stderr: "corrupted parameters for chisel lsof",
		},
		{
			name:   "non-numeric argument",
			args:   []string{"-r", capture, "-c", "spy_users", "x"},
			stdout: "Input max_depth must be a number.\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XTRACE_CHISEL_PATH", tt.env)
			t.Setenv("HOME", t.TempDir())
			out, errOut, code := runXtrace(tt.args)
			if code != tt.code {
				t.Fatalf("exit status %d, want %d; stderr: %s", code, tt.code, errOut)
			}
			if string(out) != tt.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", out, tt.stdout)
			}
			if first := firstLine(errOut); first != tt.stderr {
				t.Errorf("stderr first line:\n%s\nwant:\n%s", first, tt.stderr)
			}
		})
	}
}

// TestChiselListAgainstSysdig compares -cl and -i with sysdig's: xtrace has
// every chisel sysdig 0.29.3 ships.
func TestChiselListAgainstSysdig(t *testing.T) {
	testutil.LookTool(t, "sysdig")
	t.Setenv("XTRACE_CHISEL_PATH", "")
	t.Setenv("HOME", t.TempDir())
	want, err := exec.Command("sysdig", "-cl").Output()
	if err != nil {
		t.Fatal(err)
	}
	got, _, code := runXtrace([]string{"-cl"})
	if code != 0 {
		t.Fatalf("-cl: exit status %d", code)
	}
	// xtrace's own views come in a category of their own
	// (TestViewChiselsListed); the rest is sysdig's list.
	got = regexp.MustCompile(`\nCategory: Views \(xtrace\)\n-+\n(.+\n)*`).ReplaceAll(got, nil)
	if string(got) != string(want) {
		t.Errorf("-cl:\n%s\nsysdig -cl:\n%s", got, want)
	}
	entries := chiselEntries(string(want))
	type result struct {
		name      string
		got, want []byte
		err       error
	}
	results := make(chan result, len(entries))
	sem := make(chan struct{}, 4)
	for _, e := range entries {
		name := strings.Fields(strings.SplitN(e, "\n", 2)[1])[0]
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			want, err := exec.Command("sysdig", "-i", name).Output()
			results <- result{name: name, want: want, err: err}
		}()
	}
	for range entries {
		r := <-results
		if r.err != nil {
			t.Errorf("sysdig -i %s: %v", r.name, r.err)
			continue
		}
		got, _, _ := runXtrace([]string{"-i", r.name})
		if string(got) != string(r.want) {
			t.Errorf("-i %s:\n%s\nsysdig:\n%s", r.name, got, r.want)
		}
	}
}

// chiselEntries splits -cl output into "category\nname+description" entries.
func chiselEntries(s string) []string {
	var out []string
	cat := ""
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "Category: "):
			cat = l
			i++ // dashes
		case l == "" || strings.HasPrefix(l, "Use the -i flag"):
		case strings.HasPrefix(l, " "):
			out[len(out)-1] += "\n" + l
		default:
			out = append(out, cat+"\n"+l)
		}
	}
	return out
}

// TestChiselInterrupt checks that an interrupted replay (Ctrl-C cancels
// the context) still runs the chisels' capture-end callbacks.
func TestChiselInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	code := runMain(ctx, []string{"-r", "../../testdata/captures/libs_curl_google.scap", "-c", "topscalls"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit status %d; stderr: %s", code, errOut.String())
	}
	want := "# Calls             Syscall             \n" + strings.Repeat("-", 80) + "\n"
	if out.String() != want {
		t.Errorf("output %q, want the empty table", out.String())
	}
}

// TestHungChiselInterrupted: a chisel whose onEvent never returns does not
// hang xtrace: a second after Ctrl-C the callback is interrupted, the
// capture-end callbacks still run, and xtrace fails with one line naming
// the chisel, the callback and the event.
func TestHungChiselInterrupted(t *testing.T) {
	dir := t.TempDir()
	script := `module.exports = {
  description: "never returns", shortDescription: "never returns", category: "Misc", args: [],
  onEvent() { while (true) {} },
  onCaptureEnd() { print("capture end ran"); },
};
`
	if err := os.WriteFile(filepath.Join(dir, "spin.js"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	done := make(chan struct{})
	var out, errOut bytes.Buffer
	var code int
	go func() {
		defer close(done)
		code = runMain(ctx, []string{"--chisel-dir", dir, "-r", "../../testdata/captures/libs_curl_google.scap", "-c", "spin"}, &out, &errOut)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("xtrace still runs 20 s after the interrupt")
	}
	if code == 0 || !strings.Contains(errOut.String(), "spin.js") || !strings.Contains(errOut.String(), "onEvent (event 1)") ||
		!strings.Contains(errOut.String(), "interrupted") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
	if !strings.Contains(out.String(), "capture end ran") {
		t.Errorf("capture end did not run: stdout %q", out.String())
	}
}

// TestChiselAllowCLI: --chisel-allow grants a chisel its side effects;
// without it the run fails naming the chisel and the flag, and the side
// effect does not happen; an unknown permission is an error.
func TestChiselAllowCLI(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "written.txt")
	script := `module.exports = { description: "writes", onCaptureEnd() { require("fs").open(` + strconv.Quote(file) + `).write("x"); } };`
	if err := os.WriteFile(filepath.Join(dir, "writer.js"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	const capture = "../../testdata/captures/libs_curl_google.scap"
	_, errOut, code := runXtrace([]string{"--chisel-dir", dir, "-r", capture, "-c", "writer"})
	if code == 0 || !strings.Contains(string(errOut), "chisel writer: fs.open needs --chisel-allow=fs") {
		t.Errorf("without --chisel-allow: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(file); err == nil {
		t.Error("file written without --chisel-allow=fs")
	}
	if _, errOut, code := runXtrace([]string{"--chisel-allow=fs", "--chisel-dir", dir, "-r", capture, "-c", "writer"}); code != 0 {
		t.Errorf("with --chisel-allow=fs: exit %d, stderr %q", code, errOut)
	}
	if b, _ := os.ReadFile(file); string(b) != "x" {
		t.Errorf("file holds %q", b)
	}
	if _, errOut, code := runXtrace([]string{"--chisel-allow=disk", "-r", capture, "-c", "topscalls"}); code == 0 ||
		string(errOut) != "xtrace: --chisel-allow: chisel: unknown permission \"disk\" (want exec, fs or net)\n" {
		t.Errorf("--chisel-allow=disk: exit %d, stderr %q", code, errOut)
	}
}
