package format

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"xtrace/inspect"
	"xtrace/internal/capturetest"
	"xtrace/scap"
)

// FuzzCustom parses arbitrary -p formats. Invariants: a printer comes
// back exactly when there is no error, whose message is bounded by the
// input; a printer renders the events of a real capture without
// panicking, each printed line ending in its newline and nothing appended
// for a dropped event.
// Seeds: the -p formats of the oracle commands
// (testdata/golden/*/commands.txt) and the presets.
func FuzzCustom(f *testing.F) {
	files, err := filepath.Glob("../testdata/golden/*/commands.txt")
	if err != nil || len(files) == 0 {
		f.Fatalf("no commands.txt: %v", err)
	}
	pflag := regexp.MustCompile(`-p *(?:"([^"]*)"|'([^']*)')`)
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, m := range pflag.FindAllStringSubmatch(string(data), -1) {
			f.Add(m[1] + m[2])
		}
	}
	for _, s := range []string{ContainerFormat, KubernetesFormat, MesosFormat, DefaultFormat, `%6evt.num|%3fd.name\t%evt.arg[0]`, "%", "%12", "*%evt.rawarg.fd"} {
		f.Add(s)
	}
	capture, err := os.ReadFile("../testdata/captures/falco_cat_write.scap")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, format string) {
		c, err := NewCustom(format, Options{Time: TimeHuman, Loc: time.UTC})
		if (c == nil) == (err == nil) {
			t.Fatalf("NewCustom(%q) = %v, %v: want a printer or an error", format, c, err)
		}
		if err != nil {
			// sysdig's messages quote the bad token as given, so only
			// their size is bounded.
			if msg := err.Error(); msg == "" || len(msg) > len(format)+128 {
				t.Fatalf("NewCustom(%q): error %q", format, msg)
			}
			return
		}
		n := 0
		capturetest.Replay(t, capturetest.Read(t, capture), nil, func(_ *scap.Event, ev *inspect.Event) bool {
			if n++; ev.Hidden() {
				return n < 200
			}
			out, ok, err := c.Append([]byte("x"), ev)
			if err != nil || !ok {
				if string(out) != "x" {
					t.Fatalf("%q: a dropped event appended %q", format, out[1:])
				}
			} else if !bytes.HasSuffix(out, []byte("\n")) {
				t.Fatalf("%q: line %q has no newline", format, out[1:])
			}
			return n < 200
		})
	})
}
