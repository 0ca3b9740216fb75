package filter

import (
	"testing"

	"xtrace/inspect"
	"xtrace/internal/capturetest"
	"xtrace/scap"
)

const curlCapture = "../testdata/captures/libs_curl_google.scap"

// countMatches replays a capture with the filter installed where sysdig
// runs it and counts the events a printer would show.
func countMatches(t testing.TB, path string, f *Filter) int {
	t.Helper()
	rd := capturetest.Open(t, path)
	in := inspect.New(rd.Header())
	in.SetFilter(f.Func())
	n := 0
	capturetest.Replay(t, rd, in, func(_ *scap.Event, ev *inspect.Event) bool {
		if !ev.Hidden() {
			n++
		}
		return true
	})
	return n
}

// TestMatchCounts compares with the number of events sysdig prints for
// the same filters (the line counts of testdata/golden/libs_curl_google).
func TestMatchCounts(t *testing.T) {
	tests := []struct {
		src  string
		want int
	}{
		{"evt.failed=true", 43},
		{"evt.type=open or evt.type=openat", 96},
		{"fd.name contains /etc", 60},
		{"proc.name=curl and evt.type in (connect, sendto)", 12},
		{"fd.type=ipv6", 31},
		{"fd.l4proto=udp and fd.port=53", 9},
		{"fd.l4proto=udp and fd.port=domain", 9},
		{"fd.name startswith /lib", 70},
		{"fd.name endswith .so.6", 28},
		{"fd.name glob '/etc/*'", 60},
		{"fd.name pmatch (/etc, /usr)", 254},
		{"proc.name icontains CURL and evt.type=open", 96},
		{"evt.arg.fd exists and evt.dir=>", 284},
		{"evt.rawres < 0", 43},
		{"evt.res != 0", 408},
		{"evt.type=open and (fd.name contains ssl or fd.name contains resolv)", 3},
		{"not evt.type=read and evt.type in (read, write, close)", 118},
		{"fd.num > 2 and evt.type=close", 108},
		{"evt.latency > 1000000", 7},
		{"fd.directory=/etc", 60},
		{"evt.category=net", 54},
		{"evt.type=close and evt.arg[0] contains /etc", 8},
		{"evt.arg.name=/etc/hosts", 1},
		// xtrace extensions and equivalences.
		{"evt.type=socket or evt.type=connect and evt.dir=<", 14},
		{"evt.type=socket or (evt.type=connect and evt.dir=<)", 14},
		{"fd.name intersects (/etc/hosts)", countOf(t, "fd.name in (/etc/hosts)")},
		{"evt.buffer bcontains 485454502f", countOf(t, "evt.buffer contains HTTP/")},
		{"fd.sip=2001:4860:4860::8888", countOf(t, "fd.sip=2001:4860:4860:0::8888")},
		{"fd.snet=2001:4860::/32", countOf(t, "fd.sip=2001:4860:4860::8888 or fd.sip=2607:f8b0:4004:80e::2004")},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			f, err := Compile(tc.src, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := countMatches(t, curlCapture, f); got != tc.want {
				t.Errorf("%d events match, want %d", got, tc.want)
			}
		})
	}
}

func countOf(t *testing.T, src string) int {
	f, err := Compile(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	return countMatches(t, curlCapture, f)
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"/etc/*", "/etc/hosts", true},
		{"/etc/*", "/etc/ssl/certs", true}, // '*' crosses '/' without FNM_PATHNAME
		{"/etc/*", "/etcx", false},
		{"*.so.?", "libc.so.6", true},
		{"[a-c]x", "bx", true},
		{"[!a-c]x", "bx", false},
		{"[^a-c]x", "dx", true},
		{"[]]", "]", true},
		{"[[:digit:]]", "7", true},
		{`\*`, "*", true},
		{`\*`, "a", false},
		{"[", "[", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"", "", true},
		{"*", "", true},
	}
	for _, tc := range tests {
		if got := globMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func TestPathPrefix(t *testing.T) {
	tests := []struct {
		prefix, path string
		want         bool
	}{
		{"/etc", "/etc", true},
		{"/etc", "/etc/hosts", true},
		{"/etc", "/etcd/x", false},
		{"/etc/", "//etc//hosts", true},
		{"/", "/anything", true},
		{"/usr/lib", "/usr", false},
	}
	for _, tc := range tests {
		if got := pathHasPrefix(tc.path, pathComponents(tc.prefix)); got != tc.want {
			t.Errorf("pmatch %q on %q = %v, want %v", tc.prefix, tc.path, got, tc.want)
		}
	}
}

func TestIndexFold(t *testing.T) {
	if indexFold("Hello CURL", "curl") != 6 || indexFold("abc", "x") != -1 || indexFold("", "") != 0 {
		t.Error("indexFold")
	}
}
