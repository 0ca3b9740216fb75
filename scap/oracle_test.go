package scap

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"xtrace/internal/testutil"
)

// rewrite reads a capture and writes it back with our Writer.
func rewrite(t *testing.T, in, out string, compress bool) {
	t.Helper()
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	o, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	var sink io.Writer = o
	var zw *gzip.Writer
	if compress {
		zw = gzip.NewWriter(o)
		sink = zw
	}
	w := NewWriter(sink)
	if err := w.WriteHeader(rd.Header()); err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteEvent(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSysdigReadsRewrites: every capture sysdig reads, rewritten by our
// writer (plain and gzip), makes sysdig print exactly what it prints for
// the original, and tshark reads it with one frame per event block.
func TestSysdigReadsRewrites(t *testing.T) {
	sysdig := testutil.LookTool(t, "sysdig")
	tshark := testutil.LookTool(t, "tshark")
	dir := t.TempDir()
	for _, f := range captures(t) {
		name := filepath.Base(f)
		if _, bad := unreadable[name]; bad || strings.Contains(name, "comments") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			want := runTool(t, sysdig, "-r", f)
			for _, z := range []bool{false, true} {
				out := filepath.Join(dir, name+".rw")
				rewrite(t, f, out, z)
				if got := runTool(t, sysdig, "-r", out); !bytes.Equal(got, want) {
					t.Fatalf("sysdig prints something else for our rewrite (gzip %v)", z)
				}
				if !z {
					frames := bytes.Count(runTool(t, tshark, "-r", out), []byte("\n"))
					evs := countEventBlocks(t, out)
					if frames != evs {
						t.Fatalf("tshark shows %d frames for %d event blocks", frames, evs)
					}
				}
			}
		})
	}
}

func runTool(t *testing.T, tool string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v", tool, args, err)
	}
	return out
}

// countEventBlocks counts the EV (not EVF) blocks of a capture, the ones
// tshark shows.
func countEventBlocks(t *testing.T, path string) int {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.DumpFlags == 0 {
			n++
		}
	}
}
