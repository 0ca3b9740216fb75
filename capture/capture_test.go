package capture

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"xtrace/event"
	"xtrace/scap"

	"xtrace/internal/testutil"
)

// TestCycleNames follows sysdig's cycle writer through a few event
// sequences (ts in seconds, offset in bytes).
func TestCycleNames(t *testing.T) {
	type ev struct {
		sec    int64
		offset int64
	}
	evs := func(n int, sec0, step int64) []ev {
		var out []ev
		for i := 0; i < n; i++ {
			out = append(out, ev{sec: sec0 + int64(i)*step})
		}
		return out
	}
	at := time.Date(2024, 3, 5, 7, 8, 9, 0, time.UTC)
	cases := []struct {
		name   string
		base   string
		rot    Rotation
		live   bool
		events []ev
		want   []string // first name, then the name of each rotation
	}{
		{"events", "f", Rotation{Events: 3}, false, evs(7, 100, 0), []string{"f0", "f1", "f2"}},
		{"events wrap", "f", Rotation{Events: 2, Limit: 2}, false, evs(6, 100, 0), []string{"f0", "f1", "f0", "f1"}},
		{"size", "f", Rotation{FileMB: 1}, false, []ev{{1, 0}, {1, 1e6}, {1, 1e6 + 1}, {1, 10}, {1, 2e6}}, []string{"f0", "f1", "f2"}},
		{"size limit pads", "f", Rotation{FileMB: 1, Limit: 100}, false, []ev{{1, 2e6}, {1, 2e6}}, []string{"f000", "f001", "f002"}},
		{"time", "f", Rotation{Seconds: 2}, false, evs(6, 100, 1), []string{"f0", "f1", "f2"}},
		{"time strftime replay", "f-%H%M%S", Rotation{Seconds: 2}, false, evs(4, at.Unix(), 1), []string{"first_dump.scap", "f-070811"}},
		{"time strftime live", "f-%H%M%S", Rotation{Seconds: 2}, true, evs(3, at.Unix(), 1), []string{"f-070809", "f-070811"}},
		{"time and size", "f", Rotation{Seconds: 1, FileMB: 1}, false, []ev{{5, 0}, {6, 0}, {6, 2e6}}, []string{"f00", "f11", "f22"}},
		{"limit only", "f", Rotation{Limit: 3}, false, evs(5, 1, 100), []string{"f"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cy := NewCycle(c.base, c.rot, c.live, at)
			got := []string{cy.Name()}
			for _, e := range c.events {
				if cy.Consider(uint64(e.sec)*1e9, e.offset) {
					got = append(got, cy.Name())
				}
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("names %v, want %v", got, c.want)
			}
		})
	}
}

// TestCycleRemove: -G -W with strftime names removes the file whose slot
// a new one takes.
func TestCycleRemove(t *testing.T) {
	cy := NewCycle("x%S", Rotation{Seconds: 1, Limit: 2}, true, time.Unix(10, 0))
	var removed []string
	for sec := int64(10); sec <= 14; sec++ {
		if cy.Consider(uint64(sec)*1e9, 0) && cy.Remove() != "" {
			removed = append(removed, cy.Remove())
		}
	}
	if strings.Join(removed, " ") != "x10 x11 x12" {
		t.Errorf("removed %v", removed)
	}
}

// TestCycleSlowStart: live, the clock starts at setup; a first event a
// whole period later stays in the first file (sysdig would leave that
// file without events, which no reader takes), the next period rotates.
func TestCycleSlowStart(t *testing.T) {
	cy := NewCycle("x%S", Rotation{Seconds: 1}, true, time.Unix(10, 0))
	got := []string{cy.Name()}
	for _, sec := range []int64{12, 12, 13, 15} {
		if cy.Consider(uint64(sec)*1e9, 0) {
			got = append(got, cy.Name())
		}
	}
	if strings.Join(got, " ") != "x10 x13 x15" {
		t.Errorf("files %v, want x10 x13 x15", got)
	}
}

// TestStrftime compares with GNU date, which formats with the C library's
// strftime.
func TestStrftime(t *testing.T) {
	if _, err := exec.LookPath("date"); err != nil {
		testutil.SkipOrFail(t, "date not installed")
	}
	formats := []string{"%Y-%m-%d %H:%M:%S", "%a %A %b %B %h", "%c|%x|%X|%D|%F|%T|%R|%r",
		"%C %y %G %g %V %U %W %j %u %w", "%e|%k|%l|%I|%p|%P", "%s %z %Z %%", "%-d %_m %0e %-H",
		"%Ey %OH %Q", "trail%"}
	for _, ts := range []int64{0, 1700000000, 1709622489, 951782400, 1230681600} {
		tm := time.Unix(ts, 0).UTC()
		for _, f := range formats {
			out, err := exec.Command("date", "-u", "-d", "@"+strconv.FormatInt(ts, 10), "+"+f).Output()
			if err != nil {
				t.Fatal(err)
			}
			want := strings.TrimSuffix(string(out), "\n")
			if got := Strftime(f, tm); got != want {
				t.Errorf("Strftime(%q, %d) = %q, date says %q", f, ts, got, want)
			}
		}
	}
}

// zlibProbe writes the sizes it reads on stdin (one per line) through a
// gzFile opened "wbT", as sysdig writes plain captures, and prints
// gzoffset after each write.
const zlibProbe = `#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>
int main(int argc, char **argv) {
	gzFile f = gzopen(argv[1], "wbT");
	static char buf[70000];
	unsigned n;
	while (scanf("%u", &n) == 1) {
		if (n && gzwrite(f, buf, n) != (int)n) return 1;
		printf("%lld\n", (long long)gzoffset(f));
	}
	gzclose(f);
	return 0;
}
`

// TestZlibOffset checks the model of gzoffset against zlib itself.
func TestZlibOffset(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		testutil.SkipOrFail(t, "gcc not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "probe.c")
	os.WriteFile(src, []byte(zlibProbe), 0o644)
	probe := filepath.Join(dir, "probe")
	if out, err := exec.Command("gcc", "-o", probe, src, "-lz").CombinedOutput(); err != nil {
		testutil.SkipOrFail(t, fmt.Sprintf("cannot build with zlib: %v: %s", err, out))
	}
	rng := rand.New(rand.NewSource(1))
	var sizes []int
	for i := 0; i < 5000; i++ {
		switch rng.Intn(20) {
		case 0:
			sizes = append(sizes, 8192+rng.Intn(60000))
		case 1:
			sizes = append(sizes, 8192-rng.Intn(3))
		case 2:
			sizes = append(sizes, 0)
		default:
			sizes = append(sizes, 1+rng.Intn(300))
		}
	}
	var in bytes.Buffer
	for _, n := range sizes {
		fmt.Fprintln(&in, n)
	}
	cmd := exec.Command(probe, filepath.Join(dir, "out"))
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Fields(string(out))
	var z zlibOffset
	for i, n := range sizes {
		if n >= zlibBuf {
			z.big(int64(n))
		} else {
			z.small(int64(n))
		}
		if strconv.FormatInt(z.off, 10) != want[i] {
			t.Fatalf("after write %d (%d bytes): model %d, zlib %s", i, n, z.off, want[i])
		}
	}
}

// TestWriterRotates: a Writer with -e writes complete captures, each with
// the header NextHeader gives, and Stats adds them up.
func TestWriterRotates(t *testing.T) {
	dir := t.TempDir()
	headers := 0
	w, err := Open(Options{Path: filepath.Join(dir, "w.scap"), Rotation: Rotation{Events: 10},
		NextHeader: func() (*scap.Header, error) { headers++; return &scap.Header{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(&scap.Header{}); err != nil {
		t.Fatal(err)
	}
	var enc scap.Encoder
	for i := 0; i < 25; i++ {
		enc.Begin(uint64(i+1)*1e9, 1, event.GenericX)
		enc.U16(0)
		raw, err := enc.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(0, 0, raw); err != nil {
			t.Fatal(err)
		}
		w.Commit()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	names := w.Names()
	if len(names) != 3 || headers != 2 {
		t.Fatalf("files %v, %d headers", names, headers)
	}
	if s := w.Stats(); s.Events != 25 || s.Files != 3 {
		t.Errorf("stats %+v", s)
	}
	var total int64
	for i, n := range names {
		st, _ := os.Stat(n)
		total += st.Size()
		want := []int{9, 10, 6}[i]
		if got := events(t, n); got != want {
			t.Errorf("%s: %d events, want %d", n, got, want)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", n, st.Mode().Perm())
		}
	}
	if s := w.Stats(); s.Bytes != total {
		t.Errorf("stats say %d bytes, the files hold %d", s.Bytes, total)
	}
}
