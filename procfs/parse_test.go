package procfs

import (
	"bytes"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"

	"xtrace/scap"
)

func TestParseStatus(t *testing.T) {
	b, err := os.ReadFile("testdata/proc/4242/status")
	if err != nil {
		t.Fatal(err)
	}
	var st status
	parseStatus(b, &st)
	want := status{
		name: []byte("demo"), fullName: []byte("demo worker"), tgid: 4242, hasTgid: true, ppid: 4200, hasPPid: true,
		euid: 1001, fsuid: 1003, hasUid: true, egid: 101, fsgid: 103, hasGid: true,
		groups: []uint32{4, 24, 27}, vmSize: 9876, vmRSS: 1908, vmSwap: 12,
		nsPidN: 2, nsPid2: 17, nsPidLast: 17,
		nsTgidN: 2, nsTgid2: 17, nsTgidLast: 17,
		nsPgidN: 2, nsPgid2: 15, nsPgidLast: 15,
	}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("parseStatus:\n got %+v\nwant %+v", st, want)
	}

	// Reuse keeps no state from the previous text.
	parseStatus([]byte("Name:\tx\nNSpid:\t9\t8\t7\nCapEff:\t000001ffffffffff\n"), &st)
	if string(st.name) != "x" || st.hasTgid || len(st.groups) != 0 || st.nsPidN != 3 || st.nsPid2 != 8 || st.nsPidLast != 7 || st.capEff != 0x1ffffffffff {
		t.Errorf("parseStatus after reuse: %+v", st)
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want statFields
	}{
		{
			name: "plain",
			in:   "4242 (demo) S 4200 4240 4100 34817 4240 4194560 731 12 3 0 1 2 0 0 20 0 2 0 100 10113024 477 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0\n",
			want: statFields{state: 'S', ppid: 4200, pgrp: 4240, session: 4100, ttyNr: 34817, minFlt: 731, majFlt: 3, processor: 1, ok: true},
		},
		{
			name: "comm with blanks and parentheses",
			in:   "7 (a) b (c)) R 1 7 7 0 -1 0 5 0 6 0 0 0 0 0 20 0 1 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 -1 0 0\n",
			want: statFields{state: 'R', ppid: 1, pgrp: 7, session: 7, minFlt: 5, majFlt: 6, processor: 0, ok: true},
		},
		{
			name: "cut short",
			in:   "7 (a) R 1 7 7 0",
			want: statFields{state: 'R', ppid: 1, pgrp: 7, session: 7, processor: -1},
		},
		{name: "no comm", in: "garbage", want: statFields{processor: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sf statFields
			parseStat([]byte(tt.in), &sf)
			if sf != tt.want {
				t.Errorf("got %+v, want %+v", sf, tt.want)
			}
		})
	}
}

func TestAppendCgroups(t *testing.T) {
	v1 := "12:cpu,cpuacct:/user.slice/demo\n11:name=systemd:/user.slice/s:1.scope\n1:pids:/\n0::/init.scope\n"
	tests := []struct {
		name    string
		in      string
		version int
		want    string
	}{
		{
			name: "v1 only", in: v1, version: 1,
			want: "cpu=/user.slice/demo|cpuacct=/user.slice/demo|name=systemd=/user.slice/s:1.scope|pids=/|",
		},
		{
			name: "hybrid with cgroup2 mounted", in: v1, version: 2,
			want: "cpu=/user.slice/demo|cpuacct=/user.slice/demo|name=systemd=/user.slice/s:1.scope|pids=/|cpu=/init.scope|memory=/init.scope|cpuset=/init.scope|",
		},
		{
			name: "v2", in: "0::/user.slice/user-1000.slice/session-2.scope\n", version: 2,
			want: "cpu=/user.slice/user-1000.slice/session-2.scope|memory=/user.slice/user-1000.slice/session-2.scope|cpuset=/user.slice/user-1000.slice/session-2.scope|",
		},
		{
			// scap splits the v2 path at ':' (strtok).
			name: "v2 path with colon", in: "0::/a:b\n", version: 2,
			want: "cpu=/a|memory=/a|cpuset=/a|",
		},
		{name: "empty controller list on v1 skipped", in: "3::/x\n4:blkio:/y\n", version: 1, want: "blkio=/y|"},
		{name: "missing path stops", in: "4:blkio:/y\n5:cpu\n6:pids:/z\n", version: 1, want: "blkio=/y|"},
		{name: "no newline at end", in: "4:blkio:/y", version: 1, want: "blkio=/y|"},
		{name: "empty", in: "", version: 2, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.ReplaceAll(string(appendCgroups(nil, []byte(tt.in), tt.version)), "\x00", "|")
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}

	t.Run("4096-byte limit", func(t *testing.T) {
		long := "/" + strings.Repeat("p", 1500)
		in := "1:a,b,c,d:" + long + "\n"
		got := appendCgroups(nil, []byte(in), 1)
		if n := bytes.Count(got, []byte{0}); n != 2 || len(got) > maxCgroupsLen {
			t.Errorf("got %d entries in %d bytes, want 2 within %d", n, len(got), maxCgroupsLen)
		}
	})
}

func TestCgroupVersion(t *testing.T) {
	tests := map[string]int{
		"nodev\tcgroup\nnodev\tcgroup2\n": 2,
		"nodev\tcgroup\n":                 1,
		"nodev\tproc\n":                   0,
	}
	for in, want := range tests {
		if got := cgroupVersionOf([]byte(in)); got != want {
			t.Errorf("cgroupVersionOf(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestParseFdinfo(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantFlags uint32
		wantMnt   uint32
	}{
		// O_WRONLY|O_APPEND|O_CLOEXEC|O_LARGEFILE: no PPM O_LARGEFILE.
		{"wronly append", "pos:\t0\nflags:\t02102001\nmnt_id:\t27\nino:\t5\n", 2 | 8 | 0x1000, 27},
		{"rdonly", "pos:\t0\nflags:\t0100000\nmnt_id:\t1\n", 1, 1},
		{"rdwr creat excl trunc nonblock", "flags:\t05302\n", 3 | 4 | 0x20 | 0x100 | 0x40, 0},
		// O_DSYNC alone also sets PPM O_SYNC (any-bit test of O_SYNC).
		{"dsync", "flags:\t010000\n", 1 | 0x10 | 0x80, 0},
		{"sync", "flags:\t04010002\n", 3 | 0x10 | 0x80, 0},
		// O_DIRECTORY alone also sets PPM O_TMPFILE (any-bit test).
		{"directory", "flags:\t0200000\n", 1 | 0x400 | 0x2000, 0},
		{"direct", "flags:\t040000\n", 1 | 0x200, 0},
		{"no flags line", "pos:\t0\n", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, m := parseFdinfo([]byte(tt.in))
			if f != tt.wantFlags || m != tt.wantMnt {
				t.Errorf("got flags %#x mnt %d, want %#x %d", f, m, tt.wantFlags, tt.wantMnt)
			}
		})
	}
}

func TestParseMountinfo(t *testing.T) {
	m := map[uint32]uint32{}
	parseMountinfo([]byte("22 27 0:21 / /proc rw - proc proc rw\n31 27 8:300 / /data rw - ext4 /dev/sdx rw\nbad line\n"), m)
	want := map[uint32]uint32{22: 21, 31: EncodeDev(8, 300)}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got %v, want %v", m, want)
	}
	if got := EncodeDev(8, 300); got != 0x10082c {
		t.Errorf("EncodeDev(8, 300) = %#x, want 0x10082c", got)
	}
	if got := EncodeDev(259, 1); got != 0x10301 {
		t.Errorf("EncodeDev(259, 1) = %#x, want 0x10301", got)
	}
}

// sock is a parsed table row as the tests compare it.
type sock struct {
	ino  uint64
	fd   scap.FD
	name string
}

func collect(t *testing.T, parse func(fn func(uint64, *sockEntry) bool) bool) []sock {
	t.Helper()
	var out []sock
	parse(func(ino uint64, e *sockEntry) bool {
		var fd scap.FD
		e.fill(&fd)
		out = append(out, sock{ino: ino, fd: fd})
		return true
	})
	return out
}

func ip(s string) []byte { return netip.MustParseAddr(s).AsSlice() }

func TestParseInetTables(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/proc/4242/net/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		file string
		v6   bool
		l4   uint8
		want []sock
	}{
		{"tcp", false, L4TCP, []sock{
			{ino: 1001, fd: scap.FD{Type: scap.FDIPv4Serv, SIP: ip("127.0.0.1"), SPort: 8080, L4Proto: L4TCP}},
			{ino: 1002, fd: scap.FD{Type: scap.FDIPv4Sock, SIP: ip("127.0.0.1"), SPort: 54321, DIP: ip("127.0.0.1"), DPort: 8080, L4Proto: L4TCP}},
			{ino: 1003, fd: scap.FD{Type: scap.FDIPv4Sock, SIP: ip("10.0.2.2"), SPort: 22, DIP: ip("10.0.2.1"), DPort: 50000, L4Proto: L4TCP}},
			{ino: 0, fd: scap.FD{Type: scap.FDIPv4Sock, SIP: ip("127.0.0.1"), SPort: 54322, DIP: ip("127.0.0.1"), DPort: 8080, L4Proto: L4TCP}},
		}},
		{"udp", false, L4UDP, []sock{
			{ino: 1101, fd: scap.FD{Type: scap.FDIPv4Serv, SIP: ip("0.0.0.0"), SPort: 68, L4Proto: L4UDP}},
			{ino: 1102, fd: scap.FD{Type: scap.FDIPv4Sock, SIP: ip("127.0.0.1"), SPort: 40960, DIP: ip("127.0.0.1"), DPort: 53, L4Proto: L4UDP}},
		}},
		{"raw", false, L4Raw, []sock{
			{ino: 1201, fd: scap.FD{Type: scap.FDIPv4Serv, SIP: ip("0.0.0.0"), SPort: 1, L4Proto: L4Raw}},
		}},
		{"tcp6", true, L4TCP, []sock{
			{ino: 1301, fd: scap.FD{Type: scap.FDIPv6Serv, SIP: ip("::1"), SPort: 8081, L4Proto: L4TCP}},
			{ino: 1302, fd: scap.FD{Type: scap.FDIPv6Sock, SIP: ip("::ffff:127.0.0.1"), SPort: 8082, DIP: ip("::ffff:127.0.0.1"), DPort: 49152, L4Proto: L4TCP}},
			{ino: 1303, fd: scap.FD{Type: scap.FDIPv6Sock, SIP: ip("fe80::fc:ff:fe00:1"), SPort: 22, DIP: ip("fe80::fc:ff:fe00:2"), DPort: 57344, L4Proto: L4TCP}},
		}},
		{"udp6", true, L4UDP, []sock{
			{ino: 1401, fd: scap.FD{Type: scap.FDIPv6Serv, SIP: ip("::"), SPort: 546, L4Proto: L4UDP}},
		}},
		{"raw6", true, L4Raw, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := read(tt.file)
			got := collect(t, func(fn func(uint64, *sockEntry) bool) bool { return parseInetTable(b, tt.v6, tt.l4, fn) })
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseUnixTable(t *testing.T) {
	b, err := os.ReadFile("testdata/proc/4242/net/unix")
	if err != nil {
		t.Fatal(err)
	}
	got := collect(t, func(fn func(uint64, *sockEntry) bool) bool { return parseUnixTable(b, fn) })
	want := []sock{
		{ino: 1501, fd: scap.FD{Type: scap.FDUnixSock, Source: 0xffff8881031e2000, Name: "/run/demo.sock"}},
		{ino: 1502, fd: scap.FD{Type: scap.FDUnixSock, Source: 0xffff8881031e2400}},
		{ino: 1503, fd: scap.FD{Type: scap.FDUnixSock, Source: 0xf33b776, Name: "@/tmp/.X11-unix/X0"}},
		// scap keeps the first blank-free word of the path.
		{ino: 1504, fd: scap.FD{Type: scap.FDUnixSock, Source: 0xffff8881031e2c00, Name: "/run/with"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseNetlinkTable(t *testing.T) {
	b, err := os.ReadFile("testdata/proc/4242/net/netlink")
	if err != nil {
		t.Fatal(err)
	}
	got := collect(t, func(fn func(uint64, *sockEntry) bool) bool { return parseNetlinkTable(b, fn) })
	want := []sock{
		{ino: 1601, fd: scap.FD{Type: scap.FDNetlink}},
		{ino: 1602, fd: scap.FD{Type: scap.FDNetlink}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParseStops(t *testing.T) {
	b, _ := os.ReadFile("testdata/proc/4242/net/tcp")
	n := 0
	more := parseInetTable(b, false, L4TCP, func(uint64, *sockEntry) bool { n++; return n < 2 })
	if more || n != 2 {
		t.Errorf("parseInetTable went on after fn returned false: more=%v n=%d", more, n)
	}
}

func TestParseLimits(t *testing.T) {
	tests := map[string]int64{
		"Limit  Soft Limit  Hard Limit  Units\nMax open files            1024                 524288               files\n": 1024,
		"Max open files            unlimited            unlimited            files\n":                                       -1,
		"Max processes 5 5 processes\n": -1,
	}
	for in, want := range tests {
		if got := parseLimitsNoFile([]byte(in)); got != want {
			t.Errorf("parseLimitsNoFile(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestCountCPUs(t *testing.T) {
	tests := map[string]uint32{"0": 1, "0-1": 2, "0-3,8,10-11": 7, "": 0, "x": 0}
	for in, want := range tests {
		if got := countCPUList([]byte(in)); got != want {
			t.Errorf("countCPUList(%q) = %d, want %d", in, got, want)
		}
	}
	if got := countStatCPUs([]byte("cpu  1 2 3\ncpu0 1 2\ncpu1 3 4\nintr 5\n")); got != 2 {
		t.Errorf("countStatCPUs = %d, want 2", got)
	}
}

func TestUsersAndGroups(t *testing.T) {
	users, err := readUsers("testdata/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	wantUsers := []scap.User{
		{UID: 0, GID: 0, Name: "root", HomeDir: "/root", Shell: "/bin/bash"},
		{UID: 1, GID: 1, Name: "daemon", HomeDir: "/usr/sbin", Shell: "/usr/sbin/nologin"},
		{UID: 1000, GID: 100, Name: "demo", HomeDir: "/home/demo", Shell: "/bin/zsh"},
	}
	if !reflect.DeepEqual(users, wantUsers) {
		t.Errorf("users:\n got %+v\nwant %+v", users, wantUsers)
	}
	groups, err := readGroups("testdata/etc/group")
	if err != nil {
		t.Fatal(err)
	}
	wantGroups := []scap.Group{{GID: 0, Name: "root"}, {GID: 4, Name: "adm"}, {GID: 100, Name: "users"}}
	if !reflect.DeepEqual(groups, wantGroups) {
		t.Errorf("groups:\n got %+v\nwant %+v", groups, wantGroups)
	}
	if _, err := readUsers("testdata/etc/missing"); err == nil || !strings.HasPrefix(err.Error(), "procfs: reading users: ") {
		t.Errorf("missing passwd: err = %v", err)
	}
}

func TestPrefixMask(t *testing.T) {
	tests := []struct {
		plen, alen int
		want       string
	}{
		{8, 4, "255.0.0.0"}, {20, 4, "255.255.240.0"}, {0, 4, "0.0.0.0"}, {32, 4, "255.255.255.255"},
		{64, 16, "ffff:ffff:ffff:ffff::"}, {128, 16, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	}
	for _, tt := range tests {
		got, _ := netip.AddrFromSlice(prefixMask(tt.plen, tt.alen))
		if got.String() != tt.want {
			t.Errorf("prefixMask(%d, %d) = %s, want %s", tt.plen, tt.alen, got, tt.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	if v, ok := atoi([]byte("-42")); !ok || v != -42 {
		t.Errorf("atoi(-42) = %d, %v", v, ok)
	}
	for _, bad := range []string{"", "-", "1a", " 1"} {
		if _, ok := atoi([]byte(bad)); ok {
			t.Errorf("atoi(%q) accepted", bad)
		}
	}
	if v, ok := leadingHex([]byte("ffff8881031e2000:")); !ok || v != 0xffff8881031e2000 {
		t.Errorf("leadingHex = %#x, %v", v, ok)
	}
	if v, ok := bracketNum([]byte("pipe:[12345]"), "pipe:"); !ok || v != 12345 {
		t.Errorf("bracketNum = %d, %v", v, ok)
	}
	for _, bad := range []string{"pipe:[]", "pipe:12", "socket:[1]", "pipe:[1a]"} {
		if _, ok := bracketNum([]byte(bad), "pipe:"); ok {
			t.Errorf("bracketNum(%q) accepted", bad)
		}
	}
}
