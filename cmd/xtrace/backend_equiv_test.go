package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"xtrace/agent"
	"xtrace/internal/testutil"
)

// The backend equivalence test: the same workload recorded by the ptrace
// backend and by the agent gives the same events, thread by thread: the
// same types, arguments, results, fd names and process tree, modulo what
// differs between any two runs (timestamps, CPU numbers, addresses,
// process ids, memory sizes). The agent does not see the dynamic loader's
// work before its constructor runs (docs/agent.md), and the loader works
// a little differently with an audit module, so the ptrace recording
// runs with recAuditMarker's module, which the loader loads where it
// loads the agent, and leaves out each image's events up to its marker
// call.

// equivFormat prints what is compared of every event.
const equivFormat = "*%thread.tid %evt.dir %evt.type %evt.args fd.name=%fd.name"

// equivEvent is one normalised event line of a thread.
type equivEvent struct {
	dir, typ, args string
}

func (e equivEvent) String() string { return e.dir + " " + e.typ + " " + e.args }

var (
	// Values that differ between two runs of the same program.
	equivAddr     = regexp.MustCompile(`\b[0-9A-F]{6,16}\b`)
	equivSizes    = regexp.MustCompile(`\b(vm_size|vm_rss|vm_swap|pgft_maj|pgft_min|fdlimit|ino|dev|queuepct|queuelen)=\d+`)
	equivKernel   = regexp.MustCompile(`\b(source|peer)=[0-9A-F]+`)   // kernel socket addresses
	equivRandom   = regexp.MustCompile(`^(res=\d+ buf=).*?( count=)`) // getrandom's data
	equivPidArg   = regexp.MustCompile(`\b(res|pid|tid|ptid|vtid|vpid|spid|dpid|pgid|fd|fd1|fd2|val)=(-?\d+)`)
	equivTuple    = regexp.MustCompile(`:\d{4,5}\b`)
	equivChild    = regexp.MustCompile(`^res=<[0-9.]+>`)
	equivCloneRes = regexp.MustCompile(`^res=(\d+)`)
	equivPtid     = regexp.MustCompile(`\bptid=<[^>]*>(\([^)]*\))?`)
	equivFdNum    = regexp.MustCompile(`\b(fd|res)=\d+\(<`)                                              // threads sharing a table get numbers in the order they open
	equivGitTemp  = regexp.MustCompile(`(\.git/(?:objects/[0-9a-f]{2}/)?t(?:mp_obj_)?)[A-Za-z0-9]{6}\b`) // git's mkstemp names
	equivData     = regexp.MustCompile(`data=.* `)                                                       // a buffer
	equivMktemp   = regexp.MustCompile(`(xtrace-bench-[a-z]+\.)[A-Za-z0-9]{1,6}`)                        // the bench workloads' temp folders
	equivSpid     = regexp.MustCompile(`spid=<[0-9.]+>`)
	equivPidName  = regexp.MustCompile(`(<[0-9.]+>)\([^)]*\)`)
	equivUnix     = regexp.MustCompile(`((?:tuple|fd\.name)=[0-9a-fA-F]+->)[0-9a-fA-F]+\b`) // unix socket addresses
	equivInode    = regexp.MustCompile(`pipe:\[\d+\]|\d+\(<p>\)`)
)

// equivThreads reads a capture as sequences of normalised events per
// thread, the threads named by their place in the process tree: the
// launched thread is "1", the n-th thread or process a thread creates is
// its name + "." + n.
// Strings are printed in full (-v) so that hide, an environment entry
// of the recording's own (the marker module's LD_AUDIT), can be taken
// out wherever it stands.
func equivThreads(t *testing.T, bin, dir, capture, hide string) (map[string][]equivEvent, []string) {
	t.Helper()
	out, err := exec.Command(bin, "-r", capture, "-v", "-p", equivFormat).Output()
	if err != nil {
		t.Fatalf("xtrace -r %s: %v", capture, err)
	}
	type line struct{ tid, dir, typ, args string }
	var lines []line
	var tids []string                 // in order of first appearance
	children := map[string][]string{} // tid -> the tids it created, in order
	seen := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(l, " ", 4)
		if len(f) < 3 {
			continue
		}
		e := line{tid: f[0], dir: f[1], typ: f[2]}
		if len(f) == 4 {
			e.args = strings.TrimSpace(f[3])
			if hide != "" {
				e.args = strings.ReplaceAll(e.args, hide, "")
			}
		}
		if !seen[e.tid] {
			seen[e.tid] = true
			tids = append(tids, e.tid)
		}
		if e.dir == "<" && cloneCall(e.typ) {
			if m := equivCloneRes.FindStringSubmatch(e.args); m != nil && m[1] != "0" {
				children[e.tid] = append(children[e.tid], m[1])
			}
		}
		lines = append(lines, e)
	}
	// Names from the process tree: the first thread is "1", the n-th
	// thread or process a thread creates is its name + "." + n (a
	// creator's exit may come after its child's first events).
	names := map[string]string{}
	var name func(tid, n string)
	name = func(tid, n string) {
		if _, ok := names[tid]; ok {
			return
		}
		names[tid] = n
		for i, c := range children[tid] {
			name(c, n+"."+strconv.Itoa(i+1))
		}
	}
	if len(tids) > 0 {
		name(tids[0], "1")
	}
	var order []string
	seq := map[string][]equivEvent{}
	for _, tid := range tids {
		if _, ok := names[tid]; !ok {
			names[tid] = "?" + tid // its creation was not recorded
		}
		order = append(order, names[tid])
	}
	for _, e := range lines {
		if e.typ == "futex" {
			continue // whether a thread waits depends on timing
		}
		seq[names[e.tid]] = append(seq[names[e.tid]], equivEvent{e.dir, e.typ, e.args})
	}
	// Normalise once every tid has its name.
	for name, evs := range seq {
		for i := range evs {
			a := evs[i].args
			a = equivPidArg.ReplaceAllStringFunc(a, func(s string) string {
				k, v, _ := strings.Cut(s, "=")
				if k == "fd" || k == "fd1" || k == "fd2" || k == "res" && !pidResult[evs[i].typ] {
					return s
				}
				if n, ok := names[v]; ok {
					return k + "=<" + n + ">"
				}
				if k != "val" && v != "0" && !strings.HasPrefix(v, "-") {
					return k + "=<outside>" // a process not recorded (xtrace, the shell)
				}
				return s
			})
			// A new process' parent is its creator, or the reaper that
			// adopted it when the creator has ended by then (timing).
			a = equivPtid.ReplaceAllString(a, "ptid=P")
			a = equivFdNum.ReplaceAllString(a, "${1}=N(<")
			a = equivGitTemp.ReplaceAllString(a, "${1}XXXXXX")
			a = equivUnix.ReplaceAllString(a, "${1}K")
			a = equivMktemp.ReplaceAllString(a, "${1}XXXXXX")
			if evs[i].typ == "close" && evs[i].dir == "<" {
				// After the close, the name the state has for the
				// number is the next open's of a thread sharing the
				// table, or none: an order between threads (the
				// enter has the name).
				a, _, _ = strings.Cut(a, " fd.name=")
			}
			switch evs[i].typ {
			case "wait4", "waitid":
				// Which child is reaped first depends on timing.
				a = equivChild.ReplaceAllString(a, "res=<child>")
			case "signaldeliver":
				if strings.Contains(a, "sig=17(SIGCHLD)") {
					a = equivSpid.ReplaceAllString(a, "spid=<child>")
				}
			case "rt_sigreturn":
				a = "res=R" // the interrupted context's rax
			}
			a = equivSizes.ReplaceAllStringFunc(a, func(s string) string { k, _, _ := strings.Cut(s, "="); return k + "=N" })
			a = equivKernel.ReplaceAllString(a, "$1=K")
			if evs[i].typ == "getrandom" {
				a = equivRandom.ReplaceAllString(a, "${1}RANDOM$2")
			}
			if evs[i].typ == "read" && strings.HasSuffix(a, "fd.name=/dev/urandom") {
				a = equivData.ReplaceAllString(a, "data=RANDOM ")
			}
			a = equivAddr.ReplaceAllString(a, "ADDR")
			a = equivTuple.ReplaceAllString(a, ":PORT")
			a = equivInode.ReplaceAllString(a, "PIPE")
			for tid, n := range names {
				a = strings.ReplaceAll(a, "("+tid+")", "(<"+n+">)")
			}
			// The name shown after another process' id is its name at
			// that moment, which depends on timing (a vfork child
			// may have exec'd).
			a = equivPidName.ReplaceAllString(a, "$1")
			evs[i].args = a
		}
		seq[name] = evs
	}
	return seq, order
}

// pidResult are the calls whose result is a process or thread id.
var pidResult = map[string]bool{"clone": true, "clone3": true, "fork": true, "vfork": true,
	"wait4": true, "waitid": true, "getpid": true, "getppid": true, "gettid": true,
	"setsid": true, "getsid": true, "getpgid": true, "getpgrp": true}

// cloneCall reports whether events of type typ create a thread.
func cloneCall(typ string) bool {
	return typ == "clone" || typ == "clone3" || typ == "fork" || typ == "vfork"
}

// equivCompare compares one thread's events.
func equivCompare(name string, ptrace, agent []equivEvent) string {
	i, j := 0, 0
	for i < len(ptrace) && j < len(agent) {
		p, a := ptrace[i], agent[j]
		if p == a || equivLostName(p, a) {
			i, j = i+1, j+1
			continue
		}
		return fmt.Sprintf("thread %s, event %d (ptrace) / %d (agent):\n  ptrace: %s\n  agent:  %s", name, i, j, p, a)
	}
	if i < len(ptrace) || j < len(agent) {
		var rest []string
		for _, e := range ptrace[i:] {
			rest = append(rest, "ptrace: "+e.String())
		}
		for _, e := range agent[j:] {
			rest = append(rest, "agent:  "+e.String())
		}
		if len(rest) > 6 {
			rest = rest[:6]
		}
		return fmt.Sprintf("thread %s: sequences end apart (%d ptrace, %d agent events):\n  %s", name, len(ptrace), len(agent), strings.Join(rest, "\n  "))
	}
	return ""
}

var (
	equivFdArg  = regexp.MustCompile(`\bfd=(?:N\(<[^>]*>[^)]*\)|\d+)`)
	equivFdName = regexp.MustCompile(`fd\.name=\S*`)
)

// equivLostName reports two events that differ only in the name of
// their descriptor, unknown on one side. Threads sharing a descriptor
// table: one closes a number that another then reopens, and a recorder
// may write the close after that open (ptrace handles stops in the order
// it waits for them, not the order they happened), so the state drops
// the name until the next open. A timing difference between two runs.
func equivLostName(p, a equivEvent) bool {
	lost := func(args string) bool {
		return strings.Contains(args, "fd.name=<NA>") || strings.HasSuffix(args, "fd.name=")
	}
	if !lost(p.args) && !lost(a.args) {
		return false
	}
	strip := func(s string) string {
		return equivFdName.ReplaceAllString(equivFdArg.ReplaceAllString(s, "fd=F"), "fd.name=?")
	}
	return p.dir == a.dir && p.typ == a.typ && strip(p.args) == strip(a.args)
}

// TestBackendEquivalence records the recording tests' workloads and the
// shared benchmark workloads (bench/workloads, at 1% of their size) with
// both backends and compares the captures event by event.
func TestBackendEquivalence(t *testing.T) {
	testutil.RequireTools(t, "gcc", "tar")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	recEachWorkload(t, func(t *testing.T, w *recWorkload, dir string) {
		equivRun(t, bin, dir, nil, w.argv, w.code)
	})
	build := t.TempDir()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	workloads := filepath.Join(root, "bench", "workloads")
	cmd := exec.Command(filepath.Join(workloads, "build.sh"))
	cmd.Env = append(os.Environ(), "BENCH_BUILD="+build)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the bench workloads: %v\n%s", err, out)
	}
	// git is left out: two runs of it differ under one backend (whether
	// its index is "racily clean" depends on the clock, so it re-reads
	// files in some runs; its temp names and getrandom calls vary).
	// TestStraceEveryFailure compares git under the agent with strace.
	for _, name := range []string{"getppid", "pipe", "files", "procs", "threads", "net", "tar"} {
		t.Run("bench-"+name, func(t *testing.T) {
			dir := t.TempDir()
			tmp := filepath.Join(dir, "tmp")
			if err := os.Mkdir(tmp, 0o755); err != nil {
				t.Fatal(err)
			}
			env := []string{"BENCH_SCALE=1", "BENCH_BUILD=" + build, "BENCH_TMPDIR=" + tmp}
			argv := []string{filepath.Join(workloads, "run"), name}
			if name == "tar" {
				// tar.sh archives a folder, /usr/share/doc unless told.
				argv = []string{filepath.Join(workloads, "tar.sh"), "/usr/share/doc/tar"}
			}
			equivRun(t, bin, dir, env, argv, 0)
		})
	}
}

// equivRun records argv in dir with both backends and compares.
func equivRun(t *testing.T, bin, dir string, env, argv []string, code int) {
	t.Helper()
	seqs := map[string]map[string][]equivEvent{}
	var order []string
	for _, backend := range []string{"ptrace", "agent"} {
		capture := filepath.Join(dir, backend+".scap")
		env := env[:len(env):len(env)]
		hide := ""
		if backend == "ptrace" {
			marker := "LD_AUDIT=" + recAuditMarker(t)
			env = append(env, marker)
			hide = marker + "."
		}
		r := recRun(t, dir, env, bin, append([]string{"-q", "--backend=" + backend, "-w", capture, "--"}, argv...)...)
		if r.code != code {
			t.Fatalf("--backend=%s: exit status %d, want %d\nstderr: %s", backend, r.code, code, r.stderr)
		}
		if strings.Contains(r.stderr, "xtrace:") {
			// Lost or unreadable records, decode errors: what explains
			// a difference below.
			t.Logf("--backend=%s said: %s", backend, r.stderr)
		}
		seqs[backend], order = equivThreads(t, bin, dir, capture, hide)
	}
	for name, evs := range seqs["ptrace"] {
		seqs["ptrace"][name] = equivPtraceOnly(equivAfterMarker(evs))
	}
	for backend, threads := range seqs {
		for name, evs := range threads {
			seqs[backend][name] = equivTimingFree(equivSignalsAfter(evs))
		}
	}
	p, a := seqs["ptrace"], seqs["agent"]
	for _, name := range order {
		if d := equivCompare(name, p[name], a[name]); d != "" {
			t.Error(d)
			// Both sequences whole, for a difference that happens
			// once in many runs.
			t.Logf("thread %s, ptrace:\n%s\nthread %s, agent:\n%s", name, equivList(p[name]), name, equivList(a[name]))
		}
	}
	for name := range p {
		if _, ok := a[name]; !ok {
			t.Errorf("thread %s (%d events) is in the ptrace capture only", name, len(p[name]))
		}
	}
}

// equivList prints a thread's events one a line, numbered as
// equivCompare numbers them, at most 80.
func equivList(evs []equivEvent) string {
	var b strings.Builder
	for i, e := range evs {
		if i == 80 {
			fmt.Fprintf(&b, "  ... %d more\n", len(evs)-i)
			break
		}
		fmt.Fprintf(&b, "  %3d %s\n", i, e)
	}
	return b.String()
}

// equivAfterMarker leaves out of a thread's events, after every
// successful execve, those up to and including the marker module's call
// (close of fd -77): the loader's work that the agent cannot see.
func equivAfterMarker(evs []equivEvent) []equivEvent {
	var out []equivEvent
	loading := false
	for _, e := range evs {
		switch {
		case e.dir == "<" && (e.typ == "execve" || e.typ == "execveat") && strings.HasPrefix(e.args, "res=0 "):
			loading = true
			out = append(out, e)
		case loading:
			if e.dir == "<" && e.typ == "close" && strings.HasPrefix(e.args, "res=-9(EBADF)") {
				loading = false
			}
		default:
			out = append(out, e)
		}
	}
	return out
}

// equivRestart are the results the kernel gives a syscall it restarts
// after a signal handler; a process never sees them.
var equivRestart = regexp.MustCompile(`^res=-(512|513|514|516)\([A-Z_]+\)`)

// equivPtraceOnly turns a ptrace recording's thread into what the agent,
// inside the process, sees (docs/agent.md). A syscall a signal handler
// interrupted ends, to ptrace, with a restart code (ERESTARTSYS ...);
// the kernel then either restarts it after the handler, which the
// program (and the agent) sees as one call, or makes it fail with EINTR.
// Deliveries of signals whose default action stops or continues the
// process reach no handler and are not seen.
func equivPtraceOnly(evs []equivEvent) []equivEvent {
	drop := make([]bool, len(evs))
	for i, e := range evs {
		if e.dir != "<" || !equivRestart.MatchString(e.args) {
			continue
		}
		// Past the handler runs that follow, is the call made again?
		j, depth := i+1, 0
		for ; j < len(evs); j++ {
			if evs[j].typ == "signaldeliver" {
				depth++
			} else if depth > 0 && evs[j].dir == "<" && evs[j].typ == "rt_sigreturn" {
				depth--
			} else if depth == 0 {
				break
			}
		}
		if j < len(evs) && evs[j].dir == ">" && (evs[j].typ == e.typ || evs[j].typ == "restart_syscall") {
			drop[i], drop[j] = true, true
			continue
		}
		evs[i].args = equivRestart.ReplaceAllString(e.args, "res=-4(EINTR)")
	}
	var out []equivEvent
	for i, e := range evs {
		if drop[i] || e.typ == "signaldeliver" && equivStopSignal.MatchString(e.args) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// equivStopSignal matches the deliveries of job-control signals.
var equivStopSignal = regexp.MustCompile(`sig=(19|20|21|22|18)\(`)

// equivSignalsAfter moves every signal handler's run (its delivery up to
// the rt_sigreturn that ends it) that comes between a syscall's enter and
// its exit to after the exit. The kernel delivers a signal when a syscall
// returns; ptrace records the syscall's exit first, the agent, whose
// handler runs on the return of the syscall it made for the program,
// after the handler (docs/agent.md).
func equivSignalsAfter(evs []equivEvent) []equivEvent {
	var out, block []equivEvent
	depth := 0 // handler runs open in block
	inCall := false
	for _, e := range evs {
		switch {
		case e.typ == "signaldeliver" && (inCall || depth > 0):
			depth++
			block = append(block, e)
		case depth > 0:
			block = append(block, e)
			if e.dir == "<" && e.typ == "rt_sigreturn" {
				depth--
			}
		case e.dir == ">" && e.typ != "signaldeliver" && e.typ != "procexit":
			inCall = !noReturn[e.typ]
			out = append(out, e)
		case e.dir == "<":
			inCall = false
			out = append(out, e)
			out = append(out, block...)
			block = block[:0]
		default:
			out = append(out, e)
		}
	}
	return append(out, block...)
}

// equivTimingFree leaves out what depends on when processes run rather
// than on the program: the runs of SIGCHLD handlers (when a child's end
// interrupts its parent), the waits for children (wait4, waitid), whose
// number and results depend on whether the child has ended yet, reads of
// pipes (their sizes depend on how far the writer is) and getrandom.
func equivTimingFree(evs []equivEvent) []equivEvent {
	var out []equivEvent
	depth := 0
	pipeRead := false // a pipe read's enter was left out: its exit goes too
	for _, e := range evs {
		switch {
		case e.typ == "signaldeliver" && strings.Contains(e.args, "sig=17(SIGCHLD)"):
			depth++
			continue
		case depth > 0:
			if e.dir == "<" && e.typ == "rt_sigreturn" {
				depth--
			}
			continue
		case (e.typ == "read" || e.typ == "readv") && e.dir == ">" && strings.Contains(e.args, "(<p>)"):
			// How much a read of a pipe gets depends on how far its
			// writer is. (Its exit names no descriptor: it goes with
			// its enter, not by its empty name, which a file's read
			// also has when another thread's close made the state lose
			// it.)
			pipeRead = true
			continue
		case (e.typ == "read" || e.typ == "readv") && e.dir == "<" && pipeRead:
			pipeRead = false
			continue
		case e.typ == "getrandom":
			// How often a program asks for randomness may vary (git:
			// 4 or 5 times a run).
			continue
		case e.typ == "wait4" || e.typ == "waitid":
			// Whether a shell waits, or polls with WNOHANG, or its
			// SIGCHLD handler has already reaped the child, depends on
			// whether the child has ended yet.
			continue
		}
		out = append(out, e)
	}
	return out
}

// TestAgentStaticChild: a static program that a process recorded by the
// agent execs cannot load the agent. With --backend=agent it runs
// unrecorded: the capture still has its execve and its end, and xtrace
// says which program was not recorded and how to record it. With auto
// the agent hands the process over to the ptrace backend at that execve,
// which records it in the same capture.
func TestAgentStaticChild(t *testing.T) {
	testutil.RequireTools(t, "gcc")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "st.c")
	// A few hundred syscalls, with short sleeps: several at once overlap.
	prog := "#include <unistd.h>\n#include <time.h>\nint main(void) {\n" +
		"\tstruct timespec ts = {0, 200000};\n" +
		"\tfor (int i = 0; i < 300; i++) { getppid(); if (i % 30 == 0) nanosleep(&ts, 0); }\n" +
		"\twrite(1, \"static\\n\", 7);\n\treturn 3;\n}\n"
	if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-static", "-o", filepath.Join(dir, "st"), src).CombinedOutput(); err != nil {
		testutil.SkipOrFail(t, fmt.Sprintf("gcc -static: %v: %s", err, out))
	}
	capture := filepath.Join(dir, "st.scap")
	r := recRun(t, dir, nil, bin, "--backend=agent", "-w", capture, "--", "/bin/sh", "-c", "./st; exit $?")
	if r.code != 3 {
		t.Fatalf("exit %d, want 3: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "1 program ran without being recorded") || !strings.Contains(r.stderr, "st: statically linked") ||
		!strings.Contains(r.stderr, "--backend=ptrace") {
		t.Errorf("stderr %q does not name the unrecorded program", r.stderr)
	}
	lines := recXtraceLines(t, bin, dir, capture)
	if !recMatchAny(lines, `> execve filename=\./st`) || !recMatchAny(lines, `> procexit status=768 ret=3`) {
		t.Errorf("the capture lacks the static program's execve or end:\n%s", strings.Join(lines[max(0, len(lines)-6):], "\n"))
	}
	// auto hands the static child over to the ptrace backend at its
	// execve: the same capture has its every syscall, its execve once.
	r = recRun(t, dir, nil, bin, "--backend=auto", "-w", capture, "--", "/bin/sh", "-c", "./st; exit $?")
	if r.code != 3 || strings.Contains(r.stderr, "without being recorded") {
		t.Fatalf("auto, static child: exit %d: %s", r.code, r.stderr)
	}
	lines = recXtraceLines(t, bin, dir, capture)
	execs := 0
	for _, l := range lines {
		if strings.Contains(l, "> execve filename=./st") {
			execs++
		}
	}
	if execs != 1 || !recMatchAny(lines, `st \(\d+\) < write res=7 data=static`) || !recMatchAny(lines, `st \(\d+\) > procexit status=768 ret=3`) ||
		!recMatchAny(lines, `< execve res=0 exe=\./st`) {
		t.Errorf("auto did not record the static child with ptrace (%d execve enters):\n%s", execs, strings.Join(lines[max(0, len(lines)-8):], "\n"))
	}
	if out := recSysdigLines(t, dir, capture, "proc.name=st"); !recMatchAny(out, `< write res=7 data=static`) {
		t.Error("sysdig does not read the handed-over process' events")
	}
	// The process says it was handed over, once.
	if n := recCount(lines, `sh \(\d+\) > notification id=xtrace\.backend desc=ptrace`); n != 1 {
		t.Errorf("%d hand-over notifications, want 1", n)
	}
	// Several handed over at once: each sub-tracer waits for its own
	// tracees only (a wait for any child took another one's stops, and
	// the tree hung).
	r = recRun(t, dir, nil, bin, "--backend=auto", "-w", capture, "--", "/bin/sh", "-c", "./st & ./st & ./st & wait; exit 5")
	if r.code != 5 || r.stdout != strings.Repeat("static\n", 3) {
		t.Fatalf("auto, three static children at once: exit %d, stdout %q: %s", r.code, r.stdout, r.stderr)
	}
	lines = recXtraceLines(t, bin, dir, capture)
	if n := recCount(lines, `st \(\d+\) < getppid`); n != 900 {
		t.Errorf("%d getppid exits of the three static children, want 900", n)
	}
	if n := recCount(lines, `> notification id=xtrace\.backend desc=ptrace`); n != 3 {
		t.Errorf("%d hand-over notifications, want 3", n)
	}
	// auto records a static command with ptrace, every syscall.
	r = recRun(t, dir, nil, bin, "--backend=auto", "-w", capture, "--", "./st")
	if r.code != 3 || recBackend(t, capture) != "ptrace" {
		t.Fatalf("auto on a static command: exit %d, backend %s: %s", r.code, recBackend(t, capture), r.stderr)
	}
	if lines := recXtraceLines(t, bin, dir, capture); !recMatchAny(lines, `< write res=7 data=static`) {
		t.Error("auto did not record the static command's write")
	}
}

// TestAgentSetuidChild: a setuid or setcap program that an agent-recorded
// process execs. Under auto, with xtrace holding CAP_SYS_PTRACE (root), it is
// handed over to the ptrace backend and keeps its privileges; when the
// launched command itself is handed over, its exit status still comes
// back. With --backend=agent, or when xtrace lacks CAP_SYS_PTRACE (the
// kernel would drop the privileges under its tracer), it runs
// unrecorded, with its privileges, and is named at the end.
func TestAgentSetuidChild(t *testing.T) {
	testutil.RequireTools(t, "setpriv", "setcap", "sysdig", "tshark")
	recRequireTracing(t)
	if os.Geteuid() != 0 {
		testutil.SkipOrFail(t, "needs root")
	}
	bin := recXtraceBin(t)
	dir := recSharedDir(t)
	id := recCopyProgram(t, "/usr/bin/id", filepath.Join(dir, "id"), os.ModeSetuid|0o755)
	// cat with a file capability: /proc/self/status shows it effective.
	capcat := recCopyProgram(t, "/bin/cat", filepath.Join(dir, "capcat"), 0o755)
	if out, err := exec.Command("setcap", "cap_net_raw+ep", capcat).CombinedOutput(); err != nil {
		t.Fatalf("setcap: %v: %s", err, out)
	}
	const netRaw = "CapEff:\t0000000000002000"
	nobody := []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"}
	capture := filepath.Join(dir, "suid.scap")
	for _, tt := range []struct {
		name, backend string
		argv          []string
		prog          string // the privileged program's name
		code          int
		out           string
		recorded      bool // the setuid program's own syscalls are in the capture
		user          bool // xtrace runs as nobody
	}{
		{"auto, a child", "auto", []string{"/bin/sh", "-c", strings.Join(nobody, " ") + " " + id + " -u; exit 4"}, "id", 4, "0", true, false},
		{"auto, the command", "auto", append(nobody, id, "-u", "no-such-user-xyz"), "id", 1, "", true, false},
		{"agent", "agent", append(nobody, id, "-u"), "id", 0, "0", false, false},
		{"auto, setcap", "auto", append(nobody, capcat, "/proc/self/status"), "capcat", 0, netRaw, true, false},
		{"agent, setcap", "agent", append(nobody, capcat, "/proc/self/status"), "capcat", 0, netRaw, false, false},
		{"auto, xtrace unprivileged", "auto", []string{"/bin/sh", "-c", capcat + " /proc/self/status"}, "capcat", 0, netRaw, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			argv := append([]string{bin, "--backend=" + tt.backend, "-w", capture, "--"}, tt.argv...)
			if tt.user {
				argv = append(nobody, argv...)
			}
			r := recRun(t, dir, nil, argv[0], argv[1:]...)
			if out := strings.TrimSpace(r.stdout); r.code != tt.code || out != tt.out && (tt.out == "" || !strings.Contains(out, tt.out)) {
				t.Fatalf("exit %d, stdout %q; want %d, %q (the privileges must be kept)\nstderr: %s", r.code, r.stdout, tt.code, tt.out, r.stderr)
			}
			named := strings.Contains(r.stderr, "without being recorded")
			lines := recXtraceLines(t, bin, dir, capture)
			ran := recMatchAny(lines, tt.prog+` \(\d+\) < execve res=0`) && recMatchAny(lines, tt.prog+` \(\d+\) < (write|openat|read) `)
			if ran != tt.recorded || named == tt.recorded {
				t.Errorf("id's syscalls recorded: %v, named as unrecorded: %v; want %v, %v\nstderr: %s", ran, named, tt.recorded, !tt.recorded, r.stderr)
			}
			if n := recCount(lines, `setpriv \(\d+\) > notification id=xtrace\.backend desc=ptrace`); n != map[bool]int{true: 1}[tt.recorded] {
				t.Errorf("%d hand-over notifications on the process", n)
			}
			// sysdig and tshark read it; sysdig prints what xtrace prints.
			recCheckCapture(t, bin, dir, capture)
		})
	}
	// The capture ends (-n) before the hand-over, or while ptrace records
	// the handed-over command: its tracer detaches, the command runs on,
	// and its exit status still comes back; the events written are
	// counted once. Where the hand-over falls depends on the environment:
	// a whole run says.
	argv := append([]string{"--"}, append(nobody, id, "-u", "no-such-user-xyz")...)
	recRun(t, dir, nil, bin, append([]string{"--backend=auto", "-w", capture}, argv...)...)
	lines := recXtraceLines(t, bin, dir, capture)
	at := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "> notification id=xtrace.backend") })
	if at < 0 {
		t.Fatalf("no hand-over in a whole run:\n%s", strings.Join(lines[max(0, len(lines)-5):], "\n"))
	}
	for _, n := range []int{at / 2, at + (len(lines)-at)/3, at + 2*(len(lines)-at)/3} {
		r := recRun(t, dir, nil, bin, append([]string{"--backend=auto", "-n", strconv.Itoa(n), "-w", capture}, argv...)...)
		if r.code != 1 || !strings.Contains(r.stderr, fmt.Sprintf("after %d events written", n)) {
			t.Errorf("-n %d: exit %d, stderr %q", n, r.code, r.stderr)
		}
		if got := len(recXtraceLines(t, bin, dir, capture)); got != n {
			t.Errorf("-n %d: %d events in the capture", n, got)
		}
	}
}

// TestEnterRuleAgrees: whether the agent can enter a program is decided
// twice, by xtrace before the launch (agent.CanEnter, in Go) and by the
// agent before every execve in the tree (agent.c, in C). Both must say
// the same of the same files: a recorded shell runs each program under
// --backend=agent, and the programs xtrace names as unrecorded, with
// their reason, are those CanEnter refuses.
func TestEnterRuleAgrees(t *testing.T) {
	testutil.RequireTools(t, "gcc", "setcap")
	recRequireTracing(t)
	if os.Geteuid() != 0 {
		testutil.SkipOrFail(t, "needs root (files of another owner, file capabilities)")
	}
	bin := recXtraceBin(t)
	dir := recSharedDir(t)
	src := filepath.Join(dir, "st.c")
	if err := os.WriteFile(src, []byte("int main(void) { return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	static := filepath.Join(dir, "static")
	if out, err := exec.Command("gcc", "-static", "-o", static, src).CombinedOutput(); err != nil {
		testutil.SkipOrFail(t, fmt.Sprintf("gcc -static: %v: %s", err, out))
	}
	file := func(name string, mode os.FileMode, uid, gid int, from string) string {
		p := recCopyProgram(t, from, filepath.Join(dir, name), 0o755)
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // after chown, which clears set-id bits
			t.Fatal(err)
		}
		return p
	}
	script := func(name, interp string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!"+interp+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	capped := file("capped", 0o755, 0, 0, "/bin/true")
	if out, err := exec.Command("setcap", "cap_net_raw+ep", capped).CombinedOutput(); err != nil {
		t.Fatalf("setcap: %v: %s", err, out)
	}
	programs := []string{
		file("dynamic", 0o755, 0, 0, "/bin/true"),
		static,
		file("setuid-other", os.ModeSetuid|0o755, 65534, 0, "/bin/true"),
		file("setuid-own", os.ModeSetuid|0o755, 0, 0, "/bin/true"),
		file("setgid-other", os.ModeSetgid|0o755, 0, 65534, "/bin/true"),
		capped,
		script("script-dynamic", "/bin/true"),
		script("script-static", static),
		script("script-setuid", filepath.Join(dir, "setuid-other")),
		script("script-script-static", filepath.Join(dir, "script-static")),
	}
	capture := filepath.Join(dir, "enter.scap")
	r := recRun(t, dir, nil, bin, "--backend=agent", "-q", "-w", capture, "--", "/bin/sh", "-c", strings.Join(programs, "; ")+"; true")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, p := range programs {
		want := "enters"
		if err := agent.CanEnter(p); errors.Is(err, agent.ErrStatic) {
			want = agent.ErrStatic.Error()
		} else if errors.Is(err, agent.ErrPrivileged) {
			want = agent.ErrPrivileged.Error()
		} else if err != nil {
			t.Fatalf("CanEnter(%s): %v", p, err)
		}
		got := "enters"
		for _, named := range strings.Split(r.stderr, "; ") {
			if _, why, ok := strings.Cut(named, " "+p+": "); ok {
				got = why
			}
		}
		// A script is named by its own path; its interpreter decides.
		if !strings.HasPrefix(got, want) {
			t.Errorf("%s: CanEnter says %q, the agent %q", filepath.Base(p), want, got)
		}
	}
}

// TestEquivLostName: what the lost-name rule accepts and what it does not.
func TestEquivLostName(t *testing.T) {
	for _, tt := range []struct {
		p, a string
		want bool
	}{
		{"fd=4 size=16  fd.name=<NA>", "fd=N(<f>/etc/hostname) size=16  fd.name=/etc/hostname", true},
		{"fd=N(<f>/etc/hostname) size=16  fd.name=/etc/hostname", "fd=4 size=16  fd.name=<NA>", true},
		{"fd=4 size=16  fd.name=<NA>", "fd=N(<f>/etc/hostname) size=32  fd.name=/etc/hostname", false},
		{"fd=N(<f>/etc/passwd) size=16  fd.name=/etc/passwd", "fd=N(<f>/etc/hostname) size=16  fd.name=/etc/hostname", false},
		// An exit names no descriptor: a lost name prints empty.
		{"res=3 data=vm.  fd.name=", "res=3 data=vm.  fd.name=/etc/hostname", true},
		{"res=3 data=vm.  fd.name=", "res=4 data=vm.  fd.name=/etc/hostname", false},
	} {
		if got := equivLostName(equivEvent{">", "read", tt.p}, equivEvent{">", "read", tt.a}); got != tt.want {
			t.Errorf("equivLostName(%q, %q) = %v, want %v", tt.p, tt.a, got, tt.want)
		}
	}
}

// TestEquivPipeReads: a pipe read, enter and exit, is left out as timing;
// a file read whose exit prints an empty descriptor name (lost to another
// thread's close, seen once under load) is not.
func TestEquivPipeReads(t *testing.T) {
	evs := []equivEvent{
		{">", "read", "fd=N(<p>) size=4096  fd.name="},
		{"<", "read", "res=12 data=hello  fd.name="},
		{">", "read", "fd=3 size=16  fd.name=<NA>"},
		{"<", "read", "res=3 data=vm.  fd.name="},
		{">", "close", "fd=3  fd.name=<NA>"},
	}
	got := equivTimingFree(evs)
	if want := evs[2:]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("equivTimingFree kept\n%v\nwant\n%v", got, want)
	}
}
