package inspect_test

import (
	"strings"
	"testing"

	"xtrace/inspect"
)

func TestAppendIP(t *testing.T) {
	v6 := func(s string) []byte {
		var b [16]byte
		copy(b[:], s)
		return b[:]
	}
	tests := []struct {
		ip   []byte
		want string
	}{
		{[]byte{127, 0, 0, 1}, "127.0.0.1"},
		{v6(""), "::"},
		{v6("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"), "::1"},
		{v6("\x20\x01\x48\x60\x48\x60\x00\x00\x00\x00\x00\x00\x00\x00\x88\x88"), "2001:4860:4860::8888"},
		{v6("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x0a\x00\x00\x01"), "::ffff:10.0.0.1"},
		{v6("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0a\x00\x00\x01"), "::10.0.0.1"},
		{v6("\x20\x01\x0d\xb8\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00"), "2001:db8:0:1::"},
		{v6("\x20\x01\x0d\xb8\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x01"), "2001:db8:1:0:1::1"},
		{v6("\x20\x01\x0d\xb8\x00\x00\x00\x01\x00\x01\x00\x01\x00\x01\x00\x01"), "2001:db8:0:1:1:1:1:1"},
	}
	for _, tc := range tests {
		if got := string(inspect.AppendIP(nil, tc.ip)); got != tc.want {
			t.Errorf("AppendIP(% x) = %s, want %s", tc.ip, got, tc.want)
		}
	}
}

func TestServices(t *testing.T) {
	const table = `# comment
ssh		22/tcp				# SSH
http		80/tcp		www		# WorldWideWeb
domain		53/tcp
domain-u	53/udp
sieve		4190/tcp
echo		7/ddp
bad		x/tcp
short
`
	s, err := inspect.ParseServices(strings.NewReader(table))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		port uint16
		l4   uint8
		want string
	}{
		{22, inspect.L4TCP, "ssh"},
		{22, inspect.L4UDP, ""},
		{80, inspect.L4Unknown, "http"},
		{53, inspect.L4UDP, "domain-u"},
		{53, inspect.L4ICMP, "domain"},
		{7, inspect.L4TCP, ""},
		{7, inspect.L4Raw, "echo"},
		{9, inspect.L4TCP, ""},
	}
	for _, tc := range tests {
		if got := s.Name(tc.port, tc.l4); got != tc.want {
			t.Errorf("Name(%d, %d) = %q, want %q", tc.port, tc.l4, got, tc.want)
		}
	}
	var none *inspect.Services
	if got := none.Name(22, inspect.L4TCP); got != "" {
		t.Errorf("nil Services resolved 22 to %q", got)
	}
	if s, err := inspect.LoadServices("testdata/no-such-services"); err != nil || s.Name(22, inspect.L4TCP) != "" {
		t.Errorf("LoadServices(missing) = %v, %v; want an empty table", s, err)
	}
}

func TestL4ProtoName(t *testing.T) {
	for p, want := range map[uint8]string{inspect.L4TCP: "tcp", inspect.L4UDP: "udp", inspect.L4ICMP: "icmp", inspect.L4Raw: "raw", inspect.L4Unknown: "<NA>", 9: "<NA>"} {
		if got := inspect.L4ProtoName(p); got != want {
			t.Errorf("L4ProtoName(%d) = %q, want %q", p, got, want)
		}
	}
}
