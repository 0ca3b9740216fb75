package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// TestShortOptions: the letters normalizeArgs splits clusters with are
// kong's own short flags, a switch exactly when kong parses the flag
// without a value.
func TestShortOptions(t *testing.T) {
	withArg, noArg := shortOptions()
	parser, err := kong.New(&CLI{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[rune]bool{}
	for _, f := range parser.Model.Flags {
		if f.Short == 0 {
			continue
		}
		seen[f.Short] = true
		takes := strings.ContainsRune(withArg, f.Short)
		switch is := strings.ContainsRune(noArg, f.Short); {
		case takes && is:
			t.Errorf("-%c is listed both with and without a value", f.Short)
		case f.IsBool() && !is:
			t.Errorf("-%c (--%s) is a switch but not listed as one", f.Short, f.Name)
		case !f.IsBool() && !takes:
			t.Errorf("-%c (--%s) takes a value but is not listed so", f.Short, f.Name)
		}
	}
	for _, c := range withArg + noArg {
		if !seen[c] && c != 'c' {
			t.Errorf("-%c is not a flag of the CLI", c)
		}
	}
}

func TestNormalizeArgs(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"cluster with value", []string{"-zw", "f.scap"}, []string{"-w", "f.scap", "-z"}},
		{"value attached", []string{"-n10", "-r", "x"}, []string{"-n", "10", "-r", "x"}},
		{"switches", []string{"-qSv"}, []string{"-qSv"}},
		{"switches then value", []string{"-Rs", "200"}, []string{"-s", "200", "-R"}},
		{"chisel list", []string{"-cl"}, []string{"--list-chisels"}},
		{"filter words", []string{"-r", "x", "evt.type=open"}, []string{"-r", "x", "evt.type=open"}},
		{"unknown letter left to kong", []string{"-qK"}, []string{"-qK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalizeArgs(tc.args, &CLI{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("normalizeArgs(%q) = %q, want %q", tc.args, got, tc.want)
			}
		})
	}
}
