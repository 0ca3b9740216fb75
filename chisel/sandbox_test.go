package chisel

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	chiselsjs "xtrace/chisels-js"
	"xtrace/internal/testutil"
)

// runWith runs the chisel name over n synthetic events with opts (Out is
// set here) and returns its output.
func runWith(t *testing.T, reg *Registry, opts Options, n int, name string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	opts.Out = &out
	s := NewSession(reg, opts)
	defer s.Close()
	if err := s.Add(name, ""); err != nil {
		return out.String(), err
	}
	in, evs := syntheticEvents(n)
	if err := s.CaptureStart(in); err != nil {
		return out.String(), err
	}
	for _, sev := range evs {
		if _, err := s.Event(in.Process(sev)); err != nil {
			return out.String(), err
		}
	}
	err := s.End()
	return out.String(), err
}

// TestChiselPerms: runApp, the fs module and UDP fail with an error
// naming the chisel and the --chisel-allow value they need, and work once
// it is given.
func TestChiselPerms(t *testing.T) {
	dir := t.TempDir()
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	port := udp.LocalAddr().(*net.UDPAddr).Port
	file := filepath.Join(dir, "out", "x.txt")
	cases := []struct {
		name, body string
		perm       Perm
		want       string // the error without the permission
		done       func() bool
	}{
		{"runapp", `sysdig.runApp("-r x.scap");`, PermExec, "chisel runapp: sysdig.runApp needs --chisel-allow=exec", nil},
		{"mkdir", `require("fs").mkdir(` + jsString(filepath.Dir(file)) + `);`, PermFS, "chisel mkdir: fs.mkdir needs --chisel-allow=fs",
			func() bool { _, err := os.Stat(filepath.Dir(file)); return err == nil }},
		{"open", `require("fs").mkdir(` + jsString(filepath.Dir(file)) + `); require("fs").open(` + jsString(file) + `).write("hi");`, PermFS, "chisel open: fs.mkdir needs --chisel-allow=fs",
			func() bool { b, _ := os.ReadFile(file); return string(b) == "hi" }},
		{"udp", `sysdig.udpSetPeerName("127.0.0.1", ` + strconv.Itoa(port) + `); sysdig.udpSend("hello");`, PermNet, "chisel udp: sysdig.udpSetPeerName needs --chisel-allow=net", nil},
	}
	user := map[string]string{}
	for _, c := range cases {
		user[c.name] = `module.exports = { description: "d", onCaptureEnd() { ` + c.body + ` } };`
	}
	reg, _ := testRegistry(t, user)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.RemoveAll(filepath.Dir(file))
			_, err := runWith(t, reg, Options{Allow: (PermExec | PermFS | PermNet) &^ c.perm}, 1, c.name)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("without %v: error %v, want %q", c.perm, err, c.want)
			}
			if c.done != nil && c.done() {
				t.Fatalf("without %v: the side effect happened", c.perm)
			}
			if _, err := runWith(t, reg, Options{Allow: c.perm}, 1, c.name); err != nil {
				t.Fatalf("with %v: %v", c.perm, err)
			}
			if c.done != nil && !c.done() {
				t.Fatalf("with %v: no side effect", c.perm)
			}
		})
	}
	buf := make([]byte, 16)
	udp.SetReadDeadline(time.Now().Add(10 * time.Second)) // hang guard only
	if n, _, err := udp.ReadFrom(buf); err != nil || string(buf[:n]) != "hello" {
		t.Errorf("UDP peer got %q, %v", buf[:n], err)
	}
	for _, c := range []struct {
		in   string
		want Perm
		err  string
	}{
		{"", 0, ""}, {"exec,fs,net", PermExec | PermFS | PermNet, ""}, {" fs ", PermFS, ""},
		{"fs,disk", 0, `chisel: unknown permission "disk" (want exec, fs or net)`},
	} {
		p, err := ParsePerm(c.in)
		if p != c.want || (err == nil) != (c.err == "") || err != nil && err.Error() != c.err {
			t.Errorf("ParsePerm(%q) = %v, %v; want %v, %q", c.in, p, err, c.want, c.err)
		}
	}
}

func jsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// TestBuiltinOverrideTrust: a user chisel or module takes the place of a
// built-in only when it and its folder belong to the caller and nobody
// else may write them; otherwise the built-in runs and Warn says why.
// Chisels that do not clash with a built-in run from any folder.
func TestBuiltinOverrideTrust(t *testing.T) {
	const mine = `module.exports = { description: "mine", onCaptureEnd() { print("user topscalls"); } };`
	const other = `module.exports = { description: "other", onCaptureEnd() { print("other ran"); } };`
	const common = `module.exports = { extendString() { return "user common"; } };`
	cases := []struct {
		name     string
		prepare  func(t *testing.T, dir string)
		override bool
		why      string
	}{
		{"own folder", func(*testing.T, string) {}, true, ""},
		{"world-writable folder", func(t *testing.T, dir string) { os.Chmod(dir, 0o777) }, false, "is writable by group or others (mode -rwxrwxrwx)"},
		{"group-writable file", func(t *testing.T, dir string) { os.Chmod(filepath.Join(dir, "topscalls.js"), 0o664) }, false, "is writable by group or others (mode -rw-rw-r--)"},
		{"folder of another user", func(t *testing.T, dir string) {
			if os.Geteuid() != 0 {
				testutil.SkipOrFail(t, "giving a folder to another user needs root")
			}
			os.Chown(dir, 4242, 4242)
		}, false, "belongs to uid 4242, not 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			os.Chmod(dir, 0o755)
			for name, src := range map[string]string{"topscalls": mine, "other": other, "common": common} {
				os.WriteFile(filepath.Join(dir, name+".js"), []byte(src), 0o644)
			}
			c.prepare(t, dir)
			var warns []string
			reg := NewRegistry(Search{Dirs: []string{dir}, UID: os.Geteuid(), Warn: func(m string) { warns = append(warns, m) }})
			reg.builtin = chiselsjs.FS
			out, err := runWith(t, reg, Options{}, 3, "topscalls")
			if err != nil {
				t.Fatal(err)
			}
			if got := out == "user topscalls\n"; got != c.override {
				t.Fatalf("output %q: user chisel used %v, want %v", out, got, c.override)
			}
			if c.override {
				if len(warns) != 0 {
					t.Errorf("warnings %q", warns)
				}
			} else if len(warns) == 0 || !strings.Contains(warns[0], "chisel: using the built-in chisel topscalls, not "+filepath.Join(dir, "topscalls.js")+": ") || !strings.Contains(warns[0], c.why) {
				t.Errorf("warnings %q, want one saying %q", warns, c.why)
			}
			// The built-in topscalls requires common: the user module
			// replaces it under the same rule.
			if !c.override && strings.Contains(out, "user common") {
				t.Errorf("user common module used: %q", out)
			}
			if out, err := runWith(t, reg, Options{}, 1, "other"); err != nil || out != "other ran\n" {
				t.Errorf("chisel with a name of its own: %q, %v", out, err)
			}
		})
	}
}

// TestChiselMemoryCap: a chisel whose onEvent keeps what it allocates is
// interrupted once the heap has grown by more than the cap, with an error
// naming the chisel, the callback and the flag.
func TestChiselMemoryCap(t *testing.T) {
	const hog = `const keep = [];
module.exports = { description: "d", onEvent() { for (let i = 0; i < 2000; i++) keep.push("x".repeat(100) + i); } };`
	reg, _ := testRegistry(t, map[string]string{"hog": hog})
	var out bytes.Buffer
	s := NewSession(reg, Options{Out: &out})
	defer s.Close()
	if err := s.Add("hog", ""); err != nil {
		t.Fatal(err)
	}
	const limit = 32 << 20
	stop := s.WatchMemory(limit)
	defer stop()
	in, evs := syntheticEvents(1)
	if err := s.CaptureStart(in); err != nil {
		t.Fatal(err)
	}
	// Each event keeps about 300 KB: without the cap, 4000 events would
	// hold over 1 GB.
	for i := 0; i < 4000; i++ {
		_, err := s.Event(in.Process(evs[0]))
		if err == nil {
			continue
		}
		if want := "hog.js: onEvent (event "; !strings.Contains(err.Error(), want) ||
			!strings.Contains(err.Error(), "chisel hog exceeded the memory limit of 32 MiB (--chisel-mem)") {
			t.Fatalf("error %v", err)
		}
		return
	}
	t.Fatal("the chisel was not stopped")
}
