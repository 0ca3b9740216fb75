package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"xtrace/event"
	"xtrace/internal/testutil"
)

// TestDecodeFamilies runs testdata/families.c, one call of each syscall
// family that sysdig 0.29.3 records only as a generic event, under strace
// and under xtrace, and checks for each call that xtrace's extended exit
// event decodes what strace prints: the result (errno name or value), the
// paths and strings, the flags (the same names; names of zero values,
// such as AT_STATX_SYNC_AS_STAT, are strace's alone), enumerated values
// and numbers.
func TestDecodeFamilies(t *testing.T) {
	testutil.RequireTools(t, "strace", "gcc", "sysdig", "tshark")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	prog := filepath.Join(dir, "families")
	if out, err := exec.Command("gcc", "-O1", "-o", prog, "testdata/families.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	work := filepath.Join(dir, "w")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("file", filepath.Join(work, "link")); err != nil {
		t.Fatal(err)
	}
	calls := recRunStrace(t, dir, nil, []string{prog, work})
	capture := filepath.Join(dir, "f.scap")
	if r := recRun(t, dir, nil, bin, "-q", "-w", capture, "--", prog, work); r.code != 0 {
		t.Fatalf("xtrace: exit %d: %s", r.code, r.stderr)
	}
	// sysdig and tshark read the capture; --sysdig-compat prints what
	// sysdig prints.
	recCheckCapture(t, bin, dir, capture)
	out := recRun(t, dir, nil, bin, "-r", capture, "-p", "*%evt.type %evt.rawres %evt.res %evt.args", "evt.dir=<")
	if out.code != 0 {
		t.Fatalf("xtrace -r: %s", out.stderr)
	}
	var ours []xtCall
	for _, l := range recSplitLines(out.stdout) {
		f := strings.SplitN(l, " ", 4)
		if len(f) < 3 {
			continue
		}
		c := xtCall{name: f[0], raw: f[1], res: f[2], args: map[string]string{}}
		if len(f) == 4 {
			for _, kv := range strings.Fields(f[3]) {
				if k, v, ok := strings.Cut(kv, "="); ok {
					c.args[k] = v
				}
			}
		}
		ours = append(ours, c)
	}

	// Each case names the syscall, a text that picks its call in strace's
	// arguments (and in xtrace's), and how strace's arguments map to
	// the event's parameters.
	type arg struct {
		i     int    // strace's argument index
		param string // the event parameter
		kind  string // path, str, flags, enum, int, mode
	}
	cases := []struct {
		name, pick string
		args       []arg
	}{
		{"newfstatat", "nosuch", []arg{{1, "path", "path"}, {3, "flags", "flags"}}},
		{"statx", "nosuch", []arg{{1, "path", "path"}, {2, "flags", "flags"}}},
		// Successful calls: the file's type, mode and size from the
		// structure they filled.
		{"newfstatat", `/file"`, []arg{{1, "path", "path"}, {2, "mode", "smode:st_mode"}, {2, "size", "sint:st_size"}}},
		{"statx", `/file"`, []arg{{1, "path", "path"}, {4, "mode", "smode:stx_mode"}, {4, "size", "sint:stx_size"}}},
		{"faccessat2", "nosuch", []arg{{1, "path", "path"}, {3, "flags", "flags"}}},
		{"faccessat", "/file", []arg{{1, "path", "path"}}},
		{"readlink", "nosuch", []arg{{0, "path", "path"}, {2, "bufsiz", "int"}}},
		{"readlinkat", "link", []arg{{1, "path", "path"}, {3, "bufsiz", "int"}}},
		{"getxattr", "user.nosuch", []arg{{0, "path", "path"}, {1, "name", "str"}, {3, "size", "int"}}},
		{"setxattr", "nosuch", []arg{{0, "path", "path"}, {1, "name", "str"}, {3, "size", "int"}, {4, "flags", "flags"}}},
		{"removexattr", "user.nosuch", []arg{{0, "path", "path"}, {1, "name", "str"}}},
		{"statfs", "nosuch", []arg{{0, "path", "path"}}},
		{"fstatfs", "-1", []arg{{0, "fd", "int"}}},
		{"truncate", "nosuch", []arg{{0, "path", "path"}, {1, "length", "int"}}},
		{"fchownat", "nosuch", []arg{{1, "path", "path"}, {2, "user", "int"}, {4, "flags", "flags"}}},
		{"utimensat", "nosuch", []arg{{1, "path", "path"}, {3, "flags", "flags"}}},
		{"mknodat", "nosuch", []arg{{1, "path", "path"}, {2, "mode", "mode"}}},
		{"fchmodat2", "nosuch", []arg{{1, "path", "path"}, {2, "mode", "mode"}, {3, "flags", "flags"}}},
		{"wait4", "WNOHANG", []arg{{0, "pid", "int"}, {2, "options", "flags"}}},
		{"prctl", "PR_SET_NAME", []arg{{0, "option", "enum"}}},
		{"prctl", "0x7fff", []arg{{0, "option", "int"}}},
		{"memfd_create", "famfd", []arg{{0, "name", "str"}, {1, "flags", "flags"}}},
		{"inotify_add_watch", "nosuch", []arg{{1, "path", "path"}, {2, "mask", "flags"}}},
		{"epoll_ctl", "EPOLL_CTL_ADD", []arg{{0, "epfd", "int"}, {1, "op", "enum"}}},
		{"madvise", "MADV_DONTNEED", []arg{{1, "len", "int"}, {2, "behavior", "enum"}}},
		{"close_range", "1000", []arg{{0, "fd", "int"}, {1, "max_fd", "int"}}},
	}
	for _, c := range cases {
		t.Run(c.name+"/"+c.pick, func(t *testing.T) {
			var sc *recStraceCall
			for i := range calls {
				if calls[i].sys == c.name && strings.Contains(calls[i].args, c.pick) {
					sc = &calls[i]
					break
				}
			}
			if sc == nil {
				// An strace older than the syscall prints it as
				// syscall_0xNR with raw arguments: only the result
				// can be compared.
				raw := straceRawName(c.name)
				for i := range calls {
					if calls[i].sys == raw {
						sc = &calls[i]
						break
					}
				}
				if sc == nil {
					t.Fatalf("strace shows no %s call with %q", c.name, c.pick)
				}
				c.args = nil
			}
			sargs := splitStraceArgs(sc.args)
			var xc *xtCall
			for i := range ours {
				if ours[i].name != c.name {
					continue
				}
				if len(c.args) > 0 && !xtMatches(&ours[i], c.args[0].param, sargs, c.args[0].i, c.args[0].kind) {
					continue
				}
				xc = &ours[i]
				break
			}
			if xc == nil {
				t.Fatalf("xtrace has no %s exit matching strace's %s(%s)", c.name, c.name, sc.args)
			}
			// The result.
			if sc.ret != "" && sc.ret[0] >= 'A' && sc.ret[0] <= 'Z' {
				if xc.res != sc.ret {
					t.Errorf("result %s, strace %s", xc.res, sc.ret)
				}
			} else if xc.raw != sc.ret {
				t.Errorf("result %s, strace %s", xc.raw, sc.ret)
			}
			for _, a := range c.args {
				if a.i >= len(sargs) {
					t.Fatalf("strace prints %d arguments: %s", len(sargs), sc.args)
				}
				if !xtMatches(xc, a.param, sargs, a.i, a.kind) {
					t.Errorf("%s=%s, strace prints %s", a.param, xc.args[a.param], sargs[a.i])
				}
			}
		})
	}
}

// straceRawName is how an strace that does not know syscall name prints
// it: syscall_0x followed by its number in hex.
func straceRawName(name string) string {
	if sc := event.SyscallByName(name); sc != nil {
		return "syscall_0x" + strconv.FormatUint(uint64(sc.Nr), 16)
	}
	return ""
}

// xtCall is one exit event as xtrace prints it.
type xtCall struct {
	name, raw, res string
	args           map[string]string
}

// xtMatches compares parameter param of c with strace's argument i.
func xtMatches(c *xtCall, param string, sargs []string, i int, kind string) bool {
	v, ok := c.args[param]
	if !ok || i >= len(sargs) {
		return false
	}
	s := sargs[i]
	value, resolved, _ := strings.Cut(v, "(")
	resolved = strings.TrimSuffix(resolved, ")")
	if k, key, ok := strings.Cut(kind, ":"); ok {
		// A member of a structure strace prints: {key=VALUE, ...}.
		m := regexp.MustCompile(`[{ ]` + key + `=([^,}]*)`).FindStringSubmatch(s)
		if m == nil {
			return false
		}
		s, kind = m[1], map[string]string{"smode": "mode", "sint": "int"}[k]
	}
	switch kind {
	case "path", "str":
		u, err := strconv.Unquote(s)
		return err == nil && value == u
	case "int":
		a, err1 := strconv.ParseInt(value, 0, 64)
		b, err2 := strconv.ParseInt(s, 0, 64)
		return err1 == nil && err2 == nil && a == b
	case "enum":
		return resolved == s
	case "mode":
		want := uint64(0)
		for _, part := range strings.Split(s, "|") {
			if m, ok := straceModeBits[part]; ok {
				want |= m
			} else if n, err := strconv.ParseUint(part, 0, 32); err == nil {
				want |= n
			} else {
				return false
			}
		}
		got, err := strconv.ParseUint(value, 8, 32)
		return err == nil && got == want
	case "flags":
		theirs := map[string]bool{}
		if s != "0" {
			for _, n := range strings.Split(s, "|") {
				theirs[n] = true
			}
		}
		ours := map[string]bool{}
		if resolved != "" {
			for _, n := range strings.Split(resolved, "|") {
				ours[n] = true
			}
		}
		for n := range ours {
			if !theirs[n] {
				return false
			}
		}
		tbl := paramTable(c.name, param)
		for n := range theirs {
			if !ours[n] && tbl != nil && flagValue(tbl, n) != 0 {
				return false
			}
		}
		return true
	}
	return false
}

// straceModeBits are the file type names strace prints in a mode.
var straceModeBits = map[string]uint64{"S_IFIFO": 0o010000, "S_IFCHR": 0o020000,
	"S_IFDIR": 0o040000, "S_IFBLK": 0o060000, "S_IFREG": 0o100000, "S_IFSOCK": 0o140000}

// paramTable returns the flag table of a parameter of the exit event
// named name.
func paramTable(name, param string) *event.FlagTable {
	for _, t := range event.TypesByName(name) {
		d := event.Info(t)
		if d.Dir != event.Exit {
			continue
		}
		for _, p := range d.Params {
			if p.Name == param {
				return p.Table
			}
		}
	}
	return nil
}

// flagValue returns the value of a flag name in tbl (0 when absent).
func flagValue(tbl *event.FlagTable, name string) uint32 {
	for _, e := range tbl.Entries {
		if e.Name == name {
			return e.Value
		}
	}
	return 0
}

// splitStraceArgs splits strace's argument text at the commas outside
// quotes, brackets and braces, dropping what follows the closing
// parenthesis and strace's /* comments */.
func splitStraceArgs(s string) []string {
	for {
		i := strings.Index(s, " /* ")
		j := strings.Index(s, " */")
		if i < 0 || j < i {
			break
		}
		s = s[:i] + s[j+3:]
	}
	var out []string
	depth, start := 0, 0
	inq := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inq && c == '\\':
			i++
		case c == '"':
			inq = !inq
		case inq:
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		case c == ')':
			if depth == 0 {
				return append(out, strings.TrimSpace(s[start:i]))
			}
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}
