package export

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"xtrace/field"
	"xtrace/filter"
	"xtrace/inspect"
	"xtrace/scap"
)

var update = flag.Bool("update", false, "rewrite docs/schema.md")

func captures(t *testing.T) []string {
	t.Helper()
	caps, err := filepath.Glob("../testdata/captures/*.scap")
	if err != nil || len(caps) == 0 {
		t.Fatalf("no captures: %v", err)
	}
	return caps
}

// TestSchemaDoc keeps docs/schema.md equal to what the code derives from
// the field table.
func TestSchemaDoc(t *testing.T) {
	const path = "../docs/schema.md"
	want := Markdown()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal("docs/schema.md is stale: run go test ./export -run TestSchemaDoc -update")
	}
}

// TestColumnsFromFieldTable checks that every field column takes its type
// and description from the field table.
func TestColumnsFromFieldTable(t *testing.T) {
	for _, cols := range [][]Column{SyscallColumns(), ProcColumns()} {
		for _, c := range cols {
			if c.Field == "" {
				if c.Doc == "" {
					t.Errorf("%s: export-only column without description", c.Name)
				}
				continue
			}
			d := field.DefByName(c.Field)
			if typeOf(d.Type) != c.Type && c.src != fromEnterTime {
				t.Errorf("%s: type %v, field %s has %v", c.Name, c.Type, c.Field, typeOf(d.Type))
			}
			if !strings.HasPrefix(c.Doc, d.Desc) {
				t.Errorf("%s: doc %q does not start with the field's %q", c.Name, c.Doc, d.Desc)
			}
		}
	}
}

// exportNDJSON exports capture and returns the syscall and process rows.
func exportNDJSON(t *testing.T, capture string, o Options) (sys, procs []map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	x, err := New(NewNDJSON(&buf), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := ExportFile(context.Background(), capture, x); err != nil && !strings.Contains(capture, "BROKEN") {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		if m["v"] != json.Number("1") {
			t.Fatalf("schema version %v", m["v"])
		}
		switch m["kind"] {
		case "syscall":
			sys = append(sys, m)
		case "process":
			procs = append(procs, m)
		default:
			t.Fatalf("kind %v", m["kind"])
		}
	}
	return sys, procs
}

// replayTotals counts, with the filter engine and the field table, what
// `xtrace -r capture -d FILTER` shows: exit events, failed events, and the
// sum of evt.buflen.
func replayTotals(t *testing.T, capture, expr string) (events int, bytes uint64) {
	t.Helper()
	f, err := os.Open(capture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := scap.NewReader(f)
	if err != nil {
		if strings.Contains(capture, "BROKEN") {
			return 0, 0
		}
		t.Fatal(err)
	}
	in := inspect.New(rd.Header())
	flt, err := filter.Compile(expr, nil)
	if err != nil {
		t.Fatal(err)
	}
	match := flt.Func()
	bl, err := field.Lookup("evt.buflen", nil)
	if err != nil {
		t.Fatal(err)
	}
	for {
		sev, err := rd.Next()
		if err != nil {
			break
		}
		ev := in.Process(sev)
		if in.Err() != nil {
			break
		}
		// xtrace -r -d: the filter sees every event after the state
		// engine, as the exporter's filter does.
		if ev.Hidden() || !match(ev) {
			continue
		}
		events++
		if v, ok := bl.Extract(ev); ok {
			bytes += v.Uint
		}
	}
	return events, bytes
}

// TestRowsAgreeWithReplay exports every test capture and checks the rows
// against what the filter engine finds in the same capture: one row with a
// result per exit event, as many failed rows as evt.failed=true events,
// the same byte total.
func TestRowsAgreeWithReplay(t *testing.T) {
	for _, c := range captures(t) {
		t.Run(filepath.Base(c), func(t *testing.T) {
			sys, _ := exportNDJSON(t, c, Options{})
			var exits, failed int
			var total uint64
			for _, r := range sys {
				if _, ok := r["dur"]; ok {
					exits++
				}
				if r["failed"] == true {
					failed++
				}
				if b, ok := r["bytes"].(json.Number); ok {
					n, _ := b.Int64()
					total += uint64(n)
				}
			}
			wantExits, wantBytes := replayTotals(t, c, "evt.dir=< and evt.category!=internal")
			wantFailed, _ := replayTotals(t, c, "evt.failed=true")
			if exits != wantExits || failed != wantFailed || total != wantBytes {
				t.Errorf("rows with a duration %d, failed %d, bytes %d; replay: exits %d, failed %d, bytes %d",
					exits, failed, total, wantExits, wantFailed, wantBytes)
			}
		})
	}
}

// TestFilter keeps only the rows whose exit matches.
func TestFilter(t *testing.T) {
	c := "../testdata/captures/libs_curl_google.scap"
	flt, err := filter.Compile("evt.failed=true", nil)
	if err != nil {
		t.Fatal(err)
	}
	sys, _ := exportNDJSON(t, c, Options{Filter: flt.Func()})
	want, _ := replayTotals(t, c, "evt.failed=true")
	if len(sys) != want || want == 0 {
		t.Fatalf("%d rows, want %d (>0)", len(sys), want)
	}
	for _, r := range sys {
		if r["failed"] != true || r["errno"] == nil {
			t.Fatalf("row %v is not a failure with an errno", r)
		}
	}
}

// TestTypedArgs checks the merged enter+exit arguments of an open: numbers
// stay numbers, flags become names, the path is absolute.
func TestTypedArgs(t *testing.T) {
	sys, _ := exportNDJSON(t, "../testdata/captures/falco_cat_write.scap", Options{})
	var seen bool
	for _, r := range sys {
		if (r["syscall"] != "openat" && r["syscall"] != "open") || r["failed"] != false {
			continue
		}
		seen = true
		args := r["args"].(map[string]any)
		if _, ok := args["name"].(string); !ok {
			t.Errorf("name %#v is not text", args["name"])
		}
		if fl, _ := args["flags"].(string); !strings.HasPrefix(fl, "O_") {
			t.Errorf("flags %#v are not names", args["flags"])
		}
		if p, _ := r["path"].(string); !strings.HasPrefix(p, "/") {
			t.Errorf("path %#v is not absolute", r["path"])
		}
		if r["fd_name"] != r["path"] {
			t.Errorf("fd_name %v, path %v", r["fd_name"], r["path"])
		}
		if _, ok := r["fd"].(json.Number); !ok {
			t.Errorf("fd %#v", r["fd"])
		}
	}
	if !seen {
		t.Fatal("no successful openat row")
	}
}

// TestFormatsAgree exports one capture as NDJSON, CSV and Parquet and
// compares row counts and a few columns.
func TestFormatsAgree(t *testing.T) {
	c := "../testdata/captures/libs_curl_google.scap"
	sys, procs := exportNDJSON(t, c, Options{})
	dir := t.TempDir()
	open := func(name string) *os.File {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	run := func(s Sink) {
		x, err := New(s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := ExportFile(context.Background(), c, x); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := NewCSV(open("s.csv"), open("s.procs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	run(cs)
	run(NewParquet(open("s.parquet"), open("s.procs.parquet")))

	csvText, _ := os.ReadFile(filepath.Join(dir, "s.csv"))
	if n := strings.Count(string(csvText), "\n") - 1; n < len(sys) {
		// Quoted cells may hold newlines; never fewer lines than rows.
		t.Errorf("csv: %d lines for %d rows", n, len(sys))
	}

	type pqRow struct {
		Syscall *string `parquet:"syscall"`
		Res     *int64  `parquet:"res"`
		Path    *string `parquet:"path"`
	}
	rows, err := parquet.ReadFile[pqRow](filepath.Join(dir, "s.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(sys) {
		t.Fatalf("parquet: %d rows, ndjson %d", len(rows), len(sys))
	}
	for i, r := range rows {
		if *r.Syscall != sys[i]["syscall"] {
			t.Fatalf("row %d: parquet %s, ndjson %v", i, *r.Syscall, sys[i]["syscall"])
		}
		want, has := sys[i]["res"]
		if has != (r.Res != nil) || (has && want.(json.Number).String() != jsonInt(*r.Res)) {
			t.Fatalf("row %d: res parquet %v, ndjson %v", i, r.Res, want)
		}
	}
	type pqProc struct {
		PID *int64 `parquet:"pid"`
	}
	prows, err := parquet.ReadFile[pqProc](filepath.Join(dir, "s.procs.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(prows) != len(procs) || len(procs) == 0 {
		t.Fatalf("parquet: %d processes, ndjson %d", len(prows), len(procs))
	}
}

func jsonInt(v int64) string { b, _ := json.Marshal(v); return string(b) }

// TestData exports the raw buffers with Options.Data: the first read of
// cat in falco_cat_write is libc's ELF header.
func TestData(t *testing.T) {
	sys, _ := exportNDJSON(t, "../testdata/captures/falco_cat_write.scap", Options{Data: true})
	for _, r := range sys {
		if r["syscall"] != "read" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(r["data"].(string))
		if err != nil {
			t.Fatal(err)
		}
		n, _ := r["bytes"].(json.Number).Int64()
		if !bytes.HasPrefix(raw, []byte("\x7fELF")) || int64(len(raw)) > n {
			t.Fatalf("data %q (%d bytes), res %d", raw[:min(len(raw), 8)], len(raw), n)
		}
		return
	}
	t.Fatal("no read row")
}

// FuzzExport exports arbitrary bytes as a capture: no panic, and what is
// written before any error is valid NDJSON with the schema version.
func FuzzExport(f *testing.F) {
	caps, _ := filepath.Glob("../testdata/captures/*.scap")
	for _, c := range caps {
		if b, err := os.ReadFile(c); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var buf bytes.Buffer
		x, err := New(NewNDJSON(&buf), Options{Data: true})
		if err != nil {
			t.Fatal(err)
		}
		Export(context.Background(), bytes.NewReader(data), "fuzz", x)
		for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
			if len(l) == 0 {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(l, &m); err != nil {
				t.Fatalf("invalid JSON line %q: %v", l, err)
			}
			if m["v"] != float64(SchemaVersion) {
				t.Fatalf("line without schema version: %s", l)
			}
		}
	})
}

func TestNextMember(t *testing.T) {
	for _, tc := range []struct {
		in    string
		names []string
		texts []string
	}{
		{`"a":1`, []string{"a"}, []string{`"a":1`}},
		{`"a":1,"b":"x\"y,z","c":true`, []string{"a", "b", "c"}, []string{`"a":1`, `"b":"x\"y,z"`, `"c":true`}},
		{`"p":"\\","q":-2`, []string{"p", "q"}, []string{`"p":"\\"`, `"q":-2`}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			var names, texts []string
			for b := []byte(tc.in); len(b) > 0; {
				n, x, rest := nextMember(b)
				names, texts, b = append(names, string(n)), append(texts, string(x)), rest
			}
			if strings.Join(names, "|") != strings.Join(tc.names, "|") || strings.Join(texts, "|") != strings.Join(tc.texts, "|") {
				t.Errorf("names %q texts %q, want %q %q", names, texts, tc.names, tc.texts)
			}
		})
	}
}
