package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the repository root, seen from this package's folder.
const repoRoot = "../../.."

// TestCommittedTablesCurrent checks that the committed generated files are
// what the generator makes of event/tables.
func TestCommittedTablesCurrent(t *testing.T) {
	in := filepath.Join(repoRoot, "event/tables")
	for _, c := range []struct {
		gen  func(string) ([]byte, error)
		file string
	}{
		{generate, "event/tables_gen.go"},
		{generateDecode, "decode/table_gen.go"},
	} {
		want, err := c.gen(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(repoRoot, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run make generate", c.file)
		}
	}
}

// TestCheckGeneratedCatchesHandEdits runs scripts/check-generated.sh on a
// copy of the generator's inputs and outputs: it passes as committed and
// fails once either generated file is edited by hand.
func TestCheckGeneratedCatchesHandEdits(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go not on PATH")
	}
	for _, edited := range []string{"event/tables_gen.go", "decode/table_gen.go"} {
		t.Run(filepath.Base(filepath.Dir(edited)), func(t *testing.T) {
			dir := t.TempDir()
			for _, p := range []string{"go.mod", "event/tables", "event/tables_gen.go", "decode/table_gen.go", "internal/cmd/gentables", "internal/eventtables", "scripts/check-generated.sh"} {
				copyTree(t, filepath.Join(repoRoot, p), filepath.Join(dir, p))
			}
			check := func() (string, error) {
				out, err := exec.Command("bash", filepath.Join(dir, "scripts/check-generated.sh"), dir).CombinedOutput()
				return string(out), err
			}
			if out, err := check(); err != nil {
				t.Fatalf("unedited copy fails: %v\n%s", err, out)
			}
			p := filepath.Join(dir, edited)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			b = bytes.Replace(b, []byte("\t"), []byte("\t\t"), 1)
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := check()
			if err == nil || !strings.Contains(out, edited) {
				t.Fatalf("a hand edit of %s passes check-generated (err %v):\n%s", edited, err, out)
			}
		})
	}
}

// copyTree copies a file or a folder (recursively) from src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		return os.WriteFile(to, b, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}
