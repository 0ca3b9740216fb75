package inspect_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"xtrace/format"
	"xtrace/inspect"
	"xtrace/internal/capturetest"
	"xtrace/internal/testutil"
	"xtrace/scap"
)

// replay prints a capture with the default line format the way sysdig -r
// does, stopping after n delivered events when n > 0.
func replay(t testing.TB, path string, n int, ro inspect.RenderOptions) []byte {
	t.Helper()
	p := format.NewDefault(format.Options{Loc: time.UTC, Render: ro})
	var out []byte
	delivered := 0
	capturetest.Replay(t, capturetest.Open(t, path), nil, func(_ *scap.Event, ev *inspect.Event) bool {
		if !ev.Delivered() {
			return true
		}
		delivered++
		if !ev.Hidden() {
			out = p.Append(out, ev)
		}
		return n <= 0 || delivered < n
	})
	return out
}

// TestDefaultGoldens compares the default output of every capture with
// sysdig's (testdata/golden/*/default.txt, n50.txt and the buffer modes).
func TestDefaultGoldens(t *testing.T) {
	dirs, _ := filepath.Glob("../testdata/golden/*/default.txt")
	cases := []struct {
		file string
		n    int
		ro   inspect.RenderOptions
	}{
		{"default.txt", 0, inspect.RenderOptions{}},
		{"n50.txt", 50, inspect.RenderOptions{}},
		{"A.txt", 0, inspect.RenderOptions{Buffer: inspect.BufASCII}},
		{"s200_A.txt", 0, inspect.RenderOptions{Buffer: inspect.BufASCII}},
		{"x.txt", 0, inspect.RenderOptions{Buffer: inspect.BufHex}},
		{"X.txt", 0, inspect.RenderOptions{Buffer: inspect.BufHexASCII}},
		{"b64.txt", 0, inspect.RenderOptions{Buffer: inspect.BufBase64}},
		{"v.txt", 0, inspect.RenderOptions{Full: true}},
	}
	for _, d := range dirs {
		dir := filepath.Dir(d)
		name := filepath.Base(dir)
		capture := filepath.Join("../testdata/captures", name)
		if !strings.HasSuffix(name, ".z") {
			capture += ".scap"
		}
		for _, c := range cases {
			want, err := os.ReadFile(filepath.Join(dir, c.file))
			if err != nil {
				continue
			}
			cmds, _ := os.ReadFile(filepath.Join(dir, "commands.txt"))
			if !unfiltered(string(cmds), c.file) {
				continue
			}
			t.Run(name+"/"+c.file, func(t *testing.T) {
				got := replay(t, capture, c.n, c.ro)
				g, w := testutil.TrimLines(got), testutil.TrimLines(want)
				bad := 0
				for i := 0; i < len(g) && i < len(w); i++ {
					if g[i] != w[i] {
						if bad < 3 {
							t.Errorf("line %d:\n got: %q\nwant: %q", i+1, g[i], w[i])
						}
						bad++
					}
				}
				if bad > 0 || len(g) != len(w) {
					t.Errorf("%d differing lines; got %d lines, want %d", bad, len(g), len(w))
				}
			})
		}
	}
}

// unfiltered reports whether the commands.txt entry of file has no
// filter words (only the options this test knows).
func unfiltered(cmds, file string) bool {
	for _, l := range strings.Split(cmds, "\n") {
		if !strings.HasPrefix(l, file+": ") {
			continue
		}
		_, rest, _ := strings.Cut(l, ".scap")
		rest = strings.TrimPrefix(rest, ".z")
		for _, w := range strings.Fields(rest) {
			switch w {
			case "-A", "-x", "-X", "-b", "-v", "-s", "200", "-n", "50":
			default:
				return false
			}
		}
		return true
	}
	return false
}
