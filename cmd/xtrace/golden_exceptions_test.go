package main

import (
	"strings"
	"testing"
)

// goldenException documents a golden whose sysdig behaviour xtrace
// deliberately does not reproduce. Instead of the golden, the case runs
// an equivalent command that sysdig 0.29.3 accepts and requires the same
// output from both.
type goldenException struct {
	// why explains the difference.
	why string
	// exit is xtrace's expected exit status for the original command.
	exit int
	// replace maps an argument of the original command to the argument
	// of the equivalent one.
	replace map[string]string
}

// goldenExceptions is keyed by "<capture>/<file>".
var goldenExceptions = map[string]goldenException{
	"libs_curl_google/err_mix_and_or.txt": {
		why: "sysdig 0.29.3 rejects and/or mixed at one parenthesis level; xtrace " +
			"applies the usual precedence (not > and > or), so the filter means " +
			"what the explicitly parenthesised one means",
		exit: 0,
		replace: map[string]string{
			"evt.type=socket or evt.type=connect and evt.dir=<": "evt.type=socket or (evt.type=connect and evt.dir=<)",
		},
	},
}

// checkException runs an exception case: the original command must exit
// with ex.exit and print what the equivalent command prints.
func checkException(t *testing.T, c goldenCase, ex goldenException) {
	t.Helper()
	t.Logf("golden exception: %s", ex.why)
	got, stderr, code := runXtrace(c.args)
	if code != ex.exit {
		t.Fatalf("exit status %d, want %d; stderr: %s", code, ex.exit, firstLine(stderr))
	}
	alt := make([]string, len(c.args))
	replaced := false
	for i, a := range c.args {
		alt[i] = a
		if r, ok := ex.replace[a]; ok {
			alt[i], replaced = r, true
		}
	}
	if !replaced {
		t.Fatalf("exception does not apply to %s", strings.Join(c.args, " "))
	}
	want, stderr, code := runXtrace(alt)
	if code != 0 {
		t.Fatalf("equivalent command: exit status %d; stderr: %s", code, firstLine(stderr))
	}
	if len(want) == 0 {
		t.Fatalf("equivalent command printed nothing")
	}
	if diff := compareOutput(got, want, compareExact, 0); diff != "" {
		t.Errorf("xtrace %s\ndiffers from the equivalent command:\n%s", strings.Join(quoteArgs(c.args), " "), diff)
	}
}
