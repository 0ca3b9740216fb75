package main

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"xtrace/internal/testutil"
)

// TestDifferentialFilters runs generated filters through both sysdig -r and
// xtrace -r and requires identical output (and the same exit status). The
// filters combine fields, operators and values seen in the captures, so
// they match something; the generator is seeded, so the list is the same
// on every run.
func TestDifferentialFilters(t *testing.T) {
	sysdig := testutil.LookTool(t, "sysdig")
	if testing.Short() {
		t.Skip("slow: runs sysdig hundreds of times")
	}
	captures := []string{
		"../../testdata/captures/libs_curl_google.scap",
		"../../testdata/captures/falco_cat_write.scap",
		"../../testdata/captures/libs_test_ipv6_client.scap",
		"../../testdata/captures/bencer_example5_httpd.scap",
	}
	total := 0
	for ci, capture := range captures {
		filters := generateFilters(t, capture, int64(ci+1), 60)
		for _, f := range filters {
			total++
			want, wantCode := runSysdig(t, sysdig, capture, f)
			got, _, gotCode := runXtrace([]string{"-r", capture, f})
			if gotCode != wantCode {
				t.Errorf("%s %q: exit %d, sysdig exit %d", capture, f, gotCode, wantCode)
				continue
			}
			if diff := compareOutput(got, want, compareExact, 0); diff != "" {
				t.Errorf("%s %q:\n%s", capture, f, diff)
			}
		}
	}
	if total < 200 {
		t.Fatalf("only %d filters generated, want at least 200", total)
	}
	t.Logf("%d filters compared", total)
}

func runSysdig(t *testing.T, sysdig, capture, filter string) ([]byte, int) {
	t.Helper()
	cmd := exec.Command(sysdig, "-r", capture, filter)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	var out bytes.Buffer
	cmd.Stdout = &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), code
}

// filterField is a field the generator uses, with its kind.
type filterField struct {
	name string
	kind byte // 's' string, 'n' number, 'b' bool, 'i' IP address, 'p' port
}

var diffFields = []filterField{
	{"proc.name", 's'}, {"evt.type", 's'}, {"fd.name", 's'}, {"fd.type", 's'},
	{"evt.dir", 's'}, {"evt.category", 's'}, {"fd.l4proto", 's'}, {"user.name", 's'},
	{"proc.exe", 's'}, {"fd.directory", 's'}, {"fd.filename", 's'}, {"evt.res", 's'},
	{"proc.cmdline", 's'}, {"proc.pname", 's'}, {"fd.typechar", 's'},
	{"evt.num", 'n'}, {"proc.pid", 'n'}, {"thread.tid", 'n'}, {"fd.num", 'n'},
	{"evt.rawres", 'n'}, {"evt.latency", 'n'}, {"evt.buflen", 'n'}, {"proc.ppid", 'n'},
	{"user.uid", 'n'}, {"evt.cpu", 'n'},
	{"evt.failed", 'b'}, {"evt.is_io", 'b'}, {"evt.is_io_read", 'b'}, {"evt.is_io_write", 'b'},
	{"fd.sip", 'i'}, {"fd.cip", 'i'}, {"fd.rip", 'i'}, {"fd.lip", 'i'},
	{"fd.sport", 'p'}, {"fd.cport", 'p'}, {"fd.port", 'p'},
}

// fieldValues returns the distinct values xtrace prints for each field on
// the capture (the goldens prove -p rendering matches sysdig).
func fieldValues(t *testing.T, capture string) map[string][]string {
	t.Helper()
	vals := map[string][]string{}
	for _, f := range diffFields {
		out, _, code := runXtrace([]string{"-r", capture, "-p", "%" + f.name})
		if code != 0 {
			continue
		}
		seen := map[string]bool{}
		for _, l := range strings.Split(string(out), "\n") {
			l = strings.TrimRight(l, " ")
			if l == "" || strings.ContainsAny(l, "'\"()") || len(l) > 60 {
				continue
			}
			seen[l] = true
		}
		for v := range seen {
			vals[f.name] = append(vals[f.name], v)
		}
		sort.Strings(vals[f.name])
	}
	return vals
}

// generateFilters makes n filters for a capture.
func generateFilters(t *testing.T, capture string, seed int64, n int) []string {
	t.Helper()
	vals := fieldValues(t, capture)
	r := rand.New(rand.NewSource(seed))
	var fields []filterField
	for _, f := range diffFields {
		if len(vals[f.name]) > 0 {
			fields = append(fields, f)
		}
	}
	pick := func(s []string) string { return s[r.Intn(len(s))] }
	quote := func(v string) string {
		if strings.ContainsAny(v, " \t") || v == "" {
			return "'" + v + "'"
		}
		return v
	}
	check := func() string {
		f := fields[r.Intn(len(fields))]
		v := pick(vals[f.name])
		switch f.kind {
		case 's':
			switch r.Intn(9) {
			case 0:
				return f.name + "=" + quote(v)
			case 1:
				return f.name + " != " + quote(v)
			case 2:
				if len(v) > 3 {
					return f.name + " contains " + quote(v[1:len(v)-1])
				}
				return f.name + " contains " + quote(v)
			case 3:
				return f.name + " icontains " + quote(strings.ToUpper(v))
			case 4:
				return f.name + " startswith " + quote(v[:(len(v)+1)/2])
			case 5:
				return f.name + " endswith " + quote(v[len(v)/2:])
			case 6:
				return fmt.Sprintf("%s in (%s, %s)", f.name, quote(v), quote(pick(vals[f.name])))
			case 7:
				return f.name + " exists"
			default:
				if strings.HasPrefix(v, "/") && len(v) > 2 {
					return f.name + " glob '" + v[:len(v)/2] + "*'"
				}
				return f.name + " glob '*" + v[len(v)/2:] + "'"
			}
		case 'n':
			ops := []string{"=", "!=", "<", "<=", ">", ">="}
			if r.Intn(6) == 0 {
				return fmt.Sprintf("%s in (%s, %s)", f.name, v, pick(vals[f.name]))
			}
			return f.name + ops[r.Intn(len(ops))] + v
		case 'b':
			bv := []string{"true", "false"}[r.Intn(2)]
			return f.name + "=" + bv
		case 'i':
			if r.Intn(3) == 0 {
				return f.name + " != " + v
			}
			return f.name + "=" + v
		case 'p':
			ops := []string{"=", "!=", ">", "<"}
			return f.name + ops[r.Intn(len(ops))] + v
		}
		return "evt.num > 0"
	}
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var f string
		switch r.Intn(6) {
		case 0, 1:
			f = check()
		case 2:
			f = check() + " and " + check()
		case 3:
			f = check() + " or " + check()
		case 4:
			f = "not " + check() + " and (" + check() + " or " + check() + ")"
		default:
			f = "(" + check() + " or " + check() + ") and not (" + check() + ")"
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}
