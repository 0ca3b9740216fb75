// Package diff compares two captures of the same workload and reports what
// differs beyond what differs between any two runs by nature.
//
// Both captures are read into syscall and process rows by package export.
// Then each side is normalised: pids, tids, fd numbers, addresses and
// timestamps are left out of the comparison; /proc/PID paths, ephemeral
// ports and temporary names (mktemp-style components under /tmp, /var/tmp
// and /dev/shm) are replaced by placeholders; a result is only "ok" or its
// errno. When a signal comes is timing: its delivery, the handler's return
// (rt_sigreturn) and a call the kernel restarts (an ERESTART* result) are
// left out of the calls compared. Processes are aligned by their exec chain (the executables and
// arguments of the process and its ancestors), numbered in start order
// where a chain repeats. The report lists processes present in one run
// only, differing exit statuses, files and sockets touched in one run only,
// calls whose result differs, and for each process the first call where
// the two runs diverge, with the calls before it.
package diff

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"xtrace/decode"
	"xtrace/event"
	"xtrace/export"
	"xtrace/inspect"
)

// Call is one normalised syscall of a process.
type Call struct {
	// Syscall is the event name (evt.type).
	Syscall string
	// Target is the normalised path, or fd name, the call acts on ("" for
	// none).
	Target string
	// Result is "ok", the errno name of a failed call, or "" for a call
	// without a result.
	Result string
}

// String renders the call as the report shows it.
func (c Call) String() string {
	s := c.Syscall
	if c.Target != "" {
		s += " " + c.Target
	}
	if c.Result != "" {
		s += " = " + c.Result
	}
	return s
}

// Proc is one process of a run.
type Proc struct {
	// Key is the exec chain, with "#N" appended for the N-th process
	// (N > 1) of the same chain.
	Key   string
	PID   int64
	Exit  *int64
	Calls []Call
	start uint64
	ppid  int64
	exe   string
}

// Run is one capture, normalised.
type Run struct {
	Procs []*Proc // in start order
	byKey map[string]*Proc
}

// asyncSignal reports the events of a signal's delivery (sysdig's
// signaldeliver, and the handler's return: the sigreturn flow), which
// come at moments that depend on timing.
func asyncSignal(name string) bool {
	if name == event.Info(event.SignalDeliver).Name {
		return true
	}
	sc := event.SyscallByName(name)
	return sc != nil && decode.FlowOf(sc.Nr) == decode.FlowSigreturn
}

// collector is the export.Sink that builds a Run.
type collector struct {
	calls map[int64][]Call
	procs []*Proc
	sys   map[string]int
	proc  map[string]int
}

func colIndex(cols []export.Column) map[string]int {
	m := make(map[string]int, len(cols))
	for i, c := range cols {
		m[c.Name] = i
	}
	return m
}

func (c *collector) Syscall(vals []export.Value) error {
	v := func(name string) *export.Value { return &vals[c.sys[name]] }
	pid := v("pid")
	if pid.Null {
		return nil
	}
	call := Call{Syscall: string(v("syscall").Buf)}
	if asyncSignal(call.Syscall) || strings.HasPrefix(string(v("errno").Buf), "ERESTART") {
		// When a signal comes depends on timing: its delivery and the
		// handler's return are not part of the sequence compared, nor
		// is a call it interrupted that the kernel restarts.
		return nil
	}
	switch {
	case !v("path").Null:
		call.Target = Normalize(string(v("path").Buf))
	case !v("fd_name").Null && len(v("fd_name").Buf) > 0:
		call.Target = Normalize(string(v("fd_name").Buf))
	}
	switch {
	case !v("errno").Null:
		call.Result = string(v("errno").Buf)
	case !v("res").Null:
		call.Result = "ok"
	}
	c.calls[pid.Int] = append(c.calls[pid.Int], call)
	return nil
}

func (c *collector) Process(vals []export.Value) error {
	v := func(name string) *export.Value { return &vals[c.proc[name]] }
	p := &Proc{PID: v("pid").Int, ppid: v("ppid").Int, start: v("start").Uint}
	if x := v("exit_status"); !x.Null {
		code := x.Int
		p.Exit = &code
	}
	exe := string(v("exe").Buf)
	if exe == "" {
		exe = string(v("name").Buf)
	}
	var args []string
	if a := v("args"); !a.Null {
		args = splitJSONStrings(string(a.Buf))
	}
	for i := range args {
		args[i] = Normalize(args[i])
	}
	p.exe = strings.TrimSpace(Normalize(exe) + " " + strings.Join(args, " "))
	c.procs = append(c.procs, p)
	return nil
}

func (c *collector) Close() error { return nil }

// Load reads a capture into a Run; filter (nil for all) keeps the calls
// whose exit event matches, as xtrace export does.
func Load(ctx context.Context, path string, filter func(*inspect.Event) bool) (*Run, error) {
	c := &collector{
		calls: make(map[int64][]Call),
		sys:   colIndex(export.SyscallColumns()),
		proc:  colIndex(export.ProcColumns()),
	}
	x, err := export.New(c, export.Options{Filter: filter})
	if err != nil {
		return nil, err
	}
	if err := export.ExportFile(ctx, path, x); err != nil {
		return nil, fmt.Errorf("diff: %w", err)
	}
	return c.run(), nil
}

// run aligns the processes by exec chain.
func (c *collector) run() *Run {
	byPID := make(map[int64]*Proc, len(c.procs))
	for _, p := range c.procs {
		byPID[p.PID] = p
	}
	sort.SliceStable(c.procs, func(i, j int) bool { return c.procs[i].start < c.procs[j].start })
	r := &Run{byKey: make(map[string]*Proc)}
	seen := map[string]int{}
	for _, p := range c.procs {
		var chain []string
		for q, depth := p, 0; q != nil && depth < 64; q, depth = byPID[q.ppid], depth+1 {
			chain = append(chain, q.exe)
			if q.ppid == q.PID {
				break
			}
		}
		for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
			chain[i], chain[j] = chain[j], chain[i]
		}
		key := strings.Join(chain, " > ")
		seen[key]++
		if n := seen[key]; n > 1 {
			key += " #" + strconv.Itoa(n)
		}
		p.Key = key
		p.Calls = c.calls[p.PID]
		r.Procs = append(r.Procs, p)
		r.byKey[key] = p
	}
	return r
}

// splitJSONStrings decodes the JSON array of strings the process table
// holds (nil when it is not one).
func splitJSONStrings(s string) []string {
	var out []string
	if json.Unmarshal([]byte(s), &out) != nil {
		return nil
	}
	return out
}

var (
	procPID = regexp.MustCompile(`/proc/[0-9]+(/|$)`)
	// Pipes, sockets and other inode-named fds.
	inode = regexp.MustCompile(`^([a-z_]+):\[[0-9]+\]$`)
	// Ephemeral ports (the Linux default range starts at 32768).
	ephemeral = regexp.MustCompile(`:(3[2-9][0-9]{3}|[4-6][0-9]{4})\b`)
	// A temporary name: a component in a temp directory with a run of
	// six or more letters and digits mixing both (mktemp's XXXXXX).
	tempDir  = regexp.MustCompile(`^(/tmp|/var/tmp|/dev/shm)/`)
	tempPart = regexp.MustCompile(`[A-Za-z0-9]{6,}`)
	digit    = regexp.MustCompile(`[0-9]`)
	letter   = regexp.MustCompile(`[A-Za-z]`)
)

// Normalize replaces what differs between two runs by nature in a path,
// fd name or argument: /proc/PID, pipe and socket inodes, ephemeral
// ports, temporary names.
func Normalize(s string) string {
	s = procPID.ReplaceAllString(s, "/proc/PID$1")
	s = inode.ReplaceAllString(s, "$1:[INODE]")
	s = ephemeral.ReplaceAllString(s, ":EPHEMERAL")
	if tempDir.MatchString(s) {
		parts := strings.Split(s, "/")
		for i := 2; i < len(parts); i++ {
			parts[i] = tempPart.ReplaceAllStringFunc(parts[i], func(m string) string {
				if digit.MatchString(m) && letter.MatchString(m) {
					return "TEMP"
				}
				return m
			})
		}
		s = strings.Join(parts, "/")
	}
	return s
}
