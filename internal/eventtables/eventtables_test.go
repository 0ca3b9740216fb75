package eventtables

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestRead: the header goes, short rows stay short, a missing table is
// an error naming it.
func TestRead(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.tsv"), []byte("a\tb\tc\n1\t2\t3\nx\ty\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, err := Read(dir, "t.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"1", "2", "3"}, {"x", "y"}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
	if _, err := Read(dir, "missing.tsv"); err == nil {
		t.Error("a missing table read without error")
	}
}

// TestFetchTail takes the fetch part off both tables' parameter specs.
func TestFetchTail(t *testing.T) {
	for spec, want := range map[string]string{
		"fd=arg(a0)": "arg(a0)",
		"path:FSRELPATH:NA:dirfd=param1=pathna(a1)": "pathna(a1)",
		"res=ret":       "ret",
		"res:ERRNO:DEC": "",
	} {
		got := ""
		if m := FetchTail.FindStringSubmatch(spec); m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("%q: fetch %q, want %q", spec, got, want)
		}
	}
}
