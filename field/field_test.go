package field

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"xtrace/event"
	"xtrace/inspect"
	"xtrace/internal/capturetest"
	"xtrace/scap"
)

func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for i := range defs {
		d := &defs[i]
		if seen[d.Name] {
			t.Errorf("%s listed twice", d.Name)
		}
		seen[d.Name] = true
		if d.get == nil && d.Flags&NoState == 0 {
			t.Errorf("%s has no getter and is not marked NoState", d.Name)
		}
		if d.Desc == "" {
			t.Errorf("%s has no description", d.Name)
		}
		known := false
		for _, c := range classes {
			known = known || c.Name == d.Class
		}
		if !known {
			t.Errorf("%s: unknown class %q", d.Name, d.Class)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name     string
		def      string
		argName  string
		argIndex int
		typ      event.ParamType
	}{
		{"proc.name", "proc.name", "", -1, event.PTCharBuf},
		{"evt.arg[1]", "evt.arg", "", 1, event.PTCharBuf},
		{"evt.arg.fd", "evt.arg", "fd", -1, event.PTCharBuf},
		{"evt.rawarg.fd", "evt.rawarg", "fd", -1, event.PTFD},
		{"evt.rawarg.res", "evt.rawarg", "res", -1, event.PTErrno},
		{"evt.rawarg.size", "evt.rawarg", "size", -1, event.PTUint32},
		{"proc.aname[2]", "proc.aname", "", 2, event.PTCharBuf},
		{"proc.aname", "proc.aname", "", -1, event.PTCharBuf},
		{"proc.apid[0]", "proc.apid", "", 0, event.PTInt64},
		{"thread.cgroup.cpuacct", "thread.cgroup", "cpuacct", -1, event.PTCharBuf},
		{"evt.type.is.open", "evt.type.is", "", -1, event.PTUint32},
		{"evt.args", "evt.args", "", -1, event.PTCharBuf},
		{"evt.outputtime", "evt.outputtime", "", -1, event.PTCharBuf},
		{"fd.name_changed", "fd.name_changed", "", -1, event.PTBool},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Lookup(tc.name, nil)
			if err != nil {
				t.Fatal(err)
			}
			if f.Def().Name != tc.def || f.ArgName() != tc.argName || f.ArgIndex() != tc.argIndex || f.Type() != tc.typ || f.Name() != tc.name {
				t.Errorf("Lookup(%q) = %s %q %d %s, want %s %q %d %s", tc.name, f.Def().Name, f.ArgName(), f.ArgIndex(),
					TypeName(f.Type()), tc.def, tc.argName, tc.argIndex, TypeName(tc.typ))
			}
		})
	}
}

func TestLookupErrors(t *testing.T) {
	tests := []struct {
		name, msg string // msg "" means ErrUnknown
	}{
		{"foo.bar", ""},
		{"proc.namex", ""},
		{"evt.type.is.nosuchevent", ""},
		{"proc.anamex", ""},
		{"evt.arg", "filter syntax error: evt.arg"},
		{"evt.arg.nosuchparam", "unknown event argument nosuchparam"},
		{"evt.arg[x]", "x is not a valid number"},
		{"evt.rawarg[0]", "evt.arg fields must be expressed explicitly"},
		{"evt.around.x", "wrong syntax for evt.around"},
		{"thread.cgroup", "filter syntax error: thread.cgroup"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Lookup(tc.name, nil)
			if tc.msg == "" {
				if !errors.Is(err, ErrUnknown) {
					t.Fatalf("Lookup(%q) error = %v, want ErrUnknown", tc.name, err)
				}
				return
			}
			var ae *ArgError
			if !errors.As(err, &ae) || ae.Msg != tc.msg {
				t.Fatalf("Lookup(%q) error = %v, want %q", tc.name, err, tc.msg)
			}
		})
	}
}

func TestLookupPrefix(t *testing.T) {
	tests := []struct {
		s, name string
		n       int
	}{
		{"proc.namex", "proc.name", 9},
		{"evt.num %evt.type", "evt.num", 7},
		{"evt.args", "evt.args", 8},
		{"evt.arg.name %fd.name", "evt.arg.name", 12},
		{"evt.arg[0] %evt.arg.fd", "evt.arg[0]", 10},
		{"evt.type.is.open", "evt.type.is.open", 16},
		{"evt.type.is.open %x", "", 0}, // sysdig matches the whole rest
		{"proc.aname", "proc.aname", 10},
		{"proc.aname %x", "", 0},
		{"proc.aname[1] %x", "proc.aname[1]", 13},
		{"fd.name_changed", "fd.name_changed", 15},
		{"fd.names", "fd.name", 7},
	}
	for _, tc := range tests {
		f, n, err := LookupPrefix(tc.s, nil)
		if err != nil {
			t.Errorf("LookupPrefix(%q): %v", tc.s, err)
			continue
		}
		if f.Name() != tc.name || n != tc.n {
			t.Errorf("LookupPrefix(%q) = %q, %d; want %q, %d", tc.s, f.Name(), n, tc.name, tc.n)
		}
	}
	var ue *UsageError
	if _, _, err := LookupPrefix("fd.ip", nil); !errors.As(err, &ue) || ue.Msg != "fd.ip is filter only and cannot be used as a display field" {
		t.Errorf("LookupPrefix(fd.ip) error = %v", err)
	}
}

func TestAppendDuration(t *testing.T) {
	tests := []struct {
		ns   uint64
		want string
	}{
		{0, "0ns"}, {835, "835ns"}, {2990, "2.99us"}, {15300, "15us"}, {1203000, "1.20ms"},
		{25000000, "25ms"}, {1050000000, "1.05s"}, {125 * 1e9, "2:5"}, {3723 * 1e9, "01:02:03"},
	}
	for _, tc := range tests {
		if got := string(AppendDuration(nil, tc.ns)); got != tc.want {
			t.Errorf("AppendDuration(%d) = %s, want %s", tc.ns, got, tc.want)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{"a\"b\\c", `"a\"b\\c"`},
		{"\n\t\r\b\f", `"\n\t\r\b\f"`},
		{"\x01\x7f", `"\u0001` + "\x7f" + `"`},
		{"é", `"\u00e9"`},
		{"😀", `"\ud83d\ude00"`},
		{"\xff", `"\ufffd"`},
		{"/", `"/"`},
	}
	for _, tc := range tests {
		if got := string(AppendJSONString(nil, tc.in)); got != tc.want {
			t.Errorf("AppendJSONString(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestParseNumbers(t *testing.T) {
	tests := []struct {
		s    string
		bits int
		i    int64
		u    uint64
		ok   bool
	}{
		{"12", 64, 12, 12, true},
		{" 12", 64, 12, 12, true},
		{"12 ", 64, 0, 0, false},
		{"-1", 64, -1, 1<<64 - 1, true},
		{"-1", 32, -1, 1<<32 - 1, true},
		{"+7", 8, 7, 7, true},
		{"x", 64, 0, 0, false},
		{"", 64, 0, 0, false},
		{"0x10", 64, 0, 0, false},
		{"99999999999999999999", 64, 1<<63 - 1, 1<<64 - 1, true},
	}
	for _, tc := range tests {
		i, err := ParseInt(tc.s, tc.bits)
		if (err == nil) != tc.ok || tc.ok && i != tc.i {
			t.Errorf("ParseInt(%q, %d) = %d, %v", tc.s, tc.bits, i, err)
		}
		u, err := ParseUint(tc.s, tc.bits)
		if (err == nil) != tc.ok || tc.ok && u != tc.u {
			t.Errorf("ParseUint(%q, %d) = %d, %v", tc.s, tc.bits, u, err)
		}
		if !tc.ok && err != nil && err.Error() != tc.s+" is not a valid number" {
			t.Errorf("error %q", err)
		}
	}
}

// TestExtract checks values of the curl capture's event 219,
// "< open fd=3(<f>/etc/ld.so.cache) name=/etc/ld.so.cache
// flags=4097(O_RDONLY|O_CLOEXEC) mode=0", against sysdig's -p and -j.
func TestExtract(t *testing.T) {
	ev := capturetest.EventAt(t, "../testdata/captures/libs_curl_google.scap", 219)
	o := &Options{Time: 'h', Loc: time.UTC}
	tests := []struct {
		field, text, json string
		err               string
	}{
		{"evt.num", "219", "219", ""},
		{"evt.type", "open", `"open"`, ""},
		{"evt.dir", "<", `"<"`, ""},
		{"evt.cpu", "0", "0", ""},
		{"evt.time", "17:35:48.514682170", "1534527348514682170", ""},
		{"evt.rawtime.ns", "514682170", "514682170", ""},
		{"evt.latency.ns", "000003896", "3896", ""},
		{"evt.latency.human", "3.89us", `"3.89us"`, ""},
		{"evt.res", "SUCCESS", `"SUCCESS"`, ""},
		{"evt.rawres", "3", "3", ""},
		{"evt.failed", "false", "false", ""},
		{"evt.category", "file", `"file"`, ""},
		{"evt.arg.name", "/etc/ld.so.cache", `"/etc/ld.so.cache"`, ""},
		{"evt.arg[0]", "<f>/etc/ld.so.cache", `"<f>/etc/ld.so.cache"`, ""},
		{"evt.arg.flags", "O_RDONLY|O_CLOEXEC", `"O_RDONLY|O_CLOEXEC"`, ""},
		{"evt.rawarg.res", "", "", ""},
		{"evt.rawarg.fd", "", "", "wrong event type 14"},
		{"evt.rawarg.flags", "", "", "wrong event type 30"},
		{"evt.type.is.open", "", "", ""},
		{"evt.is_open_read", "true", "true", ""},
		{"fd.num", "3", "3", ""},
		{"fd.type", "file", `"file"`, ""},
		{"fd.typechar", "f", `"f"`, ""},
		{"fd.name", "/etc/ld.so.cache", `"/etc/ld.so.cache"`, ""},
		{"fd.directory", "/etc", `"/etc"`, ""},
		{"fd.filename", "ld.so.cache", `"ld.so.cache"`, ""},
		{"fd.l4proto", "<NA>", `"<NA>"`, ""},
		{"proc.name", "curl", `"curl"`, ""},
		{"proc.pid", "17497", "17497", ""},
		{"proc.cmdline", "curl -6 http://www.google.com", `"curl -6 http://www.google.com"`, ""},
		{"proc.aname[1]", "bash", `"bash"`, ""},
		{"thread.tid", "17497", "17497", ""},
		{"user.name", "", "", ""},
		{"user.uid", "4294967295", "4294967295", ""},
		{"container.id", "host", `"host"`, ""},
		{"proc.fdusage", "0.1", "", "wrong event type 33"},
	}
	for _, tc := range tests {
		t.Run(tc.field, func(t *testing.T) {
			f, err := Lookup(tc.field, o)
			if err != nil {
				t.Fatal(err)
			}
			text, ok, err := f.AppendText(nil, ev)
			if tc.err != "" && tc.text == "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("AppendText error = %v, want %s", err, tc.err)
				}
			} else if err != nil || (tc.text == "") == ok || string(text) != tc.text {
				t.Errorf("AppendText = %q, %v, %v; want %q", text, ok, err, tc.text)
			}
			js, ok, err := f.AppendJSON(nil, ev)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("AppendJSON error = %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || (tc.json == "") == ok || string(js) != tc.json {
				t.Errorf("AppendJSON = %s, %v, %v; want %s", js, ok, err, tc.json)
			}
		})
	}
}

func TestExtractAllocs(t *testing.T) {
	ev := capturetest.EventAt(t, "../testdata/captures/libs_curl_google.scap", 219)
	for _, name := range []string{"fd.name", "proc.cmdline", "evt.time", "evt.res", "evt.args", "fd.directory", "evt.arg.flags"} {
		f, err := Lookup(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		var buf []byte
		buf, _, _ = f.AppendText(buf[:0], ev)
		if n := testing.AllocsPerRun(100, func() { buf, _, _ = f.AppendText(buf[:0], ev) }); n != 0 {
			t.Errorf("%s: %.1f allocations per AppendText, want 0", name, n)
		}
	}
}

func TestWriteList(t *testing.T) {
	for _, o := range []ListOptions{{}, {Verbose: true}, {Markdown: true}} {
		var b bytes.Buffer
		if err := WriteList(&b, o); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"proc.name", "fd.sport", "evt.arg"} {
			if !bytes.Contains(b.Bytes(), []byte(want)) {
				t.Errorf("%+v: list lacks %s", o, want)
			}
		}
		if bytes.Contains(b.Bytes(), []byte("evt.outputtime")) {
			t.Errorf("%+v: list shows the hidden evt.outputtime", o)
		}
	}
}

// TestEveryField extracts and renders every field for every event of every
// capture: nothing may panic, and text and JSON agree on having a value.
func TestEveryField(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	captures, _ := filepath.Glob("../testdata/captures/*.scap*")
	var fields []*Field
	for i := range defs {
		name := defs[i].Name
		switch defs[i].Arg {
		case ArgParam:
			name += ".fd"
		case ArgRawParam:
			name += ".res"
		case ArgEventType:
			name += ".open"
		case ArgKey:
			name += ".cpu"
		case ArgIndex, ArgIndexOrKey, ArgIndexOrPath:
			name += "[0]"
		case ArgTime:
			name += "[1]"
		}
		f, err := Lookup(name, &Options{Render: inspect.RenderOptions{Buffer: inspect.BufHexASCII}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fields = append(fields, f)
	}
	for _, c := range captures {
		data, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := scap.NewReader(bytes.NewReader(data))
		if err != nil {
			continue // the corrupt captures
		}
		in := inspect.New(rd.Header())
		var buf []byte
		for {
			sev, err := rd.Next()
			if err != nil {
				break
			}
			ev := in.Process(sev)
			for _, f := range fields {
				_, ok, _ := f.AppendText(buf[:0], ev)
				_, jok, _ := f.AppendJSON(buf[:0], ev)
				if ok && !jok && KindOf(f.Type()) == KindString {
					t.Fatalf("%s: event %d has text but no JSON", f.Name(), ev.Num)
				}
				f.Interface(ev)
			}
		}
	}
}
