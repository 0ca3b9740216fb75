package chisel

import (
	"testing"

	"github.com/dop251/goja"
)

func TestExtendString(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"PID", 8, "PID     "},
		{"systemd-timesyncd", 12, "systemd-tim "},
		{"exactly8", 8, "exactly "},
		{"", 4, "    "},
		{"abc", 0, ""},
		{"abc", -3, ""},
	}
	for _, tt := range tests {
		if got := string(extendString(nil, tt.s, tt.n)); got != tt.want {
			t.Errorf("extendString(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0B"},
		{832, "832B"},
		{1024, "1024B"},
		{1025, "1.00KB"},
		{508 * 1024, "508.00KB"},
		{1024 * 1024, "1024.00KB"},
		{32896 * 1024, "32.13M"}, // LuaJIT rounds the exact half up
		{10880 * 1024, "10.63M"},
		{3 * 1024 * 1024 * 1024 * 1.5, "4.50G"},
		{2 * tib, "2.00T"},
		{2 * pib, "2.00P"},
	}
	for _, tt := range tests {
		if got := formatBytes(tt.v); got != tt.want {
			t.Errorf("formatBytes(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestFormatTimeInterval(t *testing.T) {
	tests := []struct {
		ns   float64
		want string
	}{
		{0, "0ns"},
		{999, "999ns"},
		{1000, "1.00us"},
		{2990, "2.99us"},
		{10000, "10us"},
		{999999, "999us"},
		{1000000, "1.00ms"},
		{1234567, "1.23ms"},
		{10000000, "10ms"},
		{999999999, "999ms"},
		{1000000000, "1.00s"},
		{1500000000, "1.50s"},
		{61234567890, "61.23s"},
	}
	for _, tt := range tests {
		if got := formatTimeInterval(tt.ns); got != tt.want {
			t.Errorf("formatTimeInterval(%v) = %q, want %q", tt.ns, got, tt.want)
		}
	}
}

func TestFixed(t *testing.T) {
	tests := []struct {
		v    float64
		prec int
		want string
	}{
		{10.625, 2, "10.63"},
		{2.675, 2, "2.67"}, // 2.67499999... in binary
		{99.995, 2, "100.00"},
		{-1.5, 0, "-2"},
		{0, 2, "0.00"},
		{1.0 / 3, 6, "0.333333"},
	}
	for _, tt := range tests {
		if got := fixed(tt.v, tt.prec); got != tt.want {
			t.Errorf("fixed(%v, %d) = %q, want %q", tt.v, tt.prec, got, tt.want)
		}
	}
}

func TestSprintf(t *testing.T) {
	vm := goja.New()
	v := func(a ...any) []goja.Value {
		out := make([]goja.Value, len(a))
		for i, x := range a {
			out[i] = vm.ToValue(x)
		}
		return out
	}
	tests := []struct {
		format string
		args   []goja.Value
		want   string
		err    string
	}{
		{"%-13.13s|", v("proc.duration-long"), "proc.duration|", ""},
		{"%-8s|", v("open"), "open    |", ""},
		{"%12d|", v(1234.9), "        1234|", ""},
		{"%d) 0.%.9d", v(42, 7), "42) 0.000000007", ""},
		{"%s %s", v(1.5, 3), "1.5 3", ""},
		{"%s", []goja.Value{goja.Undefined()}, "nil", ""},
		{"%.2f%%", v(10.625), "10.63%", ""},
		{"%5.1f|%-6.2f|", v(3.14159, 2.5), "  3.1|2.50  |", ""},
		{"%x %X %o", v(255, 255, 8), "ff FF 10", ""},
		{"%s", nil, "", "bad argument #2 to 'format' (no value)"},
		{"%y", v(1), "", "invalid option '%y' to 'format'"},
	}
	for _, tt := range tests {
		got, err := sprintf(tt.format, tt.args)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("sprintf(%q) error = %v, want %q", tt.format, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("sprintf(%q) = %q, %v; want %q", tt.format, got, err, tt.want)
		}
	}
}

func TestByteStringRoundTrip(t *testing.T) {
	vm := goja.New()
	for _, s := range []string{"", "plain", "h\u00e9llo \U0001F600", "bad \xff\xfe bytes\x80", "\x00nul"} {
		v := byteString(vm, s)
		if got := goString(v); got != s {
			t.Errorf("goString(byteString(%q)) = %q", s, got)
		}
	}
}
