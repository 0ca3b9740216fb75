package chisel

import (
	"reflect"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		err  string
	}{
		{name: "empty", in: "", want: nil},
		{name: "blank", in: "   ", want: nil},
		{name: "one", in: "proc.name=cat", want: []string{"proc.name=cat"}},
		{name: "words", in: "R /etc/passwd", want: []string{"R", "/etc/passwd"}},
		{name: "trimmed", in: "  a b  ", want: []string{"a", "b"}},
		{name: "double space gives empty word", in: "a  b", want: []string{"a", "", "b"}},
		{name: "single quotes group", in: "'fd.type=ipv6 or fd.type=ipv4'", want: []string{"fd.type=ipv6 or fd.type=ipv4"}},
		{name: "backquotes group", in: "`a b` c", want: []string{"a b", "c"}},
		{name: "quoted then plain", in: "'a b' c", want: []string{"a b", "c"}},
		{name: "double quotes are plain", in: `"a b"`, want: []string{`"a`, `b"`}},
		{name: "empty quotes", in: "''", want: []string{""}},
		{name: "three words unquoted", in: "fd.type=ipv6 or fd.type=ipv4", want: []string{"fd.type=ipv6", "or", "fd.type=ipv4"}},
		// sysdig's arithmetic with a quote inside a word.
		{name: "quote inside word", in: "ab'c d'", want: []string{"b'c d"}},
		{name: "unterminated", in: "'abc", err: "corrupted parameters for chisel lsof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SplitArgs("lsof", tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("SplitArgs(%q) error = %v, want %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("SplitArgs(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SplitArgs(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCheckArgCount(t *testing.T) {
	lsof := &Info{Name: "lsof", Args: []Arg{{Name: "filter", Optional: true}}}
	spyIP := &Info{Name: "spy_ip", Args: []Arg{{Name: "host_ip"}, {Name: "disable_color", Optional: true}}}
	tests := []struct {
		name string
		info *Info
		n    int
		want string
	}{
		{"optional omitted", lsof, 0, ""},
		{"optional given", lsof, 1, ""},
		{"too many", lsof, 3, "too many parameters for chisel lsof, 0 required, 1 optional, 3 given"},
		{"missing required", spyIP, 0, "wrong number of parameters for chisel spy_ip, 1 required, 0 given"},
		{"required and optional", spyIP, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkArgCount(tt.info, tt.n)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("checkArgCount(%s, %d) = %q, want %q", tt.info.Name, tt.n, got, tt.want)
			}
		})
	}
}
