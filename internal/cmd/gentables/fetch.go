package main

import (
	"bytes"
	"fmt"
	"go/format"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"xtrace/internal/eventtables"
)

// fetchKinds lists every fetch kind the decoder implements with the number
// of operands it takes. The generated code names kind k as the decode
// constant "k" + Capitalized(k), so a kind listed here but missing in the
// decoder fails to compile.
var fetchKinds = map[string]int{
	// values taken straight from the stop
	"sc": 0, "nr": 0, "ret": 0, "ret16": 0, "arg": 1, "int32": 1, "const": 1, "dirfd": 1,
	// strings and buffers in tracee memory
	"path": 1, "path256": 1, "pathna": 1, "buf": 2, "bufret": 1, "deref32": 1, "deref32z": 1, "outfield": 2,
	"iovsize": 2, "iovdata": 2, "iovsizeret": 2, "iovdataret": 2,
	"msgsize": 1, "msgdata": 1, "msgsizeret": 1, "msgdataret": 1,
	"timespec": 1, "ppolltimeout": 1, "sigmask": 1, "pollin": 2, "pollout": 2,
	"rlimit": 2, "setrlimit": 2, "prlimitnew": 2, "prlimitold": 2, "offptr": 1,
	"pipefd": 2, "howflags": 1, "howmode": 1, "howresolve": 1,
	"sembuf": 3, "semctlval": 2,
	"quotacmd": 1, "quotatype": 1, "quotaid": 2, "quotafmt": 2, "quotapath": 2,
	"dqblk": 3, "dqinfo": 3, "quotafmtout": 2,
	"optlevel": 1, "optname": 2, "optval": 4, "optvalget": 4,
	"ptracereq": 1, "ptraceaddr": 2, "ptracedata": 2, "bpfres": 0,
	// flag conversions (docs/scap-format.md §8)
	"openflags": 1, "openmode": 2, "creatmode": 1, "cloneflags": 1, "futexop": 1,
	"whence": 1, "rlimitres": 1, "fcntlcmd": 1, "protflags": 1, "mmapflags": 1,
	"mountflags": 1, "semgetflags": 1, "semctlcmd": 1, "accessmode": 1,
	"unlinkatflags": 1, "linkatflags": 1, "chmodmode": 1, "execveatflags": 1,
	"flockop": 1,
	// sockets
	"sockaddr": 2, "fdsockaddr": 3, "tupleout": 3, "tuplein": 3, "tupleaccept": 1,
	"msgtupleout": 2, "msgtuplein": 2, "pairfd": 2, "pairid": 2, "backlog": 2,
	// state read from /proc and the kernel
	"fddev": 1, "pipeino": 1, "vm": 1, "proc": 1, "cloneflagsx": 1,
	// events that are not syscalls
	"exit": 1, "signal": 1,
}

var paramRE = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_ ]*)=([a-z0-9]+)(?:\(([^)]*)\))?$`)

// fetchParam is one parsed "name=kind(operands)".
type fetchParam struct {
	name, kind string
	regs       []string // a0..a5, ret
	imm        string   // integer or field name, "" when absent
}

func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// generateDecode builds decode/table_gen.go from x86_64_fetch.tsv and
// x86_64_flow.tsv, checking every row against events.tsv and every
// syscall's events against the fetch table.
func generateDecode(dir string) ([]byte, error) {
	evRows, err := eventtables.Read(dir, "events.tsv")
	if err != nil {
		return nil, err
	}
	xtRows, err := readXtraceEvents(dir)
	if err != nil {
		return nil, err
	}
	evRows = append(evRows, xtraceEventRows(xtRows, len(evRows))...)
	bySymbol := map[string]int{}
	evParams := map[int][]string{}
	for i, r := range evRows {
		bySymbol[r[1]] = i
		n, _ := strconv.Atoi(r[6])
		var names []string
		if len(r) > 7 && strings.TrimSpace(r[7]) != "" {
			for _, spec := range strings.Split(r[7], "; ") {
				names = append(names, strings.SplitN(spec, ":", 2)[0])
			}
		}
		if len(names) > n {
			names = names[:n]
		}
		evParams[i] = names
	}

	rows, err := eventtables.Read(dir, "x86_64_fetch.tsv")
	if err != nil {
		return nil, err
	}
	rows = append(rows, xtraceFetchRows(xtRows)...)
	table := map[int][]fetchParam{}
	for _, r := range rows {
		num, ok := bySymbol[r[0]]
		if !ok {
			return nil, fmt.Errorf("x86_64_fetch.tsv: unknown event %q", r[0])
		}
		if _, dup := table[num]; dup {
			return nil, fmt.Errorf("x86_64_fetch.tsv: %s listed twice", r[0])
		}
		var ps []fetchParam
		if len(r) > 1 && strings.TrimSpace(r[1]) != "" {
			for _, spec := range strings.Split(r[1], "; ") {
				p, err := parseFetch(spec)
				if err != nil {
					return nil, fmt.Errorf("x86_64_fetch.tsv: %s: %w", r[0], err)
				}
				ps = append(ps, p)
			}
		}
		want := evParams[num]
		if len(ps) != len(want) {
			return nil, fmt.Errorf("x86_64_fetch.tsv: %s fetches %d params, the event table lists %d", r[0], len(ps), len(want))
		}
		for i := range ps {
			if ps[i].name != want[i] {
				return nil, fmt.Errorf("x86_64_fetch.tsv: %s param %d is %q, the event table says %q", r[0], i, ps[i].name, want[i])
			}
		}
		table[num] = ps
	}
	if table[0] == nil || table[1] == nil {
		return nil, fmt.Errorf("x86_64_fetch.tsv: generic events missing")
	}

	scRows, err := eventtables.Read(dir, "x86_64_syscalls.tsv")
	if err != nil {
		return nil, err
	}
	scByName := map[string]int{}
	for _, r := range scRows {
		nr, _ := strconv.Atoi(r[0])
		scByName[r[1]] = nr
		if r[2] == "GENERIC" {
			continue
		}
		var e, x int
		if _, err := fmt.Sscanf(r[2], "%d/%d", &e, &x); err != nil {
			return nil, fmt.Errorf("x86_64_syscalls.tsv: bad events %q", r[2])
		}
		for _, t := range []int{e, x} {
			if _, ok := table[t]; !ok {
				return nil, fmt.Errorf("x86_64_fetch.tsv: event %d (%s) of syscall %s has no row", t, evRows[t][1], r[1])
			}
		}
	}

	flowRows, err := eventtables.Read(dir, "x86_64_flow.tsv")
	if err != nil {
		return nil, err
	}
	flows := map[int]string{}
	for _, r := range flowRows {
		nr, ok := scByName[r[0]]
		if !ok {
			return nil, fmt.Errorf("x86_64_flow.tsv: unknown syscall %q", r[0])
		}
		switch r[1] {
		case "noreturn", "noreturn_group", "clone", "exec", "sigreturn":
		default:
			return nil, fmt.Errorf("x86_64_flow.tsv: %s: unknown flow %q", r[0], r[1])
		}
		flows[nr] = r[1]
	}

	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("// Code generated by internal/cmd/gentables from event/tables/x86_64_fetch.tsv and x86_64_flow.tsv; DO NOT EDIT.\n\n")
	p("package decode\n\n")
	p("// fetchTable says, for every event type the recorder writes, how each\n// parameter is obtained, in the event table's order.\n")
	p("var fetchTable = [...][]fetch{\n")
	nums := make([]int, 0, len(table))
	for n := range table {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		ps := table[n]
		p("\t%d: { // %s\n", n, evRows[n][1])
		if len(ps) == 0 {
			// An empty, non-nil slice marks a known event without params.
		}
		for _, fp := range ps {
			regs := make([]string, 4)
			for i := range regs {
				regs[i] = "opNone"
			}
			for i, r := range fp.regs {
				if r == "ret" {
					regs[i] = "opRet"
				} else {
					regs[i] = "op" + strings.ToUpper(r[:1]) + r[1:]
				}
			}
			imm := "0"
			if fp.imm != "" {
				if _, err := strconv.Atoi(fp.imm); err == nil {
					imm = fp.imm
				} else {
					imm = "int32(f" + camel(fp.imm) + ")"
				}
			}
			p("\t\t{kind: k%s, op: [4]operand{%s}, imm: %s}, // %s\n", camel(fp.kind), strings.Join(regs, ", "), imm, fp.name)
		}
		p("\t},\n")
	}
	p("}\n\n")
	p("// syscallFlow marks the syscalls the tracer follows specially.\n")
	p("var syscallFlow = [numSyscalls]Flow{\n")
	nrs := make([]int, 0, len(flows))
	for nr := range flows {
		nrs = append(nrs, nr)
	}
	sort.Ints(nrs)
	for _, nr := range nrs {
		p("\t%d: Flow%s,\n", nr, camel(flows[nr]))
	}
	p("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting generated code: %w\n%s", err, b.Bytes())
	}
	return src, nil
}

func parseFetch(spec string) (fetchParam, error) {
	m := paramRE.FindStringSubmatch(strings.TrimSpace(spec))
	if m == nil {
		return fetchParam{}, fmt.Errorf("bad param %q", spec)
	}
	fp := fetchParam{name: m[1], kind: m[2]}
	arity, ok := fetchKinds[fp.kind]
	if !ok {
		return fp, fmt.Errorf("param %q: unknown kind %q", fp.name, fp.kind)
	}
	var ops []string
	if m[3] != "" {
		ops = strings.Split(m[3], ",")
	}
	if len(ops) != arity {
		return fp, fmt.Errorf("param %q: kind %s takes %d operands, got %d", fp.name, fp.kind, arity, len(ops))
	}
	for _, op := range ops {
		op = strings.TrimSpace(op)
		switch {
		case op == "ret" || (len(op) == 2 && op[0] == 'a' && op[1] >= '0' && op[1] <= '5'):
			if fp.imm != "" {
				return fp, fmt.Errorf("param %q: register operands must come before the immediate", fp.name)
			}
			fp.regs = append(fp.regs, op)
		default:
			if fp.imm != "" {
				return fp, fmt.Errorf("param %q: more than one immediate operand", fp.name)
			}
			fp.imm = op
		}
	}
	return fp, nil
}
