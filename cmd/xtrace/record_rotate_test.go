package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/internal/testutil"
)

// Rotation tests: -C, -G, -W and -e, recording and rewriting. Each file
// must be a capture sysdig reads on its own, with sysdig's names; the
// rewritten files must be byte for byte those sysdig writes.

// rotCatLoop runs cat n times: about 22 kB of capture per round.
func rotCatLoop(n int) []string {
	return []string{"/bin/sh", "-c", fmt.Sprintf("for i in $(seq %d); do cat /etc/hostname >/dev/null; done", n)}
}

// rotFiles lists the files of dir whose names match re, sorted by their
// number suffix when they have one.
func rotFiles(t *testing.T, dir, re string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := regexp.MustCompile(re)
	var out []string
	for _, e := range ents {
		if r.MatchString(e.Name()) {
			out = append(out, e.Name())
		}
	}
	num := func(s string) int {
		m := regexp.MustCompile(`(\d+)$`).FindString(s)
		n, _ := strconv.Atoi(m)
		return n
	}
	sort.Slice(out, func(i, j int) bool { return num(out[i]) < num(out[j]) })
	return out
}

// rotCheckFiles checks that each file is a complete capture: 0600, read by
// sysdig (as xtrace reads it) and by tshark, every event of the traced
// command named. It returns the events per file.
func rotCheckFiles(t *testing.T, bin, dir string, names []string) []int {
	t.Helper()
	var counts []int
	for _, n := range names {
		path := filepath.Join(dir, n)
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", n, st.Mode().Perm())
		}
		lines := recCheckCapture(t, bin, dir, path)
		if recMatchAny(lines, `<NA>`) {
			t.Errorf("%s: events without a process name:\n%s", n, strings.Join(lines[:min(5, len(lines))], "\n"))
		}
		counts = append(counts, recCountEvents(t, path))
	}
	return counts
}

// TestRecordRotateEvents: -e N starts a new file every N events, named
// base+index; as in sysdig the first file holds N-1 events. -W wraps.
func TestRecordRotateEvents(t *testing.T) {
	testutil.RequireTools(t, "sysdig", "tshark")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	r := recRun(t, dir, nil, bin, append([]string{"-e", "300", "-w", "ev.scap", "--"}, rotCatLoop(4)...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	names := rotFiles(t, dir, `^ev\.scap\d+$`)
	if len(names) < 3 {
		t.Fatalf("files %v", names)
	}
	for i, n := range names {
		if n != fmt.Sprintf("ev.scap%d", i) {
			t.Errorf("file %d is %s", i, n)
		}
	}
	counts := rotCheckFiles(t, bin, dir, names)
	for i, c := range counts {
		want := 300
		if i == 0 {
			want = 299
		}
		if i < len(counts)-1 && c != want || i == len(counts)-1 && (c < 1 || c > 300) {
			t.Errorf("%s holds %d events, want %d", names[i], c, want)
		}
	}

	// -W 2: the index wraps, two files remain.
	dir2 := t.TempDir()
	r = recRun(t, dir2, nil, bin, append([]string{"-e", "300", "-W", "2", "-w", "ev.scap", "--"}, rotCatLoop(4)...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if names := rotFiles(t, dir2, `^ev`); strings.Join(names, " ") != "ev.scap0 ev.scap1" {
		t.Errorf("-W 2 left %v", names)
	}
	rotCheckFiles(t, bin, dir2, []string{"ev.scap0", "ev.scap1"})
}

// TestRecordRotateSize: -C MB starts a new file once the current one is
// larger than MB million bytes; the index is zero-padded to the digits of
// -W, which keeps that many files.
func TestRecordRotateSize(t *testing.T) {
	testutil.RequireTools(t, "sysdig", "tshark")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	r := recRun(t, dir, nil, bin, append([]string{"-C", "1", "-W", "10", "-w", "sz.scap", "--"}, rotCatLoop(120)...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	names := rotFiles(t, dir, `^sz\.scap`)
	if len(names) < 2 {
		t.Fatalf("files %v", names)
	}
	for i, n := range names {
		if n != fmt.Sprintf("sz.scap%02d", i) {
			t.Errorf("file %d is %s", i, n)
		}
		st, _ := os.Stat(filepath.Join(dir, n))
		// A file is cut at the first event past 1 MB (what zlib has
		// written by then, 8 KiB granules): at most an event more.
		if i < len(names)-1 && (st.Size() < 1e6 || st.Size() > 1e6+8192+70000) {
			t.Errorf("%s: %d bytes", n, st.Size())
		}
	}
	rotCheckFiles(t, bin, dir, names)

	// -z: the compressed size counts (this capture stays below 1 MB
	// compressed: one file, named as the first of a series).
	dirz := t.TempDir()
	r = recRun(t, dirz, nil, bin, append([]string{"-C", "1", "-zw", "sz.scap.gz", "--"}, rotCatLoop(20)...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if namesz := rotFiles(t, dirz, `^sz`); strings.Join(namesz, " ") != "sz.scap.gz0" {
		t.Fatalf("files %v", namesz)
	}
	rotCheckFiles(t, bin, dirz, []string{"sz.scap.gz0"})
}

// TestRecordRotateTime: -G SECS starts a new file every SECS seconds; a
// '%' makes the name a strftime pattern of the rotation time, otherwise
// the index is appended.
func TestRecordRotateTime(t *testing.T) {
	testutil.RequireTools(t, "sysdig", "tshark")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	// Activity for 1.3 s: the clock starts at a whole second, so the
	// capture crosses one at least.
	cmd := []string{"/bin/sh", "-c", "for i in $(seq 13); do cat /etc/hostname >/dev/null; sleep 0.1; done"}
	dir := t.TempDir()
	start := time.Now().UTC()
	r := recRun(t, dir, []string{"TZ=UTC"}, bin, append([]string{"-G", "1", "-w", "t-%H%M%S.scap", "--"}, cmd...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	names := rotFiles(t, dir, `^t-`)
	if len(names) < 2 {
		t.Fatalf("files %v", names)
	}
	prev := ""
	for _, n := range names {
		m := regexp.MustCompile(`^t-(\d{6})\.scap$`).FindStringSubmatch(n)
		if m == nil {
			t.Fatalf("file %s", n)
		}
		at, err := time.Parse("150405", m[1])
		if err != nil {
			t.Fatal(err)
		}
		at = time.Date(start.Year(), start.Month(), start.Day(), at.Hour(), at.Minute(), at.Second(), 0, time.UTC)
		if d := at.Sub(start.Truncate(time.Second)); d < 0 || d > time.Minute {
			t.Errorf("%s is not a time of the capture (started %s)", n, start.Format("15:04:05"))
		}
		if n <= prev {
			t.Errorf("%s after %s", n, prev)
		}
		prev = n
	}
	rotCheckFiles(t, bin, dir, names)

	dir2 := t.TempDir()
	r = recRun(t, dir2, nil, bin, append([]string{"-G", "1", "-w", "t.scap", "--"}, cmd...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	names = rotFiles(t, dir2, `^t\.scap`)
	if len(names) < 2 || names[0] != "t.scap0" || names[1] != "t.scap1" {
		t.Fatalf("files %v", names)
	}
}

// TestRotateNames: the cycle's names and split points for replayed files
// are sysdig's own: xtrace -r IN -w OUT with -e, -C, -G (with and without a
// strftime name, whose first file sysdig calls first_dump.scap) and -W
// writes the same files, byte for byte, as sysdig 0.29.3; so do -M and -n.
func TestRotateNames(t *testing.T) {
	testutil.RequireTools(t, "sysdig")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.scap")
	// A capture of about 2.5 MB over more than a second.
	r := recRun(t, dir, nil, bin, "-q", "-w", in, "--", "/bin/sh", "-c",
		"for i in $(seq 110); do cat /etc/hostname >/dev/null; [ $i = 55 ] && sleep 1.1; done; true")
	if r.code != 0 {
		t.Fatalf("recording: exit %d: %s", r.code, r.stderr)
	}
	for _, c := range []struct{ name, out string }{
		{"-e 2000", "e.scap"},
		{"-e 2000 -W 3", "e.scap"},
		{"-C 1 -W 12", "c.scap"},
		{"-G 1", "g.scap"},
		{"-G 1 -W 2", "g%H%M%S.scap"},
		{"-G 1 -C 1", "gc%S-"},
		{"-M 1", "m.scap"},
		{"-n 700", "n.scap"},
		{"-M 1 -e 500", "me.scap"},
	} {
		t.Run(c.name, func(t *testing.T) {
			theirs, ours := t.TempDir(), t.TempDir()
			args := append([]string{"-r", in, "-w", c.out}, strings.Fields(c.name)...)
			if r := recRun(t, theirs, []string{"TZ=UTC"}, "sysdig", args...); r.code != 0 {
				t.Fatalf("sysdig: exit %d: %s", r.code, r.stderr)
			}
			if r := recRun(t, ours, []string{"TZ=UTC"}, bin, args...); r.code != 0 {
				t.Fatalf("xtrace: exit %d: %s", r.code, r.stderr)
			}
			a, b := rotFiles(t, theirs, "."), rotFiles(t, ours, ".")
			if strings.Join(a, " ") != strings.Join(b, " ") {
				t.Fatalf("files differ:\nsysdig: %v\nxtrace: %v", a, b)
			}
			if len(a) < 2 && !strings.HasPrefix(c.name, "-M") && !strings.HasPrefix(c.name, "-n") {
				t.Errorf("no rotation: %v", a)
			}
			for _, n := range a {
				x, _ := os.ReadFile(filepath.Join(theirs, n))
				y, _ := os.ReadFile(filepath.Join(ours, n))
				if !bytes.Equal(x, y) {
					t.Errorf("%s: %d bytes differ from sysdig's %d", n, len(y), len(x))
				}
			}
		})
	}
}

// TestProgress: on a terminal the progress line is redrawn in place and
// ends with a newline; -q silences it, and a stderr that is not a terminal
// gets none unless -P asks for it.
func TestProgress(t *testing.T) {
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	run := func(tty bool, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		var buf bytes.Buffer
		var master *os.File
		if tty {
			var slave *os.File
			master, slave = openPTY(t)
			defer master.Close()
			cmd.Stderr = slave
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			slave.Close()
			done := make(chan struct{})
			go func() { io.Copy(&buf, master); close(done) }()
			cmd.Wait()
			<-done
		} else {
			cmd.Stderr = &buf
			cmd.Run()
		}
		return buf.String()
	}
	cmd := []string{"--", "/bin/sh", "-c", "for i in 1 2 3 4 5 6; do cat /etc/hostname >/dev/null; sleep 0.1; done"}
	out := run(true, append([]string{"-w", "p.scap"}, cmd...)...)
	out = strings.ReplaceAll(out, "\r\n", "\n") // the terminal's newline
	re := regexp.MustCompile(`\r(\d+) events, [0-9.]+ (?:bytes|kB|MB), ([0-9.]+) s *`)
	m := re.FindAllStringSubmatch(out, -1)
	if len(m) < 2 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("progress output %q", out)
	}
	last, _ := strconv.Atoi(m[len(m)-1][1])
	if want := recCountEvents(t, filepath.Join(dir, "p.scap")); last != want {
		t.Errorf("final line says %d events, the file has %d", last, want)
	}
	secs, _ := strconv.ParseFloat(m[len(m)-1][2], 64)
	if secs < 0.5 {
		t.Errorf("elapsed %v s", secs)
	}
	// At most four redraws a second of the elapsed time (which a loaded
	// machine stretches), and the final one.
	if n := len(m); n > 4*(int(secs)+1)+2 {
		t.Errorf("%d redraws in %.1f s", n, secs)
	}
	if out := run(true, append([]string{"-q", "-w", "p.scap"}, cmd...)...); out != "" {
		t.Errorf("-q: %q", out)
	}
	if out := run(false, append([]string{"-w", "p.scap"}, cmd...)...); out != "" {
		t.Errorf("not a terminal: %q", out)
	}
	if out := run(false, append([]string{"-P", "-w", "p.scap"}, cmd...)...); !re.MatchString(out) || !strings.HasSuffix(out, "\n") {
		t.Errorf("-P: %q", out)
	}
}

// openPTY returns a pseudo-terminal pair.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		testutil.SkipOrFail(t, fmt.Sprintf("no pseudo-terminals: %v", err))
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}
