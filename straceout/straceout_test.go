package straceout

import (
	"syscall"
	"testing"
)

func TestAppendQuoted(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"hello", 32, `"hello"`},
		{"tab\there\n", 32, `"tab\there\n"`},
		{`q"b\`, 32, `"q\"b\\"`},
		{"\x00\x01x", 32, `"\0\1x"`},
		{"\x001", 32, `"\0001"`},
		{"\x7fELF\x02", 32, `"\177ELF\2"`},
		{"\x1b[0m", 32, `"\33[0m"`},
		{"0123456789", 4, `"0123"...`},
		{"0123456789", -1, `"0123456789"`},
		{"\v\f\r", 32, `"\v\f\r"`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := string(appendQuoted(nil, []byte(tt.in), tt.max)); got != tt.want {
				t.Errorf("appendQuoted(%q, %d) = %s, want %s", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestErrText(t *testing.T) {
	if got := errText(syscall.ENOENT); got != "No such file or directory" {
		t.Errorf("ENOENT: %q", got)
	}
	if got := errText(syscall.EACCES); got != "Permission denied" {
		t.Errorf("EACCES: %q", got)
	}
}

func TestSplitNUL(t *testing.T) {
	got := splitNUL([]byte("a\x00bc\x00"))
	if len(got) != 2 || string(got[0]) != "a" || string(got[1]) != "bc" {
		t.Errorf("splitNUL: %q", got)
	}
}
