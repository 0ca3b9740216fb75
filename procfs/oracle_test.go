package procfs

import (
	"bytes"
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

// writeCapture writes h and a generic getpid enter/exit pair of thread tid
// to a new file and returns its path.
func writeCapture(t *testing.T, h *scap.Header, tid int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "snapshot.scap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := scap.NewWriter(f)
	if err := w.WriteHeader(h); err != nil {
		t.Fatal(err)
	}
	var e scap.Encoder
	ts := uint64(time.Now().UnixNano())
	e.Begin(ts, int64(tid), event.GenericE)
	e.U16(16) // PPM_SC getpid
	e.U16(39) // x86_64 getpid
	raw, err := e.Finish()
	if err == nil {
		err = w.WriteRaw(0, 0, raw)
	}
	if err != nil {
		t.Fatal(err)
	}
	e.Begin(ts+1000, int64(tid), event.GenericX)
	e.U16(16)
	if raw, err = e.Finish(); err == nil {
		err = w.WriteRaw(0, 0, raw)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func runOracle(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

// TestOracleSysdig writes a capture whose header is a live snapshot taken
// while the test process holds one fd of each kind, and checks what Debian
// sysdig 0.29.3 makes of it with the lsof and netstat chisels, and that
// tshark reads the file.
func TestOracleSysdig(t *testing.T) {
	sysdig := testutil.LookTool(t, "sysdig")
	skipIfNoProc(t)
	l := openLiveFDs(t)
	h, err := Snapshot(SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pid := os.Getpid()
	path := writeCapture(t, h, pid)

	out := runOracle(t, sysdig, "-r", path, "-c", "lsof", "proc.pid="+strconv.Itoa(pid))
	// COMMAND PID TID USER FD TYPE NAME, one line per fd of every thread;
	// keep the main thread's.
	type row struct{ typ, name string }
	rows := map[int]row{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || f[1] != strconv.Itoa(pid) || f[2] != strconv.Itoa(pid) {
			continue
		}
		fd, err := strconv.Atoi(f[4])
		if err != nil {
			continue
		}
		r := row{typ: f[5]}
		if len(f) > 6 {
			r.name = strings.Join(f[6:], " ")
		}
		rows[fd] = r
	}
	lp, cp := strconv.Itoa(int(l.listenPort)), strconv.Itoa(int(l.clientPort))
	pipe := "pipe:[" + strconv.FormatUint(l.pipeIno, 10) + "]"
	want := map[int]row{
		l.file:       {"file", l.filePath},
		l.pipeR:      {"pipe", pipe},
		l.pipeW:      {"pipe", pipe},
		l.listen:     {"ipv4", "127.0.0.1:" + lp},
		l.client:     {"ipv4", "127.0.0.1:" + cp + "->127.0.0.1:" + lp},
		l.accepted:   {"ipv4", "127.0.0.1:" + cp + "->127.0.0.1:" + lp},
		l.udp:        {"ipv4", "127.0.0.1:" + strconv.Itoa(int(l.udpPort))},
		l.pairA:      {"unix", ""},
		l.pairB:      {"unix", ""},
		l.unixListen: {"unix", l.unixPath},
		l.event:      {"event", ""},
		l.dir:        {"directory", filepath.Dir(l.filePath)},
		l.netlink:    {"netlink", ""},
		l.inotify:    {"inotify", ""},
		l.timer:      {"timerfd", ""},
		l.signal:     {"signalfd", ""},
		l.epoll:      {"eventpoll", ""},
	}
	if l.listen6 >= 0 {
		want[l.listen6] = row{"ipv6", "::1:" + strconv.Itoa(int(l.listen6Port))}
	}
	for fd, w := range want {
		if got, ok := rows[fd]; !ok || got != w {
			t.Errorf("lsof fd %d: got %+v (present %v), want %+v", fd, got, ok, w)
		}
	}
	if t.Failed() {
		t.Logf("lsof output:\n%s", out)
	}

	out = runOracle(t, sysdig, "-r", path, "-c", "netstat")
	listening := false
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && f[0] == "tcp" && f[1] == "127.0.0.1:"+lp && f[3] == "LISTEN" &&
			strings.HasPrefix(f[4], strconv.Itoa(pid)+"/"+strconv.Itoa(pid)+"/") {
			listening = true
		}
	}
	if !listening {
		t.Errorf("netstat does not show the listening socket 127.0.0.1:%s:\n%s", lp, out)
	}

	out = runOracle(t, sysdig, "-r", path, "-c", "ps")
	if !strings.Contains(out, strconv.Itoa(pid)) {
		t.Errorf("ps does not list the test process %d:\n%s", pid, out)
	}

	tshark := testutil.LookTool(t, "tshark")
	out = runOracle(t, tshark, "-r", path)
	if n := strings.Count(out, "Sysdig Event"); n != 2 {
		t.Errorf("tshark shows %d sysdig events, want 2:\n%s", n, out)
	}
}
