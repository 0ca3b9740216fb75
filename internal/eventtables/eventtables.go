// Package eventtables reads the event tables (event/tables/*.tsv) for the
// generators that turn them into code: gentables (the Go tables of
// packages event and decode) and genagent (the agent's capture table).
// Both read the same files the same way through it.
package eventtables

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// Read returns the rows of the table name in dir, its header line left
// out. Fields are tab-separated; a row may have fewer fields than the
// header.
func Read(dir, name string) ([][]string, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("eventtables: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = '\t'
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	var rows [][]string
	for first := true; ; first = false {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("eventtables: %s: %w", name, err)
		}
		if !first {
			rows = append(rows, rec)
		}
	}
}

// FetchTail matches the fetch part at the end of a parameter spec, its
// kind and operands in the first group: "fd=arg(a0)" in x86_64_fetch.tsv,
// "path:FSRELPATH:NA:dirfd=param1=pathna(a1)" in xtrace_events.tsv.
var FetchTail = regexp.MustCompile(`=([a-z0-9]+(?:\([^)]*\))?)$`)
