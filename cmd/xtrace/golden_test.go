package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"xtrace/internal/testutil"
)

// The oracle goldens in testdata/golden were printed by Debian's sysdig
// 0.29.3 (see testdata/golden/README.md); they are never rewritten by
// xtrace. Each commands.txt entry names an output file and the sysdig
// command that printed it; this test runs the same arguments through
// xtrace and compares, line by line, ignoring trailing whitespace.

func init() {
	// The goldens were printed with TZ=UTC.
	time.Local = time.UTC
}

// goldenCase is one entry of a commands.txt file.
type goldenCase struct {
	dir      string   // golden folder
	file     string   // output file name
	args     []string // sysdig arguments, capture path rewritten
	exit     int      // expected exit status
	stderr   []string // expected stderr lines (first 5)
	truncate int      // compare only the first N lines (0: all)
}

// loadGoldenCases parses every testdata/golden/*/commands.txt.
func loadGoldenCases(t testing.TB) []goldenCase {
	t.Helper()
	files, err := filepath.Glob("../../testdata/golden/*/commands.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no goldens: %v", err)
	}
	var cases []goldenCase
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Dir(f)
		var cur *goldenCase
		inStderr := false
		for _, line := range strings.Split(string(data), "\n") {
			switch {
			case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "":
				continue
			case !strings.HasPrefix(line, " "):
				name, cmd, ok := strings.Cut(line, ": ")
				if !ok {
					t.Fatalf("%s: bad line %q", f, line)
				}
				words, err := shellWords(cmd)
				if err != nil {
					t.Fatalf("%s: %q: %v", f, cmd, err)
				}
				// TZ=UTC sysdig ARGS
				for len(words) > 0 && strings.Contains(words[0], "=") {
					words = words[1:]
				}
				if len(words) == 0 || words[0] != "sysdig" {
					t.Fatalf("%s: not a sysdig command: %q", f, cmd)
				}
				args := words[1:]
				for i, a := range args {
					args[i] = strings.Replace(a, "../shared/testdata/captures/", "../../testdata/captures/", 1)
				}
				cases = append(cases, goldenCase{dir: dir, file: name, args: args})
				cur = &cases[len(cases)-1]
				inStderr = false
			case cur == nil:
				t.Fatalf("%s: note before any command: %q", f, line)
			case strings.HasPrefix(strings.TrimSpace(line), "exit: "):
				cur.exit, _ = strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "exit: "))
			case strings.HasPrefix(strings.TrimSpace(line), "note: truncated to the first "):
				fmt.Sscanf(strings.TrimSpace(line), "note: truncated to the first %d", &cur.truncate)
			case strings.HasPrefix(strings.TrimSpace(line), "stderr"):
				inStderr = true
			case inStderr && strings.HasPrefix(strings.TrimSpace(line), "|"):
				s := strings.TrimPrefix(strings.TrimSpace(line), "|")
				cur.stderr = append(cur.stderr, strings.TrimPrefix(s, " "))
			}
		}
	}
	return cases
}

// shellWords splits a POSIX shell command line (quotes, backslashes).
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			inWord = true
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated double quote")
			}
		case c == '\\' && i+1 < len(s):
			inWord = true
			i++
			cur.WriteByte(s[i])
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// compareMode says how an output is compared with its golden.
type compareMode int

const (
	compareExact compareMode = iota
	// compareSet: rows in any order (netstat, lsof: Lua hash order).
	compareSet
	// compareTop: top* tables; rows with equal values may come in any
	// order and pick different tied rows at the cut.
	compareTop
)

func modeFor(c goldenCase) compareMode {
	for i, a := range c.args {
		if (a == "-c" || a == "--chisel") && i+1 < len(c.args) {
			switch name := c.args[i+1]; {
			case name == "netstat" || name == "lsof":
				return compareSet
			case strings.HasPrefix(name, "top"):
				return compareTop
			}
		}
	}
	return compareExact
}

// compareOutput returns "" when got matches want under mode, else a
// description of the first difference.
func compareOutput(got, want []byte, mode compareMode, truncate int) string {
	g, w := testutil.TrimLines(got), testutil.TrimLines(want)
	if truncate > 0 && len(g) > truncate {
		g = g[:truncate]
	}
	switch mode {
	case compareSet:
		g2, w2 := append([]string(nil), g...), append([]string(nil), w...)
		sort.Strings(g2)
		sort.Strings(w2)
		g, w = g2, w2
	case compareTop:
		return compareTopTables(g, w)
	}
	for i := 0; i < len(g) && i < len(w); i++ {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got: %q\nwant: %q", i+1, g[i], w[i])
		}
	}
	if len(g) != len(w) {
		extra := ""
		if len(g) > len(w) {
			extra = fmt.Sprintf("\nfirst extra line: %q", g[len(w)])
		} else {
			extra = fmt.Sprintf("\nfirst missing line: %q", w[len(g)])
		}
		return fmt.Sprintf("got %d lines, want %d%s", len(g), len(w), extra)
	}
	return ""
}

// compareTopTables compares top-N tables: the header lines must match, the
// values column must be the same sequence, and every non-tied row must be
// present; rows whose value ties with another are compared by value only.
func compareTopTables(g, w []string) string {
	if len(g) != len(w) {
		return fmt.Sprintf("got %d lines, want %d", len(g), len(w))
	}
	value := func(s string) string {
		if len(s) >= 20 {
			return strings.TrimSpace(s[:20])
		}
		return strings.TrimSpace(s)
	}
	count := map[string]int{}
	for _, l := range w {
		count[value(l)]++
	}
	wantSet := map[string]bool{}
	for _, l := range w {
		wantSet[l] = true
	}
	for i := range g {
		if value(g[i]) != value(w[i]) {
			return fmt.Sprintf("line %d value:\n got: %q\nwant: %q", i+1, g[i], w[i])
		}
		if count[value(w[i])] == 1 && g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got: %q\nwant: %q", i+1, g[i], w[i])
		}
		if count[value(w[i])] > 1 && !wantSet[g[i]] && i < len(w)-1 {
			// A tied row that sysdig did not print at all is fine only
			// when it is at the cut; otherwise it must be one of sysdig's.
			if !tiedAtCut(g, i, value) {
				return fmt.Sprintf("line %d is not among sysdig's rows: %q", i+1, g[i])
			}
		}
	}
	return ""
}

// tiedAtCut reports whether row i ties with the last row of the table (so
// sysdig may have picked another row with the same value).
func tiedAtCut(g []string, i int, value func(string) string) bool {
	return value(g[i]) == value(g[len(g)-1])
}

// runXtrace runs xtrace in-process and returns stdout, stderr and the
// exit status.
func runXtrace(args []string) (stdout, stderr []byte, code int) {
	var o, e bytes.Buffer
	code = runMain(context.Background(), args, &o, &e)
	return o.Bytes(), e.Bytes(), code
}

// TestGoldens runs every sysdig command of testdata/golden through xtrace.
// A case whose feature is not implemented yet fails; -run selects groups,
// e.g. -run 'TestGoldens/.*/default.txt'.
func TestGoldens(t *testing.T) {
	for _, c := range loadGoldenCases(t) {
		c := c
		t.Run(filepath.Base(c.dir)+"/"+c.file, func(t *testing.T) {
			if ex, ok := goldenExceptions[filepath.Base(c.dir)+"/"+c.file]; ok {
				checkException(t, c, ex)
				return
			}
			want, err := os.ReadFile(filepath.Join(c.dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			got, stderr, code := runXtrace(c.args)
			if code != c.exit {
				t.Fatalf("exit status %d, want %d; stderr: %s", code, c.exit, firstLine(stderr))
			}
			if len(c.stderr) > 0 && c.exit != 0 {
				// Errors must say the same thing in one line.
				if !strings.Contains(string(stderr), c.stderr[0]) {
					t.Errorf("stderr %q does not contain %q", firstLine(stderr), c.stderr[0])
				}
			}
			if diff := compareOutput(got, want, modeFor(c), c.truncate); diff != "" {
				t.Errorf("xtrace %s\n%s", strings.Join(quoteArgs(c.args), " "), diff)
			}
		})
	}
}

func firstLine(b []byte) string {
	s := bufio.NewScanner(bytes.NewReader(b))
	if s.Scan() {
		return s.Text()
	}
	return ""
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " '\"*()<>|&;$") || a == "" {
			out[i] = strconv.Quote(a)
		} else {
			out[i] = a
		}
	}
	return out
}
