package format

import (
	"testing"
	"time"

	"xtrace/internal/capturetest"
)

func TestUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{`%evt.num\t%evt.type`, "%evt.num\t%evt.type"},
		{`a\nb`, "a\nb"},
		{`\e[31m`, "\x1b[31m"},
		{`a\\b`, `a\b`},
		{`a\qb`, `a\qb`},
		{`end\`, `end\`},
	}
	for _, tc := range tests {
		if got := Unescape(tc.in); got != tc.want {
			t.Errorf("Unescape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormatErrors(t *testing.T) {
	tests := []struct{ format, msg string }{
		{"%foo.bar", "invalid formatting token foo.bar"},
		{"%evt.num %foo bar", "invalid formatting token foo bar"},
		{"%", "invalid formatting syntax: formatting cannot end with a %"},
		{"%12", "invalid formatting syntax: formatting cannot end with a number"},
		{"%fd.ip", "fd.ip is filter only and cannot be used as a display field"},
		{"%evt.arg.nosuch", "unknown event argument nosuch"},
		{"", "empty formatting token"},
	}
	for _, tc := range tests {
		_, err := NewCustom(tc.format, Options{})
		if err == nil || err.Error() != tc.msg {
			t.Errorf("NewCustom(%q) error = %v, want %q", tc.format, err, tc.msg)
		}
		_, err = NewJSON(tc.format, Options{})
		if tc.format != "" && (err == nil || err.Error() != tc.msg) {
			t.Errorf("NewJSON(%q) error = %v, want %q", tc.format, err, tc.msg)
		}
	}
}

// curlCapture is the capture the printer tests read.
const curlCapture = "../testdata/captures/libs_curl_google.scap"

// TestCustom checks -p lines of event 219, "< open fd=3(<f>/etc/ld.so.cache)
// name=/etc/ld.so.cache flags=4097(O_RDONLY|O_CLOEXEC) mode=0"
// (values as sysdig prints them).
func TestCustom(t *testing.T) {
	ev := capturetest.EventAt(t, curlCapture, 219)
	tests := []struct {
		name, format, want string
		ok                 bool
	}{
		{"fields", "%evt.num %proc.name %evt.type %fd.name", "219 curl open /etc/ld.so.cache\n", true},
		{"adjacent", "%evt.num%evt.dir|%fd.typechar", "219<|f\n", true},
		{"width pads", "%6evt.num|", "219   |\n", true},
		{"width cuts", "%3fd.name|", "/et|\n", true},
		{"escapes", `%evt.num\t%evt.res`, "219\tSUCCESS\n", true},
		{"missing drops", "%evt.num %fd.cip", "", false},
		{"star keeps", "*%evt.num %fd.cip", "219 <NA>\n", true},
		{"literal percent text", "x%evt.num y", "x219 y\n", true},
		{"name suffix is text", "%proc.namex", "curlx\n", true},
		{"bare aname inside", "%proc.aname %evt.num", "curlproc.aname 219\n", true},
		{"unsigned without format", "*%evt.num %evt.type.is.open", "219 <NA>\n", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewCustom(tc.format, Options{Time: TimeHuman, Loc: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			got, ok, err := c.Append(nil, ev)
			if err != nil || ok != tc.ok || string(got) != tc.want {
				t.Errorf("Append = %q, %v, %v; want %q, %v", got, ok, err, tc.want, tc.ok)
			}
		})
	}
	c, err := NewCustom("%evt.num %evt.rawarg.fd", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Append(nil, ev); err == nil || err.Error() != "wrong event type 14" {
		t.Errorf("%%evt.rawarg.fd: error %v, want wrong event type 14", err)
	}
}

func TestJSON(t *testing.T) {
	ev := capturetest.EventAt(t, curlCapture, 219)
	tests := []struct {
		name, format, want string
		ok                 bool
	}{
		{"default", "", `{"evt.cpu":0,"evt.dir":"<","evt.info":"fd=3(<f>/etc/ld.so.cache) name=/etc/ld.so.cache flags=4097(O_RDONLY|O_CLOEXEC) mode=0 ","evt.num":219,"evt.outputtime":1534527348514682170,"evt.type":"open","proc.name":"curl","thread.tid":17497}` + "\n", true},
		{"fields sorted, text dropped", "%fd.name and %evt.num", `{"evt.num":219,"fd.name":"/etc/ld.so.cache"}` + "\n", true},
		{"missing drops", "%evt.num %fd.cip", "", false},
		{"star gives null", "*%evt.num %fd.cip", `{"evt.num":219,"fd.cip":null}` + "\n", true},
		{"types", "%evt.failed %evt.rawres %evt.latency.ns %evt.time %evt.rawtime.ns %evt.res", `{"evt.failed":false,"evt.latency.ns":3896,"evt.rawres":3,"evt.rawtime.ns":514682170,"evt.res":"SUCCESS","evt.time":1534527348514682170}` + "\n", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j, err := NewJSON(tc.format, Options{Time: TimeHuman, Loc: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			got, ok, err := j.Append(nil, ev)
			if err != nil || ok != tc.ok || string(got) != tc.want {
				t.Errorf("Append =\n%s %v %v\nwant\n%s %v", got, ok, err, tc.want, tc.ok)
			}
		})
	}
}

func TestAppendAllocs(t *testing.T) {
	ev := capturetest.EventAt(t, curlCapture, 219)
	c, err := NewCustom("%evt.num %evt.time %proc.name (%thread.tid) %evt.dir %evt.type %fd.name %evt.args", Options{})
	if err != nil {
		t.Fatal(err)
	}
	j, err := NewJSON("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf []byte
	buf, _, _ = c.Append(buf[:0], ev)
	buf, _, _ = j.Append(buf[:0], ev)
	if n := testing.AllocsPerRun(100, func() { buf, _, _ = c.Append(buf[:0], ev) }); n != 0 {
		t.Errorf("Custom.Append: %.1f allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { buf, _, _ = j.Append(buf[:0], ev) }); n != 0 {
		t.Errorf("JSON.Append: %.1f allocations, want 0", n)
	}
}
