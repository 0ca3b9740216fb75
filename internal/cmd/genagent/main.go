// Command genagent writes agent/src/capture_gen.h, the agent's table of
// the tracee memory to copy into a syscall's records: for every native
// syscall and side (enter, exit), which strings, buffers and structures
// the decoder reads for the parameters of its events. It is derived from
// event/tables (x86_64_syscalls.tsv for the events of a syscall, events.tsv
// for their names, x86_64_fetch.tsv and, for the syscalls sysdig records
// as generic, xtrace_events.tsv for how each parameter is fetched),
// the same tables that drive the decoder; the agent has no table of its
// own. Every fetch kind must be classified below: a kind this command
// does not know is an error, so a new kind cannot be left uncaptured.
//
//	genagent -in event/tables -out agent/src/capture_gen.h
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// op is a capture operation of the agent (enum xa_op in capture_gen.h).
type op int

const (
	opStr      op = iota // NUL-terminated string at arg a, at most imm bytes
	opBuf                // arg b bytes at arg a, cut to the snaplen
	opBufRet             // ret bytes at arg a (exit, ret > 0), cut to the snaplen
	opFixed              // imm bytes at arg a
	opArray              // arg b elements of imm bytes at arg a
	opBufCap             // arg b bytes at arg a, at most imm
	opBufDeref           // *(u32 *)arg b bytes at arg a, at most imm (0: the snaplen)
	opIov                // iovec array at arg a, arg b entries, and their data (imm 1: up to ret)
	opMsg                // msghdr at arg a, its name, iovecs and data (imm 1: up to ret)
	opOut                // imm bytes at arg a when the call succeeded (ret 0): its output structure
)

var opNames = []string{"XA_OP_STR", "XA_OP_BUF", "XA_OP_BUFRET", "XA_OP_FIXED", "XA_OP_ARRAY",
	"XA_OP_BUFCAP", "XA_OP_BUFDEREF", "XA_OP_IOV", "XA_OP_MSG", "XA_OP_OUT"}

// capture is one row of the generated table.
type capture struct {
	op   op
	a, b int // argument indexes
	imm  int
}

const (
	pathMax     = 4096 // PATH_MAX: the longest path the kernel takes
	sockaddrMax = 128  // sizeof(struct sockaddr_storage)
)

// operand names an operand of a fetch by its position; last is the
// final one, none an operand the capture does not use.
type operand int8

const (
	last operand = -1
	none operand = -2
)

// capSpec is a capture of a fetch kind in terms of the fetch's operands.
type capSpec struct {
	op   op
	a, b operand
	imm  int
}

// kindGroups gives the captures of every fetch kind, kinds with the same
// captures together.
var kindGroups = []struct {
	kinds string
	caps  []capSpec
}{
	{"path pathna", []capSpec{{opStr, 0, none, pathMax}}},
	{"path256", []capSpec{{opStr, 0, none, 256}}},
	{"quotapath", []capSpec{{opStr, 1, none, pathMax}}},
	{"buf", []capSpec{{opBuf, 0, 1, 0}}},
	{"optval", []capSpec{{opBuf, 2, 3, 0}}},
	{"bufret", []capSpec{{opBufRet, 0, none, 0}}},
	// The output structure of a successful call (struct stat is 144
	// bytes, struct statx 256); the decoder reads none of a failed one.
	{"outfield", []capSpec{{opOut, 0, none, 256}}},
	{"deref32 deref32z quotafmtout", []capSpec{{opFixed, last, none, 4}}},
	{"offptr sigmask ptracedata", []capSpec{{opFixed, last, none, 8}}},
	{"pipefd pairfd pairid", []capSpec{{opFixed, 0, none, 8}}},
	{"timespec ppolltimeout rlimit setrlimit prlimitnew prlimitold", []capSpec{{opFixed, 0, none, 16}}},
	{"howflags howmode howresolve", []capSpec{{opFixed, 0, none, 24}}},
	{"dqblk", []capSpec{{opFixed, 1, none, 72}}},
	{"dqinfo", []capSpec{{opFixed, 1, none, 24}}},
	{"pollin pollout", []capSpec{{opArray, 0, 1, 8}}},
	{"sembuf", []capSpec{{opArray, 0, 1, 6}}},
	{"sockaddr", []capSpec{{opBufCap, 0, 1, sockaddrMax}}},
	{"fdsockaddr tupleout", []capSpec{{opBufCap, 1, 2, sockaddrMax}}},
	{"tuplein", []capSpec{{opFixed, 2, none, 4}, {opBufDeref, 1, 2, sockaddrMax}}},
	{"optvalget", []capSpec{{opFixed, 3, none, 4}, {opBufDeref, 2, 3, 0}}},
	{"iovdata iovsize", []capSpec{{opIov, 0, 1, 0}}},
	{"iovdataret iovsizeret", []capSpec{{opIov, 0, 1, 1}}},
	{"msgdata msgsize msgtupleout", []capSpec{{opMsg, last, none, 0}}},
	{"msgdataret msgsizeret msgtuplein", []capSpec{{opMsg, last, none, 1}}},
	// Kinds computed from registers and the return value alone.
	{"arg int32 ret ret16 const dirfd accessmode chmodmode creatmode cloneflags " +
		"execveatflags fcntlcmd flockop futexop linkatflags mmapflags mountflags openflags " +
		"openmode optlevel optname protflags ptracereq ptraceaddr quotacmd quotafmt quotaid " +
		"quotatype rlimitres semctlcmd semctlval semgetflags unlinkatflags whence bpfres", nil},
	// Kinds that need more than the call's memory: /proc of the process,
	// the socket behind a descriptor, the exit status or the signal. The
	// agent does not capture them yet (see docs/performance.md,
	// "In-process agent"); they are listed so that the table is complete.
	{"proc vm fddev pipeino backlog tupleaccept exit signal cloneflagsx", nil},
}

// captureKinds is kindGroups by kind.
var captureKinds = func() map[string][]capSpec {
	m := map[string][]capSpec{}
	for _, g := range kindGroups {
		for _, k := range strings.Fields(g.kinds) {
			if _, dup := m[k]; dup {
				panic("genagent: fetch kind " + k + " classified twice")
			}
			m[k] = g.caps
		}
	}
	return m
}()

// classify returns the captures of one fetch, kind(operands).
func classify(kind string, args []int) ([]capture, error) {
	specs, ok := captureKinds[kind]
	if !ok {
		return nil, fmt.Errorf("fetch kind %q is not classified in internal/cmd/genagent", kind)
	}
	arg := func(o operand) int {
		switch {
		case o == none:
			return 0
		case o == last:
			o = operand(len(args) - 1)
		}
		if o < 0 || int(o) >= len(args) {
			return -1
		}
		return args[o]
	}
	var c []capture
	for _, sp := range specs {
		x := capture{op: sp.op, a: arg(sp.a), b: arg(sp.b), imm: sp.imm}
		if x.a < 0 || x.b < 0 {
			return nil, fmt.Errorf("fetch %s%v: an operand is not a syscall argument", kind, args)
		}
		c = append(c, x)
	}
	return c, nil
}

// parseFetch parses "kind(a0,a3,1)" into the kind and its argument
// indexes (-1 for operands that are not arguments).
func parseFetch(s string) (string, []int) {
	kind, rest, ok := strings.Cut(s, "(")
	if !ok {
		return s, nil
	}
	var args []int
	for _, o := range strings.Split(strings.TrimSuffix(rest, ")"), ",") {
		if len(o) == 2 && o[0] == 'a' && o[1] >= '0' && o[1] <= '5' {
			args = append(args, int(o[1]-'0'))
		} else {
			args = append(args, -1)
		}
	}
	return kind, args
}

func readTSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for first := true; sc.Scan(); first = false {
		if !first {
			rows = append(rows, strings.Split(sc.Text(), "\t"))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, nil
}

func generate(dir string) ([]byte, error) {
	events, err := readTSV(filepath.Join(dir, "events.tsv"))
	if err != nil {
		return nil, err
	}
	symbol := map[int]string{}
	for _, r := range events {
		n, err := strconv.Atoi(r[0])
		if err != nil || len(r) < 2 {
			return nil, fmt.Errorf("events.tsv: bad row %q", r)
		}
		symbol[n] = r[1]
	}
	fetchRows, err := readTSV(filepath.Join(dir, "x86_64_fetch.tsv"))
	if err != nil {
		return nil, err
	}
	fetch := map[string]string{}
	for _, r := range fetchRows {
		if len(r) >= 2 {
			fetch[r[0]] = r[1]
		}
	}
	captures := func(ev int) ([]capture, error) {
		sym, ok := symbol[ev]
		if !ok {
			return nil, fmt.Errorf("x86_64_syscalls.tsv names event %d, which events.tsv lacks", ev)
		}
		return paramCaptures("x86_64_fetch.tsv", sym, fetch[sym])
	}
	sys, err := readTSV(filepath.Join(dir, "x86_64_syscalls.tsv"))
	if err != nil {
		return nil, err
	}
	xrows, err := readTSV(filepath.Join(dir, "xtrace_events.tsv"))
	if err != nil {
		return nil, err
	}
	extended := map[string][2]string{} // syscall -> enter, exit params
	for _, r := range xrows {
		for len(r) < 5 {
			r = append(r, "")
		}
		extended[r[0]] = [2]string{r[3], r[4]}
	}
	type entry struct {
		nr, side int
		name     string
		caps     []capture
	}
	var entries []entry
	maxNr := 0
	for _, r := range sys {
		if len(r) < 3 {
			return nil, fmt.Errorf("x86_64_syscalls.tsv: bad row %q", r)
		}
		nr, err := strconv.Atoi(r[0])
		if err != nil {
			return nil, fmt.Errorf("x86_64_syscalls.tsv: bad number in %q", r)
		}
		maxNr = max(maxNr, nr)
		e, x, ok := strings.Cut(r[2], "/")
		if !ok {
			// GENERIC in sysdig's table: xtrace's extended events,
			// whose fetches xtrace_events.tsv gives.
			cols, known := extended[r[1]]
			if !known {
				continue
			}
			for side, col := range cols {
				c, err := paramCaptures("xtrace_events.tsv", r[1], col)
				if err != nil {
					return nil, err
				}
				if len(c) > 0 {
					entries = append(entries, entry{nr, side, r[1], c})
				}
			}
			continue
		}
		for side, s := range []string{e, x} {
			ev, err := strconv.Atoi(s)
			if err != nil {
				return nil, fmt.Errorf("x86_64_syscalls.tsv %s: bad event %q", r[1], s)
			}
			c, err := captures(ev)
			if err != nil {
				return nil, err
			}
			if len(c) > 0 {
				entries = append(entries, entry{nr, side, r[1], c})
			}
		}
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].nr != entries[j].nr {
			return entries[i].nr < entries[j].nr
		}
		return entries[i].side < entries[j].side
	})

	var b bytes.Buffer
	b.WriteString("/* Code generated by internal/cmd/genagent from event/tables; DO NOT EDIT. */\n\n")
	b.WriteString("/* The tracee memory the decoder reads for each syscall, by side. */\n")
	b.WriteString("enum xa_op {\n")
	for i, n := range opNames {
		fmt.Fprintf(&b, "\t%s = %d,\n", n, i)
	}
	b.WriteString("};\n\n")
	b.WriteString("struct xa_cap {\n\tu8 op, a, b, pad;\n\tu32 imm;\n};\n\n")
	fmt.Fprintf(&b, "#define XA_CAP_NSYS %d\n\n", maxNr+1)
	b.WriteString("static const struct xa_cap xa_caps[] = {\n")
	type span struct{ start, n int }
	index := map[[2]int]span{}
	pos := 0
	for _, e := range entries {
		fmt.Fprintf(&b, "\t/* %d %s %s */\n", e.nr, e.name, []string{"enter", "exit"}[e.side])
		for _, c := range e.caps {
			bb := max(c.b, 0)
			fmt.Fprintf(&b, "\t{%s, %d, %d, 0, %d},\n", opNames[c.op], c.a, bb, c.imm)
		}
		index[[2]int{e.nr, e.side}] = span{pos, len(e.caps)}
		pos += len(e.caps)
	}
	b.WriteString("};\n\n")
	b.WriteString("/* xa_cap_index[nr][side]: first row in xa_caps and row count. */\n")
	b.WriteString("static const u16 xa_cap_index[XA_CAP_NSYS][2][2] = {\n")
	var nrs []int
	seen := map[int]bool{}
	for _, e := range entries {
		if !seen[e.nr] {
			seen[e.nr] = true
			nrs = append(nrs, e.nr)
		}
	}
	for _, nr := range nrs {
		en, ex := index[[2]int{nr, 0}], index[[2]int{nr, 1}]
		fmt.Fprintf(&b, "\t[%d] = {{%d, %d}, {%d, %d}},\n", nr, en.start, en.n, ex.start, ex.n)
	}
	b.WriteString("};\n")
	return b.Bytes(), nil
}

// fetchTail is the fetch part at the end of a parameter, "fd=arg(a0)"
// in x86_64_fetch.tsv, "path:FSRELPATH:NA:dirfd=param1=pathna(a1)" in
// xtrace_events.tsv.
var fetchTail = regexp.MustCompile(`=([a-z0-9]+(?:\([^)]*\))?)$`)

// paramCaptures returns the captures of one params column of table, the
// parameters of name, each once.
func paramCaptures(table, name, col string) ([]capture, error) {
	var out []capture
	for _, p := range strings.Split(col, ";") {
		p = strings.TrimSpace(p)
		if p == "" || p == "-" {
			continue
		}
		m := fetchTail.FindStringSubmatch(p)
		if m == nil {
			return nil, fmt.Errorf("%s %s: bad parameter %q", table, name, p)
		}
		c, err := classify(parseFetch(m[1]))
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", table, name, err)
		}
		for _, x := range c {
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	return out, nil
}

func main() {
	in := flag.String("in", "event/tables", "folder holding the TSV tables")
	out := flag.String("out", "agent/src/capture_gen.h", "C header to write")
	flag.Parse()
	src, err := generate(*in)
	if err != nil {
		log.Fatalf("genagent: %v", err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatalf("genagent: %v", err)
	}
}
