// Command genagent writes agent/src/capture_gen.h, the agent's table of
// the tracee memory to copy into a syscall's records: for every native
// syscall and side (enter, exit), which strings, buffers and structures
// the decoder reads for the parameters of its events. It is derived from
// event/tables (x86_64_syscalls.tsv for the events of a syscall, events.tsv
// for their names, x86_64_fetch.tsv and, for the syscalls sysdig records
// as generic, xtrace_events.tsv for how each parameter is fetched;
// x86_64_flow.tsv for the exec-flow syscalls), the same tables that
// drive the decoder; the agent has no table of its own. Some fetch kinds
// read the live process (/proc, or the descriptors the process holds).
// For most (the device or inode of a descriptor, the vm counters, a
// socket's names, the thread's /proc entries at a clone or execve exit)
// the agent reads the same facts in-process where xtrace would read them
// and ships them with the record (fact captures); for the others the
// table says, per syscall and side, that the record is synchronous: the
// agent holds the thread until xtrace has decoded it. Some facts do not
// cover every case (a unix socket's tuple, a failed execve's fields,
// which come from its argv): the table says those records are
// synchronous unless the agent took a fact that covers them
// (XA_SYNC_FACT). Every fetch kind must be classified below (its captures
// and whether it reads the live process): a kind this command does not
// know is an error, so a new kind cannot be left uncaptured or
// unsynchronised.
//
//	genagent -in event/tables -out agent/src/capture_gen.h
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"xtrace/internal/eventtables"
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
	// opFixedOK is opFixed for memory that every successful call (ret
	// >= 0) reads or writes in full when the pointer is not NULL: at such
	// an exit the agent copies it directly, without process_vm_readv.
	opFixedOK
	// Facts, read in-process after the call instead of by xtrace from
	// the live process (struct xa_fact_* in ring.h).
	opFactFd   // fstat of descriptor arg a (imm factRet: of the result), when >= 0
	opFactPipe // fstat of both descriptors of the int[2] at arg a
	opFactVM   // the vm counters (statm, and VmSwap when the machine has swap)
	opFactSock // getsockname and getpeername of descriptor arg a (imm factRet: of the result), when >= 0
	opFactTask // the thread's /proc entries (status, stat, the fd limit; imm: the XA_PROC_* parts beyond)
)

// factRet is the imm of an opFactFd or opFactSock whose descriptor is the
// call's result.
const factRet = 1

var opNames = []string{"XA_OP_STR", "XA_OP_BUF", "XA_OP_BUFRET", "XA_OP_FIXED", "XA_OP_ARRAY",
	"XA_OP_BUFCAP", "XA_OP_BUFDEREF", "XA_OP_IOV", "XA_OP_MSG", "XA_OP_OUT", "XA_OP_FIXED_OK",
	"XA_OP_FACT_FD", "XA_OP_FACT_PIPE", "XA_OP_FACT_VM", "XA_OP_FACT_SOCK", "XA_OP_FACT_TASK"}

// The parts of an opFactTask beyond status, stat and the fd limit
// (XA_PROC_* in ring.h), by the proc fields that read them; procArgv
// marks the exit of an exec-flow syscall, whose failed call takes its
// fields from the argv and envp in the program's memory, not /proc.
const (
	procCmdline  = 1
	procEnviron  = 2
	procLoginUID = 4
	procExe      = 8
	procCgroup   = 16
	procArgv     = 32
)

// procParts maps a proc field to the part of the task it is read from;
// the fields not listed come from status, stat or the fd limit.
var procParts = map[string]int{
	"exe": procCmdline, "args": procCmdline, "env": procEnviron,
	"loginuid": procLoginUID, "exeflags": procExe, "cgroups": procCgroup,
}

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

// live says whether decoding a fetch reads the live process: /proc of
// the thread or the descriptors it holds (decode's fetch kinds that go
// through procReader or sockets). A record with such a fetch is
// synchronous: the agent holds its thread until xtrace has decoded it.
// Kinds whose live reads the agent makes itself (fact captures) are
// liveNo: their record carries what the decoder would read. Kinds whose
// fact covers only some cases are liveFact: the agent decides when it
// took the fact (a socket tuple: an AF_INET or AF_INET6 socket's names
// are the fact, a unix socket's tuple needs /proc).
type live int

const (
	liveNo     live = iota // registers, the result, the call's memory and facts alone
	liveAlways             // reads the process whatever the result
	liveOK                 // only for a call that succeeded (ret >= 0)
	liveFact               // its fact when the agent could take it, else the process whatever the result
	liveFactOK             // the same, only for a call that succeeded
	// liveFactFd is liveFact of the descriptor that is its first
	// operand: liveFactOK when that is the result (a failed call has
	// none), liveFact when it is an argument. Classification only.
	liveFactFd
)

// syncNames are the generated header's names of the live values a
// record can have (enum xa_sync).
var syncNames = []string{"XA_SYNC_NO", "XA_SYNC_ALWAYS", "XA_SYNC_OK", "XA_SYNC_FACT", "XA_SYNC_FACT_OK"}

// join is the live value of a record with fetches of values a and b:
// it reads the process when either does.
func join(a, b live) live {
	switch {
	case a == b || b == liveNo:
		return a
	case a == liveNo:
		return b
	case a == liveAlways || b == liveAlways:
		return liveAlways
	case min(a, b) == liveFact && max(a, b) == liveFactOK:
		return liveFact
	case min(a, b) == liveOK && max(a, b) == liveFactOK:
		return liveOK
	}
	return liveAlways // liveOK and liveFact: live after a failed call too
}

// kindGroups gives the captures of every fetch kind, and whether it
// reads the live process, kinds with the same captures together.
var kindGroups = []struct {
	kinds string
	caps  []capSpec
	live  live
}{
	{"path pathna", []capSpec{{opStr, 0, none, pathMax}}, liveNo},
	{"path256", []capSpec{{opStr, 0, none, 256}}, liveNo},
	{"quotapath", []capSpec{{opStr, 1, none, pathMax}}, liveNo},
	{"buf", []capSpec{{opBuf, 0, 1, 0}}, liveNo},
	{"optval", []capSpec{{opBuf, 2, 3, 0}}, liveNo},
	{"bufret", []capSpec{{opBufRet, 0, none, 0}}, liveNo},
	// The output structure of a successful call (struct stat is 144
	// bytes, struct statx 256); the decoder reads none of a failed one.
	{"outfield", []capSpec{{opOut, 0, none, 256}}, liveNo},
	{"deref32 deref32z quotafmtout", []capSpec{{opFixed, last, none, 4}}, liveNo},
	{"offptr ptracedata", []capSpec{{opFixed, last, none, 8}}, liveNo},
	// A signal set the call takes or fills: rt_sigprocmask, rt_sigpending,
	// rt_sigtimedwait, rt_sigsuspend, ppoll and epoll_pwait read or
	// write it first thing, so one that succeeded went through it.
	{"sigmask", []capSpec{{opFixedOK, last, none, 8}}, liveNo},
	// The descriptor pair pipe, pipe2 and socketpair write on success.
	{"pipefd pairfd", []capSpec{{opFixedOK, 0, none, 8}}, liveNo},
	// pipeino stats the first descriptor of the pair whatever the
	// result: a fact. pairid looks both up in /proc/<pid>/net/unix, for
	// a socketpair that succeeded only.
	{"pipeino", []capSpec{{opFixedOK, 0, none, 8}, {opFactPipe, 0, none, 0}}, liveNo},
	{"pairid", []capSpec{{opFixedOK, 0, none, 8}}, liveOK},
	{"timespec ppolltimeout rlimit setrlimit prlimitnew prlimitold", []capSpec{{opFixed, 0, none, 16}}, liveNo},
	{"howflags howmode howresolve", []capSpec{{opFixed, 0, none, 24}}, liveNo},
	{"dqblk", []capSpec{{opFixed, 1, none, 72}}, liveNo},
	{"dqinfo", []capSpec{{opFixed, 1, none, 24}}, liveNo},
	{"pollin pollout", []capSpec{{opArray, 0, 1, 8}}, liveNo},
	{"sembuf", []capSpec{{opArray, 0, 1, 6}}, liveNo},
	{"sockaddr", []capSpec{{opBufCap, 0, 1, sockaddrMax}}, liveNo},
	// fdsockaddr reads the address from memory only (the descriptor
	// just decides whether there is one).
	{"fdsockaddr", []capSpec{{opBufCap, 1, 2, sockaddrMax}}, liveNo},
	// The socket tuples ask the socket behind the descriptor (a copy
	// taken with pidfd_getfd) for its addresses; the inbound ones of a
	// call that failed are empty without asking.
	// Socket tuples: the socket's names are a fact (getsockname and
	// getpeername), enough for AF_INET and AF_INET6; a unix socket's
	// tuple reads /proc/net/unix.
	{"tupleout", []capSpec{{opBufCap, 1, 2, sockaddrMax}, {opFactSock, 0, none, 0}}, liveFact},
	{"tuplein", []capSpec{{opFixed, 2, none, 4}, {opBufDeref, 1, 2, sockaddrMax}, {opFactSock, 0, none, 0}}, liveFactOK},
	{"optvalget", []capSpec{{opFixed, 3, none, 4}, {opBufDeref, 2, 3, 0}}, liveNo},
	{"iovdata iovsize", []capSpec{{opIov, 0, 1, 0}}, liveNo},
	{"iovdataret iovsizeret", []capSpec{{opIov, 0, 1, 1}}, liveNo},
	{"msgdata msgsize", []capSpec{{opMsg, last, none, 0}}, liveNo},
	{"msgtupleout", []capSpec{{opMsg, last, none, 0}, {opFactSock, 0, none, 0}}, liveFact},
	{"msgdataret msgsizeret", []capSpec{{opMsg, last, none, 1}}, liveNo},
	{"msgtuplein", []capSpec{{opMsg, last, none, 1}, {opFactSock, 0, none, 0}}, liveFactOK},
	// Kinds computed from registers and the return value alone.
	{"arg int32 ret ret16 const dirfd accessmode chmodmode creatmode cloneflags " +
		"execveatflags fcntlcmd flockop futexop linkatflags mmapflags mountflags openflags " +
		"openmode optlevel optname protflags ptracereq ptraceaddr quotacmd quotafmt quotaid " +
		"quotatype rlimitres semctlcmd semctlval semgetflags unlinkatflags whence bpfres", nil, liveNo},
	// The vm counters (statm): a fact.
	{"vm", []capSpec{{opFactVM, none, none, 0}}, liveNo},
	// The thread's /proc entries: proc (clone and execve exits, failed
	// ones included) and cloneflagsx, which asks /proc whether the
	// thread is in a child pid namespace. A fact (the agent reads its
	// own /proc/thread-self), but for what it cannot cover: a failed
	// execve's fields come from its argv, a file too long for its room.
	{"proc cloneflagsx", []capSpec{{opFactTask, none, none, 0}}, liveFact},
	// The listening socket's accept queue (TCP_INFO on a copy of the
	// descriptor), whatever accept returned.
	{"backlog", nil, liveAlways},
	// The device of a descriptor (nothing is read for a negative one): a
	// fact, of the result or of an argument.
	{"fddev", []capSpec{{opFactFd, 0, none, 0}}, liveNo},
	// The tuple of an accepted socket: nothing is read for a negative
	// descriptor.
	{"tupleaccept", []capSpec{{opFactSock, 0, none, 0}}, liveFactFd},
	// procexit and signaldeliver fields: from the recorder's own state.
	{"exit signal", nil, liveNo},
}

// kindInfo is what genagent knows of a fetch kind.
type kindInfo struct {
	caps []capSpec
	live live
}

// kinds is kindGroups by kind.
var kinds = func() map[string]kindInfo {
	m := map[string]kindInfo{}
	for _, g := range kindGroups {
		for _, k := range strings.Fields(g.kinds) {
			if _, dup := m[k]; dup {
				panic("genagent: fetch kind " + k + " classified twice")
			}
			m[k] = kindInfo{g.caps, g.live}
		}
	}
	return m
}()

// fetchOp is one parsed fetch, kind(operands): args holds the operands'
// argument indexes (-1 for operands that are not arguments), ops the
// operands as written.
type fetchOp struct {
	kind string
	args []int
	ops  []string
}

// classify returns the captures of one fetch and whether decoding it
// reads the live process (liveNo, liveAlways, liveOK, liveFact or
// liveFactOK).
func classify(f fetchOp) ([]capture, live, error) {
	k, ok := kinds[f.kind]
	if !ok {
		return nil, 0, fmt.Errorf("fetch kind %q is not classified in internal/cmd/genagent", f.kind)
	}
	args := f.args
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
	for _, sp := range k.caps {
		x := capture{op: sp.op, a: arg(sp.a), b: arg(sp.b), imm: sp.imm}
		if (sp.op == opFactFd || sp.op == opFactSock) && len(f.ops) > 0 && f.ops[0] == "ret" {
			x.a, x.imm = 0, factRet
		}
		if sp.op == opFactTask && f.kind == "proc" && len(f.ops) > 0 {
			x.imm = procParts[f.ops[0]]
		}
		if x.a < 0 || x.b < 0 {
			return nil, 0, fmt.Errorf("fetch %s%v: an operand is not a syscall argument", f.kind, f.ops)
		}
		c = append(c, x)
	}
	l := k.live
	if l == liveFactFd {
		switch {
		case len(f.ops) == 0:
			return nil, 0, fmt.Errorf("fetch %s: no descriptor operand", f.kind)
		case f.ops[0] == "ret":
			l = liveFactOK
		default:
			l = liveFact
		}
	}
	return c, l, nil
}

// parseFetch parses "kind(a0,a3,1)".
func parseFetch(s string) fetchOp {
	kind, rest, ok := strings.Cut(s, "(")
	if !ok {
		return fetchOp{kind: s}
	}
	f := fetchOp{kind: kind, ops: strings.Split(strings.TrimSuffix(rest, ")"), ",")}
	for _, o := range f.ops {
		if len(o) == 2 && o[0] == 'a' && o[1] >= '0' && o[1] <= '5' {
			f.args = append(f.args, int(o[1]-'0'))
		} else {
			f.args = append(f.args, -1)
		}
	}
	return f
}

func generate(dir string) ([]byte, error) {
	events, err := eventtables.Read(dir, "events.tsv")
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
	fetchRows, err := eventtables.Read(dir, "x86_64_fetch.tsv")
	if err != nil {
		return nil, err
	}
	fetch := map[string]string{}
	for _, r := range fetchRows {
		if len(r) >= 2 {
			fetch[r[0]] = r[1]
		}
	}
	captures := func(ev int) ([]capture, live, error) {
		sym, ok := symbol[ev]
		if !ok {
			return nil, 0, fmt.Errorf("x86_64_syscalls.tsv names event %d, which events.tsv lacks", ev)
		}
		return paramCaptures("x86_64_fetch.tsv", sym, fetch[sym])
	}
	sys, err := eventtables.Read(dir, "x86_64_syscalls.tsv")
	if err != nil {
		return nil, err
	}
	xrows, err := eventtables.Read(dir, "xtrace_events.tsv")
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
	flowRows, err := eventtables.Read(dir, "x86_64_flow.tsv")
	if err != nil {
		return nil, err
	}
	execFlow := map[string]bool{}
	for _, r := range flowRows {
		if len(r) >= 2 && r[1] == "exec" {
			execFlow[r[0]] = true
		}
	}
	type entry struct {
		nr, side int
		name     string
		caps     []capture
		sync     live
	}
	var entries []entry
	add := func(nr, side int, name string, c []capture, l live) error {
		switch {
		case side == 0 && l == liveOK:
			l = liveAlways // no result yet at enter
		case side == 0 && l == liveFactOK:
			l = liveFact
		}
		for _, x := range c {
			if side == 0 && (x.op == opFactFd || x.op == opFactSock) && x.imm == factRet {
				return fmt.Errorf("%s: the enter event reads a fact of the result", name)
			}
		}
		if side == 1 && execFlow[name] {
			for i := range c {
				if c[i].op == opFactTask {
					c[i].imm |= procArgv
				}
			}
		}
		if len(c) > 0 || l != liveNo {
			entries = append(entries, entry{nr, side, name, c, l})
		}
		return nil
	}
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
				c, l, err := paramCaptures("xtrace_events.tsv", r[1], col)
				if err != nil {
					return nil, err
				}
				if err := add(nr, side, r[1], c, l); err != nil {
					return nil, err
				}
			}
			continue
		}
		for side, s := range []string{e, x} {
			ev, err := strconv.Atoi(s)
			if err != nil {
				return nil, fmt.Errorf("x86_64_syscalls.tsv %s: bad event %q", r[1], s)
			}
			c, l, err := captures(ev)
			if err != nil {
				return nil, err
			}
			if err := add(nr, side, r[1], c, l); err != nil {
				return nil, err
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
	b.WriteString("/*\n * The tracee memory the decoder reads for each syscall, by side, and the\n")
	b.WriteString(" * facts (XA_OP_FACT_*) it would otherwise read from the live process.\n */\n")
	writeEnum(&b, "xa_op", opNames)
	b.WriteString("struct xa_cap {\n\tu8 op, a, b, pad;\n\tu32 imm;\n};\n\n")
	fmt.Fprintf(&b, "#define XA_CAP_NSYS %d\n\n", maxNr+1)
	b.WriteString("static const struct xa_cap xa_caps[] = {\n")
	type span struct{ start, n int }
	index := map[[2]int]span{}
	pos := 0
	for _, e := range entries {
		if len(e.caps) == 0 {
			continue
		}
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
		if en.n > 0 || ex.n > 0 {
			fmt.Fprintf(&b, "\t[%d] = {{%d, %d}, {%d, %d}},\n", nr, en.start, en.n, ex.start, ex.n)
		}
	}
	b.WriteString("};\n\n")
	b.WriteString("/*\n * Synchronous records: decoding them reads the live process (its /proc\n")
	b.WriteString(" * entries or the descriptors it holds), so the agent holds the thread\n")
	b.WriteString(" * until xtrace has consumed the record. XA_SYNC_OK: only when the call\n")
	b.WriteString(" * succeeded (ret >= 0). XA_SYNC_FACT: only when the record's facts\n")
	b.WriteString(" * (XA_OP_FACT_SOCK) do not cover what the decoder reads; XA_SYNC_FACT_OK:\n")
	b.WriteString(" * the same, only when the call succeeded.\n */\n")
	writeEnum(&b, "xa_sync", syncNames)
	b.WriteString("/* xa_sync[nr][side] */\n")
	b.WriteString("static const u8 xa_sync[XA_CAP_NSYS][2] = {\n")
	syncs := map[int][2]live{}
	for _, e := range entries {
		s := syncs[e.nr]
		s[e.side] = e.sync
		syncs[e.nr] = s
	}
	for _, nr := range nrs {
		if s := syncs[nr]; s != [2]live{} {
			var name string
			for _, e := range entries {
				if e.nr == nr {
					name = e.name
				}
			}
			fmt.Fprintf(&b, "\t[%d] = {%s, %s}, /* %s */\n", nr, syncNames[s[0]], syncNames[s[1]], name)
		}
	}
	b.WriteString("};\n")
	return b.Bytes(), nil
}

// writeEnum writes the C enum name whose members are names, numbered
// from 0.
func writeEnum(b *bytes.Buffer, name string, names []string) {
	fmt.Fprintf(b, "enum %s {\n", name)
	for i, n := range names {
		fmt.Fprintf(b, "\t%s = %d,\n", n, i)
	}
	b.WriteString("};\n\n")
}

// paramCaptures returns the captures of one params column of table, the
// parameters of name, each once, and whether decoding them reads the live
// process (the parameters' joined, see join).
func paramCaptures(table, name, col string) ([]capture, live, error) {
	var out []capture
	sync := liveNo
	for _, p := range strings.Split(col, ";") {
		p = strings.TrimSpace(p)
		if p == "" || p == "-" {
			continue
		}
		m := eventtables.FetchTail.FindStringSubmatch(p)
		if m == nil {
			return nil, 0, fmt.Errorf("%s %s: bad parameter %q", table, name, p)
		}
		c, l, err := classify(parseFetch(m[1]))
		if err != nil {
			return nil, 0, fmt.Errorf("%s %s: %w", table, name, err)
		}
		sync = join(sync, l)
		for _, x := range c {
			// One task fact per record, with every part its
			// fields need.
			if i := slices.IndexFunc(out, func(o capture) bool { return o.op == opFactTask }); x.op == opFactTask && i >= 0 {
				out[i].imm |= x.imm
				continue
			}
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	return out, sync, nil
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
