package inspect_test

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"xtrace/event"
	"xtrace/inspect"
	"xtrace/internal/capturetest"
	"xtrace/internal/testutil"
	"xtrace/scap"
)

// openCapture returns a reader and an inspector for a test capture.
func openCapture(t testing.TB, path string) (*scap.Reader, *inspect.Inspector, func()) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := scap.NewReader(f)
	if err != nil {
		f.Close()
		t.Fatal(err)
	}
	return rd, inspect.New(rd.Header()), func() { f.Close() }
}

func orNA(ok bool, s string) string {
	if !ok {
		return "<NA>"
	}
	return s
}

func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return -1
		}
		return r
	}, s)
}

// stateLine renders, from the inspector's state, the fields that
// testdata/state/regen.sh asks sysdig for.
func stateLine(e *inspect.Event) string {
	t := e.Thread
	f := []string{strconv.FormatUint(e.Num, 10), strconv.FormatInt(e.TID, 10)}
	if t == nil {
		f = append(f, "<NA>", "<NA>", "<NA>", "<NA>", "<NA>", "<NA>", "<NA>", "<NA>")
	} else {
		ppid := t.PTID
		if !t.IsMain() {
			if m := t.Main(); m != nil {
				ppid = m.PTID
			}
		}
		f = append(f, strconv.FormatInt(t.PID, 10), strconv.FormatInt(ppid, 10), t.Comm, t.Exe, t.ExePath, t.Cwd(),
			orNA(t.VTID != -1, strconv.FormatInt(t.VTID, 10)), orNA(t.VPID != -1, strconv.FormatInt(t.VPID, 10)))
	}
	internal := e.Info.Category&event.CatInternal != 0
	f = append(f, orNA(!internal, strconv.FormatUint(e.Latency(), 10)))
	num, fd, ok := e.FDInfo()
	f = append(f, orNA(ok, strconv.FormatInt(num, 10)))
	if fd == nil {
		f = append(f, "<NA>", "<NA>", "<NA>")
	} else {
		l4 := map[uint8]string{inspect.L4TCP: "tcp", inspect.L4UDP: "udp", inspect.L4ICMP: "icmp", inspect.L4Raw: "raw"}[fd.Proto()]
		f = append(f, fd.TypeString(), printable(fd.Name), orNA(l4 != "", l4))
	}
	if t == nil {
		f = append(f, "<NA>", "<NA>", "<NA>")
	} else {
		f = append(f, strconv.FormatUint(uint64(t.UID), 10), strconv.FormatUint(uint64(t.GID), 10), strconv.FormatUint(t.NumChildren(), 10))
	}
	return strings.Join(f, "|")
}

// TestStateFields checks the thread and fd state behind every printed
// event of the captures against what sysdig printed for the same fields
// (testdata/state). Columns that depend on field logic rather than state
// are relaxed: fd.name of events without an fd (sysdig derives it from
// the event's parameters) and the upper half of group.gid (sysdig reads
// struct padding there).
func TestStateFields(t *testing.T) {
	files, _ := filepath.Glob("testdata/state/*.txt.gz")
	if len(files) == 0 {
		t.Fatal("no state goldens")
	}
	for _, wf := range files {
		name := strings.TrimSuffix(filepath.Base(wf), ".txt.gz")
		t.Run(name, func(t *testing.T) {
			want := readGz(t, wf)
			var got []string
			capturetest.Replay(t, capturetest.Open(t, "../testdata/captures/"+name), nil, func(_ *scap.Event, ev *inspect.Event) bool {
				if !ev.Hidden() {
					got = append(got, stateLine(ev))
				}
				return true
			})
			if len(got) != len(want) {
				t.Fatalf("got %d events, want %d", len(got), len(want))
			}
			bad := 0
			for i := range got {
				g, w := strings.Split(got[i], "|"), strings.Split(want[i], "|")
				if len(g) == len(w) {
					if g[12] == "<NA>" {
						w[13] = "<NA>"
					}
					if g[13] == "" && strings.Contains(w[13], "->") {
						w[13] = "" // failed connect: sysdig shows the tuple param
					}
					if n, err := strconv.ParseUint(w[16], 10, 64); err == nil {
						w[16] = strconv.FormatUint(n&0xffffffff, 10)
					}
				}
				if gs, ws := strings.Join(g, "|"), strings.Join(w, "|"); gs != ws {
					if bad < 5 {
						t.Errorf("\n got %s\nwant %s", gs, ws)
					}
					bad++
				}
			}
		})
	}
}

func readGz(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
}

// lsofRows lists the thread table the way the lsof chisel prints it
// (without the header, trailing spaces trimmed).
func lsofRows(in *inspect.Inspector) []string {
	var rows []string
	in.Threads(func(th *inspect.Thread) bool {
		user := "<NA>"
		if u := in.User(th.UID); u != nil {
			user = u.Name
		}
		th.FDs().Each(func(fd *inspect.FD) {
			row := extend(th.Comm, 20) + extend(fmt.Sprint(th.PID), 8) + extend(fmt.Sprint(th.TID), 8) +
				extend(user, 8) + extend(fmt.Sprint(fd.Num), 8) + extend(fd.TypeString(), 12) + printable(fd.Name)
			rows = append(rows, strings.TrimRight(row, " "))
		})
		return true
	})
	return rows
}

func extend(s string, n int) string {
	if len(s) < n {
		return s + strings.Repeat(" ", n-len(s))
	}
	return s[:n-1] + " "
}

// TestLsofSnapshots rebuilds the rows of sysdig's lsof chisel from the
// thread table at the event where the chisel takes its snapshot (the
// first delivered one, or the first matching evt.num=N, with the filter
// evaluated inside the engine) and compares them, as a set, with the
// lsof goldens.
func TestLsofSnapshots(t *testing.T) {
	files, _ := filepath.Glob("../testdata/golden/*/lsof*.txt")
	for _, wf := range files {
		dir := filepath.Dir(wf)
		name := filepath.Base(dir)
		cmds, _ := os.ReadFile(filepath.Join(dir, "commands.txt"))
		var num uint64
		usable := false
		for _, l := range strings.Split(string(cmds), "\n") {
			if !strings.HasPrefix(l, filepath.Base(wf)+":") {
				continue
			}
			if i := strings.Index(l, "'' evt.num="); i >= 0 {
				fmt.Sscan(l[i+len("'' evt.num="):], &num)
				usable = true
			} else {
				usable = strings.HasSuffix(l, "-c lsof")
			}
		}
		if !usable {
			continue
		}
		t.Run(name+"/"+filepath.Base(wf), func(t *testing.T) {
			capture := "../testdata/captures/" + name
			if !strings.HasSuffix(name, ".z") {
				capture += ".scap"
			}
			rd, in, done := openCapture(t, capture)
			defer done()
			if num > 0 {
				in.SetFilter(func(e *inspect.Event) bool { return e.Num == num })
			}
			for {
				sev, err := rd.Next()
				if err != nil {
					break
				}
				if in.Process(sev).Delivered() {
					break
				}
			}
			rows := lsofRows(in)
			wantb, _ := os.ReadFile(wf)
			want := testutil.TrimLines(wantb)
			if len(want) > 0 {
				want = want[1:]
			}
			sort.Strings(rows)
			sort.Strings(want)
			if strings.Join(rows, "\n") != strings.Join(want, "\n") {
				t.Errorf("lsof rows differ: got %d, want %d", len(rows), len(want))
			}
		})
	}
}
