package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"xtrace/event"
	"xtrace/scap"
)

// TestBadInput: damaged or missing input gives one line on stderr naming the
// file and where the damage is, a non-zero exit, and every event before the
// damage on stdout.
func TestBadInput(t *testing.T) {
	const full = "../../testdata/captures/bencer_example0_nginx.scap"
	fullOut, _, code := runXtrace([]string{"-r", full})
	if code != 0 {
		t.Fatalf("reading the intact capture: exit %d", code)
	}
	cases := []struct {
		file string
		want []string // substrings of the one stderr line
		// prefix: stdout must be a non-empty prefix of the intact output
		prefix bool
	}{
		{"truncated-mid-event.scap", []string{"truncated-mid-event.scap", "offset 108964", "EV block", "truncated"}, true},
		{"truncated-mid-event.scap.gz", []string{"truncated-mid-event.scap.gz", "truncated"}, true},
		{"bad-event-block-length.scap", []string{"bad-event-block-length.scap", "offset 108964", "block length"}, true},
		{"bad-proclist-length.scap", []string{"bad-proclist-length.scap", "PL block"}, false},
		{"empty.scap", []string{"empty.scap", "empty file"}, false},
		{"not-a-capture.scap", []string{"not-a-capture.scap", "not a scap capture"}, false},
		{"no-events.scap", []string{"no-events.scap", "no event"}, false},
		{"../captures/sysdig0293_rewrite_cat_write_BROKEN.scap", []string{"BROKEN.scap", "IL block"}, false},
		{"does-not-exist.scap", []string{"does-not-exist.scap", "no such file"}, false},
		{"../corrupt", []string{"corrupt: is a directory, not a scap capture"}, false},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			out, errOut, code := runXtrace([]string{"-r", "../../testdata/corrupt/" + c.file})
			if code == 0 {
				t.Fatalf("exit status 0 for a bad capture")
			}
			lines := strings.Split(strings.TrimRight(string(errOut), "\n"), "\n")
			if len(lines) != 1 {
				t.Fatalf("stderr has %d lines, want 1: %q", len(lines), errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(lines[0], w) {
					t.Errorf("stderr %q does not mention %q", lines[0], w)
				}
			}
			if c.prefix {
				if len(out) == 0 || !bytes.HasPrefix(fullOut, out) {
					t.Errorf("stdout (%d bytes) is not a non-empty prefix of the intact output", len(out))
				}
			} else if len(out) != 0 {
				t.Errorf("unexpected stdout: %q", out)
			}
		})
	}
}

// TestCorruptContainerJSON: a container event whose JSON does not parse
// (here 1 MiB, with newlines) ends the replay with one line naming the
// file, the block's offset, the event, the place in the JSON and a short
// excerpt, not the whole payload; the events before it are printed.
func TestCorruptContainerJSON(t *testing.T) {
	bad := `{"container":{` + "\n" + `"id": "` + strings.Repeat("x", 1<<20) + `",` + "\n" + `"name": oops}}`
	at := strings.Index(bad, "oops")
	var capture bytes.Buffer
	w := scap.NewWriter(&capture)
	h := &scap.Header{Procs: []scap.Proc{{TID: 7, PID: 7, PTID: 1, Comm: "sh", Exe: "sh", ExePath: "/bin/sh", Cwd: "/", VTID: 7, VPID: 7, Root: "/", LoginUID: -1}}}
	if err := w.WriteHeader(h); err != nil {
		t.Fatal(err)
	}
	var e scap.Encoder
	e.Begin(1700000000000000000, 7, event.GenericE)
	e.U16(16)
	e.U16(39)
	raw, _ := e.Finish()
	w.WriteRaw(0, 0, raw)
	e.Begin(1700000000000000001, 7, 324) // container JSON (large payload)
	e.String(bad)
	raw, err := e.Finish()
	if err != nil {
		t.Fatal(err)
	}
	w.WriteRaw(0, 0, raw)
	w.Close()
	dir := t.TempDir()
	plain := filepath.Join(dir, "badjson.scap")
	os.WriteFile(plain, capture.Bytes(), 0o600)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(capture.Bytes())
	zw.Close()
	gz := filepath.Join(dir, "badjson.scap.gz")
	os.WriteFile(gz, z.Bytes(), 0o600)
	blockOff := bytes.LastIndex(capture.Bytes(), []byte{0x21, 2, 0, 0})
	for _, c := range []struct{ file, where string }{
		{plain, fmt.Sprintf("offset %d (EV block)", blockOff)},
		{gz, fmt.Sprintf("offset %d of the decompressed stream (EV block)", blockOff)},
	} {
		out, errOut, code := runXtrace([]string{"-r", c.file})
		line := strings.TrimSuffix(string(errOut), "\n")
		if code == 0 || strings.Contains(line, "\n") || len(line) > 400 {
			t.Fatalf("exit %d, stderr (%d bytes) %.500q; want one short line", code, len(errOut), errOut)
		}
		for _, want := range []string{c.file + ": ", c.where, fmt.Sprintf("event 2: invalid container JSON (%d bytes), at byte %d: ", len(bad), at), `..."xxxxxxxxxxxxx\",\n\"name\": oops}}"`, "invalid character 'o'"} {
			if !strings.Contains(line, want) {
				t.Errorf("stderr %q does not say %q", line, want)
			}
		}
		if strings.Count(string(out), "\n") != 1 {
			t.Errorf("stdout %q: want the event before the container event", out)
		}
	}
}
