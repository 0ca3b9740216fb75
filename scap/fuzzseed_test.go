package scap

import (
	"os"
	"path/filepath"
	"testing"
)

// addCorruptSeeds adds every file of testdata/corrupt (captures broken in
// the ways their names say) to a fuzz target's corpus, so that fuzzing
// starts from the edges the reader must refuse cleanly.
func addCorruptSeeds(f *testing.F) {
	files, err := filepath.Glob("../testdata/corrupt/*")
	if err != nil {
		f.Fatal(err)
	}
	if len(files) == 0 {
		f.Fatal("no seeds in ../testdata/corrupt")
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}
