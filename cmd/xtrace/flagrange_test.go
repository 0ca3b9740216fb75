package main

import (
	"reflect"
	"testing"

	"github.com/alecthomas/kong"
)

// TestFlagRanges: a numeric flag out of range is an error naming the
// flag, the value and the range, in its short and long forms alike; values
// in range parse.
func TestFlagRanges(t *testing.T) {
	const r = "../../testdata/captures/libs_sample.scap"
	cases := []struct {
		args []string
		err  string // "" when the arguments are valid
	}{
		{[]string{"-s", "99999999999"}, "-s/--snaplen: 99999999999 is out of range (1 to 65000)"},
		{[]string{"--snaplen=99999999999"}, "-s/--snaplen: 99999999999 is out of range (1 to 65000)"},
		{[]string{"--snaplen=-5"}, "-s/--snaplen: -5 is out of range (1 to 65000)"},
		{[]string{"--snaplen=0"}, "-s/--snaplen: 0 is out of range (1 to 65000)"},
		{[]string{"-s", "65000"}, ""},
		{[]string{"-n", "0"}, "-n/--numevents: 0 is out of range (1 to 9223372036854775807)"},
		{[]string{"--numevents=-1"}, "-n/--numevents: -1 is out of range (1 to 9223372036854775807)"},
		{[]string{"-n50"}, ""},
		{[]string{"--duration=-1"}, "-M/--duration: -1 is out of range (1 to 2147483647)"},
		{[]string{"-M", "4294967296"}, "-M/--duration: 4294967296 is out of range (1 to 2147483647)"},
		{[]string{"--event-limit=0"}, "-e/--event-limit: 0 is out of range (1 to 9223372036854775807)"},
		{[]string{"--file-size=-1"}, "-C/--file-size: -1 is out of range (1 to 2147483647)"},
		{[]string{"-G", "0"}, "-G/--seconds: 0 is out of range (1 to 2147483647)"},
		{[]string{"--limit=-1"}, "-W/--limit: -1 is out of range (1 to 2147483647)"},
		{[]string{"-W", "3"}, ""},
		{[]string{"--chisel-mem=0"}, "--chisel-mem: 0 is out of range (1 to 1048576)"},
		{[]string{"--chisel-mem", "64"}, ""},
		{[]string{"--numevents=99999999999999999999"}, `--numevents: expected a valid 64 bit int but got "99999999999999999999"`},
	}
	for _, c := range cases {
		t.Run(c.args[0], func(t *testing.T) {
			_, err := parseArgs(append([]string{"-r", r}, c.args...))
			if got := errString(err); got != c.err {
				t.Errorf("%q: error %q, want %q", c.args, got, c.err)
			}
		})
	}
}

// TestFlagRangesComplete: every numeric flag has a range in flagRanges,
// and every range is a numeric flag's.
func TestFlagRangesComplete(t *testing.T) {
	parser, err := kong.New(&CLI{})
	if err != nil {
		t.Fatal(err)
	}
	numeric := map[string]bool{}
	for _, f := range parser.Model.Flags {
		switch f.Target.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			numeric[f.Name] = true
			if _, ok := flagRanges[f.Name]; !ok {
				t.Errorf("numeric flag --%s has no range in flagRanges", f.Name)
			}
		}
	}
	for name := range flagRanges {
		if !numeric[name] {
			t.Errorf("flagRanges has --%s, which is not a numeric flag", name)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
