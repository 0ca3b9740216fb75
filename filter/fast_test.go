package filter

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"xtrace/field"
	"xtrace/inspect"
	"xtrace/scap"
)

// fastCases exercise every specialised comparison of fast.go: each hot
// field with the operators that have their own closure and with one that
// falls back to the general match, the boolean and direction tables, and
// evt.type lookups including generic events and negation.
var fastCases = []string{
	"evt.failed=true", "evt.failed=false", "evt.failed!=true", "evt.failed!=false",
	"evt.failed in (true, false)", "not evt.failed=true",
	"evt.dir=<", "evt.dir=>", "evt.dir!=<", "evt.dir in (<, >)",
	"evt.type=open", "evt.type!=read", "evt.type in (open, openat, connect)",
	"evt.type=getdents64", "evt.type=mmap2", "evt.type=<unknown>",
	"evt.type startswith open", "evt.type contains open",
	"evt.rawres=0", "evt.rawres<0", "evt.rawres>3", "evt.rawres!=0",
	"evt.rawres>=1", "evt.rawres<=-2", "evt.rawres in (0, 3, -2)",
	"proc.pid=1", "proc.pid>100", "proc.pid!=0", "proc.pid in (1, 2)",
	"proc.name=curl", "proc.name contains u", "proc.name startswith s",
	"proc.name in (curl, sh)", "proc.name!=bash", "proc.name icontains CURL",
	"fd.name=/etc/ld.so.cache", "fd.name contains /etc", "fd.name endswith .so.6",
	"fd.name glob /lib/*", "fd.name!=/dev/null", "fd.name exists",
	"fd.type=file", "fd.type=ipv4", "fd.type!=file", "fd.type in (ipv4, ipv6)",
	"evt.is_io=true", "evt.is_io_read=false", "fd.num=3", "fd.num>=3",
	"evt.failed=true and proc.name=curl", "evt.type=read or fd.type=file",
	"not (evt.dir=< and evt.rawres<0)",
}

// TestFastMatchesGeneral requires the specialised closures to decide
// every event of every bundled capture as the general evaluators do.
func TestFastMatchesGeneral(t *testing.T) {
	caps, err := filepath.Glob("../testdata/captures/*.scap*")
	if err != nil {
		t.Fatal(err)
	}
	if len(caps) == 0 {
		t.Fatal("no captures in ../testdata/captures")
	}
	if testing.Short() {
		caps = caps[:1]
	}
	for _, path := range caps {
		var fast, general []*Filter
		for _, src := range fastCases {
			n, err := Parse(src)
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			ff, err := compile(src, n, &field.Options{}, false)
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			gf, err := compile(src, n, &field.Options{}, true)
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			fast, general = append(fast, ff), append(general, gf)
		}
		mismatches := make([]int, len(fastCases))
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := scap.NewReader(fh)
		if err != nil {
			fh.Close()
			continue // captures the reader refuses are tested elsewhere
		}
		in := inspect.New(rd.Header())
		in.SetFilter(func(e *inspect.Event) bool {
			for i := range fastCases {
				if fast[i].Match(e) != general[i].Match(e) {
					mismatches[i]++
				}
			}
			return true
		})
		for {
			sev, err := rd.Next()
			if err != nil {
				if err != io.EOF {
					t.Logf("%s: %v", path, err)
				}
				break
			}
			in.Process(sev)
		}
		fh.Close()
		for i, n := range mismatches {
			if n != 0 {
				t.Errorf("%s: %q: fast and general disagree on %d events", filepath.Base(path), fastCases[i], n)
			}
		}
	}
}
