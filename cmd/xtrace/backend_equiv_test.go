package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"xtrace/internal/testutil"
)

// The backend equivalence test: the same workload recorded by the ptrace
// backend and by the agent gives the same events, thread by thread: the
// same types, arguments, results, fd names and process tree, modulo what
// differs between any two runs (timestamps, CPU numbers, addresses,
// process ids, memory sizes) and the syscalls of the dynamic loader
// before the agent's constructor runs, which the agent does not see
// (documented in docs/agent.md).

// equivFormat prints what is compared of every event.
const equivFormat = "%thread.tid %evt.dir %evt.type %evt.args"

// loaderSyscalls are the calls the dynamic loader makes before the
// agent runs: the only events the agent's capture may lack.
var loaderSyscalls = map[string]bool{
	"openat": true, "open": true, "read": true, "pread": true, "mmap": true, "mprotect": true,
	"munmap": true, "close": true, "newfstatat": true, "fstat": true, "arch_prctl": true,
	"set_tid_address": true, "set_robust_list": true, "rseq": true, "prlimit": true,
	"brk": true, "access": true, "faccessat": true, "getrandom": true, "readlink": true,
	"statfs": true, "uname": true,
}

// equivEvent is one normalised event line of a thread.
type equivEvent struct {
	dir, typ, args string
}

func (e equivEvent) String() string { return e.dir + " " + e.typ + " " + e.args }

var (
	// Values that differ between two runs of the same program.
	equivAddr   = regexp.MustCompile(`\b[0-9A-F]{6,16}\b`)
	equivSizes  = regexp.MustCompile(`\b(vm_size|vm_rss|vm_swap|pgft_maj|pgft_min|fdlimit|ino|dev|source|peer|queuepct|queuelen)=\d+`)
	equivPidArg = regexp.MustCompile(`\b(res|pid|tid|ptid|vtid|vpid|spid|dpid|pgid|fd|fd1|fd2)=(-?\d+)`)
	equivTuple  = regexp.MustCompile(`:\d{4,5}\b`)
	equivInode  = regexp.MustCompile(`pipe:\[\d+\]|\d+\(<p>\)`)
)

// equivThreads reads a capture as sequences of normalised events per
// thread, the threads named by their place in the process tree: the
// launched thread is "1", the n-th thread or process a thread creates is
// its name + "." + n.
func equivThreads(t *testing.T, bin, dir, capture string) (map[string][]equivEvent, []string) {
	t.Helper()
	out, err := exec.Command(bin, "-r", capture, "-p", equivFormat).Output()
	if err != nil {
		t.Fatalf("xtrace -r %s: %v", capture, err)
	}
	names := map[string]string{} // tid -> name
	created := map[string]int{}  // name -> threads created so far
	var order []string
	seq := map[string][]equivEvent{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(line, " ", 4)
		if len(f) < 3 {
			continue
		}
		tid, dir, typ := f[0], f[1], f[2]
		args := ""
		if len(f) == 4 {
			args = f[3]
		}
		name, ok := names[tid]
		if !ok {
			if len(names) > 0 {
				// A thread whose creation was not seen (a creator's
				// exit read after the child's first event): named
				// when its creator's exit comes.
				name = "?" + tid
			} else {
				name = "1"
			}
			names[tid] = name
			order = append(order, name)
		}
		if dir == "<" && (typ == "clone" || typ == "clone3" || typ == "fork" || typ == "vfork") {
			if m := regexp.MustCompile(`^res=(\d+)`).FindStringSubmatch(args); m != nil && m[1] != "0" {
				created[name]++
				child := name + "." + strconv.Itoa(created[name])
				if old, ok := names[m[1]]; ok && strings.HasPrefix(old, "?") {
					seq[child] = seq[old]
					delete(seq, old)
					for i, o := range order {
						if o == old {
							order[i] = child
						}
					}
				}
				names[m[1]] = child
			}
		}
		seq[names[tid]] = append(seq[names[tid]], equivEvent{dir, typ, args})
	}
	// Normalise once every tid has its name.
	for name, evs := range seq {
		for i := range evs {
			a := evs[i].args
			a = equivPidArg.ReplaceAllStringFunc(a, func(s string) string {
				k, v, _ := strings.Cut(s, "=")
				if n, ok := names[v]; ok && k != "fd" && k != "fd1" && k != "fd2" {
					return k + "=<" + n + ">"
				}
				return s
			})
			a = equivAddr.ReplaceAllString(a, "ADDR")
			a = equivSizes.ReplaceAllStringFunc(a, func(s string) string { k, _, _ := strings.Cut(s, "="); return k + "=N" })
			a = equivTuple.ReplaceAllString(a, ":PORT")
			a = equivInode.ReplaceAllString(a, "PIPE")
			for tid, n := range names {
				a = strings.ReplaceAll(a, "("+tid+")", "(<"+n+">)")
			}
			evs[i].args = a
		}
		seq[name] = evs
	}
	return seq, order
}

// equivCompare compares one thread's events, skipping in the ptrace
// sequence the loader's calls after each successful execve up to the
// agent's first event of the new image.
func equivCompare(name string, ptrace, agent []equivEvent) string {
	i, j := 0, 0
	afterExec := false
	for i < len(ptrace) && j < len(agent) {
		p, a := ptrace[i], agent[j]
		if p == a {
			afterExec = p.dir == "<" && (p.typ == "execve" || p.typ == "execveat") && strings.HasPrefix(p.args, "res=0 ")
			i, j = i+1, j+1
			continue
		}
		if afterExec && loaderSyscalls[p.typ] {
			i++ // the loader's, before the agent ran
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

// TestBackendEquivalence records the recording tests' workloads with both
// backends and compares the captures event by event.
func TestBackendEquivalence(t *testing.T) {
	testutil.RequireTools(t, "gcc")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	for i := range recWorkloads {
		w := &recWorkloads[i]
		t.Run(w.name, func(t *testing.T) {
			dir := t.TempDir()
			recPrepare(t, w, dir)
			seqs := map[string]map[string][]equivEvent{}
			var order []string
			for _, backend := range []string{"ptrace", "agent"} {
				capture := filepath.Join(dir, backend+".scap")
				r := recRun(t, dir, nil, bin, append([]string{"--backend=" + backend, "-w", capture, "--"}, w.argv...)...)
				if r.code != w.code {
					t.Fatalf("--backend=%s: exit status %d, want %d\nstderr: %s", backend, r.code, w.code, r.stderr)
				}
				seqs[backend], order = equivThreads(t, bin, dir, capture)
			}
			p, a := seqs["ptrace"], seqs["agent"]
			for _, name := range order {
				if d := equivCompare(name, p[name], a[name]); d != "" {
					t.Error(d)
				}
			}
			for name := range p {
				if _, ok := a[name]; !ok {
					t.Errorf("thread %s (%d events) is in the ptrace capture only", name, len(p[name]))
				}
			}
		})
	}
}
