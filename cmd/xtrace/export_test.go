package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"xtrace/internal/testutil"
)

// duckdbQuery runs sql with DuckDB through node and
// internal/duckdbtest/query.js (make deps installs @duckdb/node-api
// there). It skips without node or the package, unless CI=true.
func duckdbQuery(t *testing.T, sql string) []map[string]any {
	t.Helper()
	dir, err := filepath.Abs("../../internal/duckdbtest")
	if err != nil {
		t.Fatal(err)
	}
	node := testutil.LookTool(t, "node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
		testutil.SkipOrFail(t, fmt.Sprintf("DuckDB is not installed (make deps installs it): %v", err))
	}
	cmd := exec.Command(node, filepath.Join(dir, "query.js"), sql)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v: %s", sql, err, stderr.String())
	}
	var rows []map[string]any
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("%s: %v: %s", sql, err, out)
	}
	return rows
}

// replayCount is the number of lines `xtrace -r capture -d FILTER` prints.
func replayCount(t *testing.T, capture, filter string) int {
	t.Helper()
	lines := replayLines(t, capture, "%evt.num", filter)
	return len(lines)
}

// replayLines runs `xtrace -r capture -d -p FORMAT FILTER`.
func replayLines(t *testing.T, capture, format, filter string) []string {
	t.Helper()
	out, stderr, code := runXtrace([]string{"-r", capture, "-d", "-p", format, filter})
	if code != 0 {
		t.Fatalf("xtrace -r %s %q: exit %d: %s", capture, filter, code, stderr)
	}
	s := strings.TrimSpace(string(out))
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// TestDuckDBAcrossCaptures exports three captures as Parquet, one
// directory per host, queries them together with DuckDB, and requires
// the counts, failures (per errno) and byte totals that xtrace -r filters
// give on each capture.
func TestDuckDBAcrossCaptures(t *testing.T) {
	caps := map[string]string{
		"web":   "../../testdata/captures/bencer_example5_httpd.scap",
		"curl":  "../../testdata/captures/libs_curl_google.scap",
		"proxy": "../../testdata/captures/inspect_502Error.scap",
	}
	dir := t.TempDir()
	for host, c := range caps {
		// A Hive-style partition: DuckDB reads host from the path.
		out := filepath.Join(dir, "caps", "host="+host, "syscalls.parquet")
		if _, stderr, code := runXtrace([]string{"export", c, "--format", "parquet", "-o", out}); code != 0 {
			t.Fatalf("export %s: %s", c, stderr)
		}
	}
	glob := filepath.Join(dir, "caps", "*", "*.parquet")
	rows := duckdbQuery(t, fmt.Sprintf(`SELECT host,
		count(*) FILTER (WHERE dur IS NOT NULL) AS returned,
		count(*) FILTER (WHERE failed) AS failed,
		coalesce(sum(bytes), 0) AS bytes,
		count(*) FILTER (WHERE syscall = 'read' AND dur IS NOT NULL) AS reads
		FROM '%s' GROUP BY host ORDER BY host`, glob))
	if len(rows) != len(caps) {
		t.Fatalf("%d hosts in the query, want %d: %v", len(rows), len(caps), rows)
	}
	num := func(v any) int64 {
		n, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
		if err != nil {
			t.Fatalf("not a number: %v", v)
		}
		return n
	}
	var allFailed int64
	for _, r := range rows {
		c := caps[r["host"].(string)]
		var bytes int64
		for _, l := range replayLines(t, c, "%evt.buflen", "evt.buflen exists") {
			bytes += num(l)
		}
		want := map[string]int64{
			"returned": int64(replayCount(t, c, "evt.dir=<")),
			"failed":   int64(replayCount(t, c, "evt.failed=true")),
			"bytes":    bytes,
			"reads":    int64(replayCount(t, c, "evt.type=read and evt.dir=<")),
		}
		for k, w := range want {
			if got := num(r[k]); got != w {
				t.Errorf("%s: %s = %d in DuckDB, %d by xtrace -r", r["host"], k, got, w)
			}
		}
		allFailed += want["failed"]
	}

	// Failures per errno over all hosts, against xtrace -r -p %evt.res.
	rows = duckdbQuery(t, fmt.Sprintf(`SELECT errno, count(*) AS n FROM '%s'
		WHERE failed GROUP BY errno ORDER BY errno`, glob))
	wantErrno := map[string]int64{}
	for _, c := range caps {
		for _, l := range replayLines(t, c, "%evt.res", "evt.failed=true") {
			wantErrno[l]++
		}
	}
	var total int64
	for _, r := range rows {
		e := r["errno"].(string)
		if got := num(r["n"]); got != wantErrno[e] {
			t.Errorf("errno %s: %d in DuckDB, %d by xtrace -r", e, got, wantErrno[e])
		}
		total += num(r["n"])
		delete(wantErrno, e)
	}
	if len(wantErrno) != 0 || total != allFailed || total == 0 {
		t.Errorf("errnos missing from DuckDB: %v (total %d, want %d)", wantErrno, total, allFailed)
	}

	// The process tables join the syscall rows.
	pglob := filepath.Join(dir, "caps", "*", "procs", "*.parquet")
	rows = duckdbQuery(t, fmt.Sprintf(`SELECT count(*) AS orphans FROM '%s' s
		ANTI JOIN '%s' p ON s.host = p.host AND s.pid = p.pid`, glob, pglob))
	if num(rows[0]["orphans"]) != 0 {
		t.Errorf("%v syscall rows have no process row", rows[0]["orphans"])
	}
}

// TestExportCLI covers the command line: formats, output files, errors.
func TestExportCLI(t *testing.T) {
	c := "../../testdata/captures/falco_cat_write.scap"
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		files []string
		err   string
	}{
		{name: "ndjson stdout", args: []string{"export", c}},
		{name: "csv", args: []string{"export", c, "-f", "csv", "-o", filepath.Join(dir, "a.csv")}, files: []string{"a.csv", "procs/a.csv"}},
		{name: "parquet procs", args: []string{"export", c, "--format=parquet", "-o", filepath.Join(dir, "b.parquet"), "--procs", filepath.Join(dir, "p.parquet")}, files: []string{"b.parquet", "p.parquet"}},
		{name: "perfetto", args: []string{"export", c, "-f", "perfetto", "-o", filepath.Join(dir, "t.json")}, files: []string{"t.json"}},
		{name: "filter", args: []string{"export", c, "evt.type=read"}},
		{name: "csv needs -o", args: []string{"export", c, "-f", "csv"}, code: 1, err: "xtrace: export: --format csv needs -o FILE (it writes two files)\n"},
		{name: "bad format", args: []string{"export", c, "-f", "xml"}, code: 1, err: "--format must be one of"},
		{name: "bad filter", args: []string{"export", c, "evt.type=="}, code: 1, err: "filter"},
		{name: "missing file", args: []string{"export", filepath.Join(dir, "nope.scap")}, code: 1, err: "xtrace: export: open "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := runXtrace(tc.args)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, stderr)
			}
			if tc.err != "" && !strings.Contains(string(stderr), tc.err) {
				t.Fatalf("stderr %q, want %q", stderr, tc.err)
			}
			if tc.code == 0 && len(tc.files) == 0 && !bytes.Contains(out, []byte(`"kind":"syscall"`)) {
				t.Fatalf("no rows on stdout: %.200s", out)
			}
			for _, f := range tc.files {
				st, err := os.Stat(filepath.Join(dir, f))
				if err != nil || st.Size() == 0 || st.Mode().Perm() != 0o600 {
					t.Errorf("%s: %v %v", f, err, st)
				}
			}
		})
	}
	// The filter keeps whole calls: every row is a read.
	out, _, _ := runXtrace([]string{"export", c, "evt.type=read"})
	var kinds []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var m map[string]any
		json.Unmarshal([]byte(l), &m)
		if m["kind"] == "syscall" {
			kinds = append(kinds, m["syscall"].(string))
		}
	}
	sort.Strings(kinds)
	if len(kinds) == 0 || kinds[0] != "read" || kinds[len(kinds)-1] != "read" {
		t.Errorf("filtered rows: %v", kinds)
	}
}
