package filter

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedFilters returns every filter of the golden commands
// (testdata/golden/*/commands.txt): the words after the options.
func seedFilters(t testing.TB) []string {
	files, err := filepath.Glob("../testdata/golden/*/commands.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no commands.txt: %v", err)
	}
	withValue := map[string]bool{"-r": true, "-p": true, "-t": true, "-n": true, "-s": true, "-c": true, "-w": true}
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			_, cmd, ok := strings.Cut(line, ": TZ=UTC sysdig ")
			if !ok || strings.HasPrefix(line, " ") {
				continue
			}
			words := splitWords(cmd)
			var rest []string
			for i := 0; i < len(words); i++ {
				w := words[i]
				switch {
				case withValue[w]:
					i++
				case strings.HasPrefix(w, "-") && len(w) > 1:
				default:
					rest = append(rest, w)
					add(w)
				}
			}
			if len(rest) > 0 {
				add(strings.Join(rest, " "))
			}
		}
	}
	return out
}

// splitWords splits a shell command line with single and double quotes.
func splitWords(s string) []string {
	var words []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '\'' || c == '"':
			in = true
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				j = len(s) - i - 1
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
		default:
			in = true
			cur.WriteByte(c)
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

func TestSeedFilters(t *testing.T) {
	seeds := seedFilters(t)
	if len(seeds) < 30 {
		t.Fatalf("only %d seed filters", len(seeds))
	}
}

// FuzzParse checks that the parser never panics, that error positions are
// within the input, and that a parsed filter prints as text that parses
// back to the same tree.
func FuzzParse(f *testing.F) {
	for _, s := range seedFilters(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		n, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): error %v is not a *SyntaxError", src, err)
			}
			if se.Col < 1 || se.Col > len(src)+1 || se.Offset < 0 || se.Offset > len(src)+1 {
				t.Fatalf("Parse(%q): position %d (col %d) outside the input", src, se.Offset, se.Col)
			}
			if n != nil {
				t.Fatalf("Parse(%q): both a tree and an error", src)
			}
			return
		}
		if n == nil {
			t.Fatalf("Parse(%q): no tree and no error", src)
		}
		text := n.String()
		n2, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q) = %s, which does not parse: %v", src, text, err)
		}
		if !sameTree(n, n2) {
			t.Fatalf("Parse(%q) = %s, which parses as %s", src, text, n2)
		}
		// Compiling must not panic either.
		Compile(src, nil)
	})
}
