package inspect

import (
	"net/netip"
	"strings"
	"testing"

	"xtrace/event"
)

func TestFlagNames(t *testing.T) {
	tests := []struct {
		table string
		v     uint32
		want  string
	}{
		{"file_flags", 1, "O_RDONLY"},
		{"file_flags", 4097, "O_RDONLY|O_CLOEXEC"},
		{"file_flags", 3, "O_RDWR"},
		{"file_flags", 262, "O_TRUNC|O_CREAT|O_WRONLY"},
		{"file_flags", 9217, "O_DIRECTORY|O_RDONLY|O_TMPFILE"},
		{"file_flags", 0, "O_NONE"},
		{"futex_operations", 128, "FUTEX_PRIVATE_FLAG"},
		{"futex_operations", 129, "FUTEX_PRIVATE_FLAG|FUTEX_WAKE"},
		{"futex_operations", 0, "FUTEX_WAIT"},
		{"fcntl_commands", 5, "F_SETFL"},
		{"fcntl_commands", 30, "F_SETPIPE_SZ|F_GETFD|F_OFD_GETLK"},
		{"fcntl_commands", 0, "UNKNOWN"},
		{"prot_flags", 3, "PROT_READ|PROT_WRITE"},
		{"prot_flags", 0, "PROT_NONE"},
		{"chmod_mode", 0o644, "S_IROTH|S_IRGRP|S_IWUSR|S_IRUSR"},
		{"chmod_mode", 0, ""},
		{"mmap_flags", 10, "MAP_PRIVATE|MAP_ANONYMOUS"},
		{"mmap_flags", 1 << 31, ""},
	}
	for _, tt := range tests {
		t.Run(tt.table+"/"+tt.want, func(t *testing.T) {
			tbl := event.FlagTableByName(tt.table)
			if tbl == nil {
				t.Fatalf("no table %s", tt.table)
			}
			if got := string(appendFlagNames(nil, tbl, tt.v)); got != tt.want {
				t.Errorf("%s(%d) = %q, want %q", tt.table, tt.v, got, tt.want)
			}
		})
	}
	if got := appendFlagNames(nil, nil, 7); len(got) != 0 {
		t.Errorf("nil table resolved to %q", got)
	}
}

func TestAppendNum(t *testing.T) {
	tests := []struct {
		name string
		v    int64
		bits int
		f    event.PrintFormat
		want string
	}{
		{"dec", 832, 32, event.FormatDec, "832"},
		{"na is decimal", -2, 64, event.FormatNA, "-2"},
		{"u32 above 2^31 prints signed", int64(int32(-2147483648)), 32, event.FormatDec, "-2147483648"},
		{"u64 max prints -1", -1, 64, event.FormatDec, "-1"},
		{"hex upper", 0x7fad48782000, 64, event.FormatHex, "7FAD48782000"},
		{"hex of negative int8", -1, 32, event.FormatHex, "FFFFFFFF"},
		{"hex zero", 0, 64, event.FormatHex, "0"},
		{"oct", 0o644, 32, event.FormatOct, "0644"},
		{"oct zero", 0, 32, event.FormatOct, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendNum(nil, tt.v, tt.bits, tt.f)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConcatPaths(t *testing.T) {
	tests := []struct {
		base, path string
		plen       int // -1: len(path)+1 (with its NUL)
		want       string
		rel        bool
	}{
		{"/home/u/", "a/b", -1, "/home/u/a/b", true},
		{"/home/u/", "../x", -1, "/home/x", true},
		{"/home/u/", "../../../x", -1, "/x", true},
		{"/", "..", -1, "/", true},
		{"/a/", "./b/./c/", -1, "/a/b/c", true},
		{"/a/", "b//c", -1, "/a/b/c", true},
		{"/a/", "..b", -1, "/a/..b", true},
		{"/a/", ".b", -1, "/a/.b", true},
		{"/a/", "x\x01y", -1, "/a/x.y", true},
		{"/a/", "", -1, "/a", true},
		{"/a/", "/abs//p/", -1, "/abs/p", false},
		{"/a/", "/", -1, "/", false},
		{"", "rel/../x", -1, "x", true},
		{"<UNKNOWN>", "y", -1, "<UNKNOWN>y", true},
		{"/a/", "x", 0, "x", false},
		{strings.Repeat("d", 1000) + "/", strings.Repeat("f", 30), -1, "/PATH_TOO_LONG", false},
	}
	for _, tt := range tests {
		t.Run(tt.base+"+"+tt.path, func(t *testing.T) {
			path := append([]byte(tt.path), 0)
			plen := tt.plen
			if plen < 0 {
				plen = len(path)
			}
			got, rel := concatPaths(nil, tt.base, path, plen, maxPathSize)
			if string(got) != tt.want || rel != tt.rel {
				t.Errorf("got %q %v, want %q %v", got, rel, tt.want, tt.rel)
			}
		})
	}
}

func TestAppendIPv6(t *testing.T) {
	tests := []struct{ in, want string }{
		{"::1", "::1"},
		{"::", "::"},
		{"2001:db8::1", "2001:db8::1"},
		{"fe80::1", "fe80::1"},
		{"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
		{"::1.2.3.4", "::1.2.3.4"},
		{"1::", "1::"},
		{"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
		{"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},
		{"::1:0:0", "::1:0:0"},
		{"::ffff:0:0", "::ffff:0.0.0.0"},
		{"::0.1.0.2", "::0.1.0.2"},
		{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
		{"1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"},
		{"::fffe:1.2.3.4", "::fffe:102:304"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a := netip.MustParseAddr(tt.in).As16()
			if got := string(appendIPv6(nil, a[:])); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAppendBuffer(t *testing.T) {
	seq := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + i%26)
		}
		return b
	}
	long := seq(100)
	tests := []struct {
		name string
		in   []byte
		rc   renderCtx
		want string
	}{
		{"empty", nil, renderCtx{buf: BufHex}, ""},
		{"dots", []byte("a\nb\x00\x7f~"), renderCtx{}, "a.b..~"},
		{"cut at 80", long, renderCtx{}, string(long[:77]) + "..."},
		{"full", long, renderCtx{full: true}, string(long)},
		{"ascii keeps newlines", []byte("\nx\r\ny\rz\x01"), renderCtx{buf: BufASCII}, "\nx\ny\nz"},
		{"ascii is not cut", long, renderCtx{buf: BufASCII}, "\n" + string(long)},
		{"base64", []byte("ab"), renderCtx{buf: BufBase64}, "YWI="},
		{"hex short", []byte{0x7f, 'E', 'L'}, renderCtx{buf: BufHex}, "\n\t0x0000: 7f45 4c\n"},
		{"hex 17", seq(17), renderCtx{buf: BufHex},
			"\n\t0x0000: 6162 6364 6566 6768 696a 6b6c 6d6e 6f70\n\t0x0010: 71\n"},
		{"hexascii short", []byte("ab\x01"), renderCtx{buf: BufHexASCII},
			"\n\t0x0000: 6162 01" + strings.Repeat(" ", 30) + "  ab.\n"},
		{"hexascii full row", seq(16), renderCtx{buf: BufHexASCII},
			"\n\t0x0000: 6162 6364 6566 6768 696a 6b6c 6d6e 6f70  abcdefghijklmnop\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendBuffer(nil, tt.in, tt.rc)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMatchRuncID(t *testing.T) {
	id := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		cgroup, prefix, suffix string
		want                   string
		ok                     bool
	}{
		{"/docker/" + id, "/", "", "0123456789ab", true},
		{"/system.slice/docker-" + id + ".scope", "/docker-", ".scope", "0123456789ab", true},
		{"/docker/" + id[:63], "/", "", "", false},
		{"/user.slice", "/", "", "", false},
	}
	for _, tt := range tests {
		got, ok := matchRuncID(tt.cgroup, tt.prefix, tt.suffix)
		if got != tt.want || ok != tt.ok {
			t.Errorf("matchRuncID(%q) = %q %v, want %q %v", tt.cgroup, got, ok, tt.want, tt.ok)
		}
	}
}
