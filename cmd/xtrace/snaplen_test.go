package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSnaplenPerClass records 5000-byte writes to a file and to a pipe
// with -s 80,pipe=4096,file=256: each write keeps its class's length.
func TestSnaplenPerClass(t *testing.T) {
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	capture := filepath.Join(dir, "s.scap")
	out := filepath.Join(dir, "out")
	r := recRun(t, dir, nil, bin, "-q", "-s", "80,pipe=4096,file=256", "-w", capture, "--",
		"sh", "-c", "head -c 5000 /dev/zero > "+out+"; head -c 5000 /dev/zero | cat > "+out)
	if r.code != 0 {
		t.Fatalf("xtrace: exit %d: %s", r.code, r.stderr)
	}
	lines := recXtraceLines(t, bin, dir, capture, "-v", "-p", "%fd.type|%evt.rawres|%evt.arg.data",
		"evt.dir=< and evt.type=write and evt.rawres>=1000")
	got := map[string]int{}
	for _, l := range lines {
		f := strings.SplitN(l, "|", 3)
		if len(f) != 3 {
			t.Fatalf("line %q", l)
		}
		if n := len(f[2]); got[f[0]] < n {
			got[f[0]] = n
		}
	}
	if got["file"] != 256 || got["pipe"] != 4096 {
		t.Errorf("longest buffers per fd type: %v, want file 256, pipe 4096", got)
	}
}
