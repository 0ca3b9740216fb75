package main

import (
	"bytes"
	"strings"
	"testing"
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
