package inspect

import (
	"sort"
	"strings"

	"xtrace/scap"
)

// PPM_CL_* thread flags that the state engine reads or sets.
const (
	clCloneFiles    = 1 << 0
	clCloneFS       = 1 << 1
	clCloneThread   = 1 << 13
	clCloneInverted = 1 << 16
	clNameChanged   = 1 << 17
	clClosed        = 1 << 18
	clActive        = 1 << 19
	clPipeSrc       = 1 << 21
	clPipeDst       = 1 << 22
	clChildInPidNS  = 1 << 29
	clIsMainThread  = 1 << 30
)

// maxThreadTableSize is sinsp's absolute thread table limit.
const maxThreadTableSize = 131072

// cloneStaleTimeNS is how old a thread entry may be before a child-side
// clone exit treats it as a leftover of a lost exit (CLONE_STALE_TIME_NS).
const cloneStaleTimeNS = 2000000000

// noEventType is sinsp's PPM_EVENT_MAX: "no enter event recorded".
const noEventType = -2

// Thread mirrors sinsp_threadinfo: one thread and, through its main thread,
// its process.
type Thread struct {
	// The fields every event of the thread reads or writes come first,
	// so that they share a cache line or two: captures interleave
	// hundreds of threads.
	lastType int    // type of the last enter event, noEventType or -1
	lastFD   int64  // fd of the last fd-using event (m_lastevent_fd)
	enterTS  uint64 // m_last_latency_entertime
	// Latency is the time between the thread's last enter event and its
	// last exit event (evt.latency); LastEventTS and PrevEventTS are the
	// timestamps of its last two delivered events.
	Latency     uint64
	LastEventTS uint64
	PrevEventTS uint64
	Flags       uint32 // PPM_CL_* bits
	lastHasData bool
	lastValid   bool
	removed     bool
	mainRef     *Thread // cached main thread (sinsp's weak pointer)
	fdtable     FDTable

	TID, PID, PTID int64
	SID, VPGID     int64
	VTID, VPID     int64
	Comm           string // proc.name
	Exe            string // argv[0]
	ExePath        string
	ExeWritable    bool
	Args           []string
	// Env is the environment; only main threads keep one (see
	// [Thread.Environ]).
	Env []string
	// Cgroups holds "subsys=path" entries, subsystem names normalised as
	// sinsp does (perf → perf_event, mem → memory, io → blkio, without
	// the "_cgroup" suffix).
	Cgroups  []string
	Root     string
	FDLimit  int64
	UID, GID uint32
	LoginUID int32
	VMSizeKB uint32
	VMRSSKB  uint32
	VMSwapKB uint32
	PFMajor  uint64
	PFMinor  uint64
	TTY      int32
	CloneTS  uint64
	// ContainerID is the container the thread runs in ("" on the host),
	// derived from its cgroups.
	ContainerID string

	in      *Inspector
	cg      *cgroupsInfo // what Cgroups was parsed from, nil if unknown
	cwd     string       // meaningful on the main thread
	nchilds uint64
	// lastData is the copy of the last stored enter event (v2 layout);
	// lastValid says whether it pairs with the current exit.
	lastData []byte
}

func newThread(in *Inspector) *Thread {
	return &Thread{
		in:       in,
		PID:      -1,
		SID:      -1,
		VPGID:    -1,
		VTID:     -1,
		VPID:     -1,
		FDLimit:  -1,
		Flags:    clNameChanged,
		lastType: -1,
	}
}

// IsMain reports whether t is its process' main thread.
func (t *Thread) IsMain() bool { return t.TID == t.PID || t.Flags&clIsMainThread != 0 }

// Main returns the main thread of t's process, as sinsp's get_main_thread:
// t itself for a main thread; for another thread the thread whose tid is
// t.PID, which sinsp creates on the fly (comm "<NA>") when it is missing.
// It returns nil only when the thread table is full.
func (t *Thread) Main() *Thread {
	if t.mainRef != nil && !t.mainRef.removed {
		return t.mainRef
	}
	if t.IsMain() {
		return t
	}
	if t.in == nil {
		return nil
	}
	m := t.in.threadRef(t.PID, true)
	t.mainRef = m
	return m
}

// Parent returns the thread of t's parent process, or nil.
func (t *Thread) Parent() *Thread {
	if t.in == nil {
		return nil
	}
	return t.in.lookup(t.PTID)
}

// Ancestor returns what proc.aname[n]/proc.apid[n] look at: the main
// thread of t's process for n = 0, then n steps up the PTID links (no
// loop detection, as in sinsp), or nil when the chain ends.
func (t *Thread) Ancestor(n int) *Thread {
	a := t
	if !t.IsMain() {
		a = t.Main()
	}
	for i := 0; i < n && a != nil; i++ {
		a = a.Parent()
	}
	return a
}

// EachAncestor calls f for the parent, grandparent, ... of t until f
// returns false, the chain ends (unknown parent or tid -1) or a loop is
// detected, the way sinsp's traverse_parent_state walks it. sinsp's
// fields (proc.aname without index, proc.loginshellid, proc.sname) call it
// on the main thread.
func (t *Thread) EachAncestor(f func(*Thread) bool) {
	slow := t.Parent()
	fast := slow
	if fast != nil {
		fast = fast.Parent()
	}
	for slow != nil && slow.TID != -1 {
		if !f(slow) {
			return
		}
		slow = slow.Parent()
		for i := 0; i < 2; i++ {
			if fast != nil {
				fast = fast.Parent()
			}
			if slow != nil && (slow == fast || slow.TID == slow.PTID) {
				return
			}
		}
	}
}

// Cwd returns the process' working directory (the main thread's), ending
// in "/"; "./" when there is no main thread.
func (t *Thread) Cwd() string {
	if m := t.Main(); m != nil {
		return m.cwd
	}
	return "./"
}

// Environ returns the process' environment (the main thread's).
func (t *Thread) Environ() []string {
	if t.IsMain() {
		return t.Env
	}
	if m := t.Main(); m != nil {
		return m.Env
	}
	return t.Env
}

// Getenv returns the value of environment variable name, trimmed of
// spaces, or "".
func (t *Thread) Getenv(name string) string {
	for _, kv := range t.Environ() {
		if len(kv) > len(name)+1 && kv[len(name)] == '=' && kv[:len(name)] == name {
			return strings.Trim(kv[len(name)+1:], " ")
		}
	}
	return ""
}

// Cgroup returns the cgroup path of subsystem subsys, or "/".
func (t *Thread) Cgroup(subsys string) string {
	for _, c := range t.Cgroups {
		if k, v, ok := strings.Cut(c, "="); ok && k == subsys {
			return v
		}
	}
	return "/"
}

// FDs returns the fd table the thread uses: its own, or its main thread's
// when it shares it (CLONE_FILES). Like sinsp's get_fd_table this may
// create a missing main thread; it returns nil only when that fails.
func (t *Thread) FDs() *FDTable {
	if t.Flags&clCloneFiles == 0 {
		return &t.fdtable
	}
	m := t.Main()
	if m == nil {
		return nil
	}
	return &m.fdtable
}

// FD returns the thread's fd num, or nil.
func (t *Thread) FD(num int64) *FD { return t.FDs().Get(num) }

// NumChildren returns sinsp's m_nchilds: for a main thread, how many
// threads of its process are known (proc.nchilds; proc.nthreads is this
// plus one on the main thread).
func (t *Thread) NumChildren() uint64 { return t.nchilds }

// FDUsage returns the number of open fds of the process and its fd limit
// (both read from the main thread).
func (t *Thread) FDUsage() (open uint64, limit int64) {
	m := t.Main()
	if m == nil {
		return 0, 0
	}
	return uint64(m.fdtable.Len()), m.FDLimit
}

// LastEventFD returns the fd the thread's last fd-related event used
// (fd.num), -1 when there is none.
func (t *Thread) LastEventFD() int64 { return t.lastFD }

// addFD adds fdi to the thread's fd table (sinsp's add_fd) and records it
// as the thread's last fd.
func (t *Thread) addFD(num int64, fdi *FD) *FD {
	ft := t.FDs()
	var res *FD
	if ft != nil {
		res = ft.add(num, fdi)
	}
	t.lastFD = num
	return res
}

func (t *Thread) removeFD(num int64) {
	if ft := t.FDs(); ft != nil {
		ft.erase(num)
	}
}

// setArgs splits a NUL-separated argument block.
func (t *Thread) setArgs(b []byte) { t.Args = splitNUL(t.Args[:0:0], b) }

func splitNUL(dst []string, b []byte) []string {
	for len(b) > 0 {
		i := indexNUL(b)
		dst = append(dst, string(b[:i]))
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	return dst
}

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return len(b)
}

// setEnv splits a NUL-separated environment block, stopping at an
// all-zero tail as sinsp does.
func (t *Thread) setEnv(b []byte) {
	env := t.Env[:0:0]
	last := len(b) - 1 // last non-zero byte
	for last >= 0 && b[last] == 0 {
		last--
	}
	for off := 0; len(b) > 0; {
		if b[0] == 0 && off > last {
			break
		}
		i := indexNUL(b)
		env = append(env, string(b[:i]))
		if i == len(b) {
			break
		}
		b = b[i+1:]
		off += i + 1
	}
	t.Env = env
}

// setCgroups parses "subsys=path\0..." entries the way sinsp does. An
// entry without '=' ends the parse.
func (t *Thread) setCgroups(b []byte) {
	if t.in == nil {
		t.Cgroups, t.cg = parseCgroups(b), nil
		return
	}
	in := t.in
	cg := in.cgroups[string(b)]
	if cg == nil {
		if len(in.cgroups) >= maxCgroupsMemo {
			clear(in.cgroups)
		}
		cg = &cgroupsInfo{list: parseCgroups(b)}
		in.cgroups[string(b)] = cg
	}
	t.Cgroups, t.cg = cg.list, cg
}

// cgroupsInfo is one parsed cgroups parameter, shared by the threads that
// carry the same one (a process' threads and children nearly always do)
// with the container found in it.
type cgroupsInfo struct {
	list     []string // never modified once shared
	found    bool     // container and ctype are known
	ctype    int
	containr string
}

// maxCgroupsMemo bounds the number of distinct cgroups parameters the
// inspector remembers.
const maxCgroupsMemo = 256

// container returns the container of the cgroups (see
// containerFromCgroups), computed once.
func (c *cgroupsInfo) container() (string, int) {
	if !c.found {
		c.containr, c.ctype = containerFromCgroups(c.list)
		c.found = true
	}
	return c.containr, c.ctype
}

func parseCgroups(b []byte) []string {
	var cg []string
	for len(b) > 0 {
		i := indexNUL(b)
		entry := string(b[:i])
		eq := strings.LastIndexByte(entry, '=')
		if eq < 0 {
			break
		}
		subsys, path := entry[:eq], entry[eq+1:]
		if p := strings.Index(subsys, "_cgroup"); p >= 0 {
			subsys = subsys[:p] + subsys[p+len("_cgroup"):]
		}
		switch subsys {
		case "perf":
			subsys = "perf_event"
		case "mem":
			subsys = "memory"
		case "io":
			subsys = "blkio"
		}
		if len(subsys) != eq {
			entry = subsys + "=" + path
		}
		cg = append(cg, entry)
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	return cg
}

// setCwd changes the process' working directory: path (plen being the
// length sinsp was given) is resolved against the current one and gets a
// trailing '/'.
func (t *Thread) setCwd(path []byte, plen int) {
	m := t.Main()
	if m == nil {
		return
	}
	var buf [512]byte
	res, _ := concatPaths(buf[:0], m.cwd, path, plen, maxPathSize)
	if len(res) == 0 || res[len(res)-1] != '/' {
		res = append(res, '/')
	}
	m.cwd = string(res)
}

// initFromProc fills a thread from a process-list entry
// (sinsp_threadinfo::init(scap_threadinfo*)).
func (t *Thread) initFromProc(p *scap.Proc) {
	t.TID, t.PID, t.PTID = p.TID, p.PID, p.PTID
	t.SID, t.VPGID = p.SID, p.VPGID
	t.Comm, t.Exe, t.ExePath = p.Comm, p.Exe, p.ExePath
	t.ExeWritable = p.ExeWritable
	t.setArgs([]byte(p.Args))
	if t.IsMain() {
		t.setEnv([]byte(p.Env))
		t.setCwd([]byte(p.Cwd), len(p.Cwd))
	}
	t.Flags |= p.Flags | clActive
	t.fdtable.clear()
	t.FDLimit = p.FDLimit
	t.UID, t.GID = p.UID, p.GID
	t.VMSizeKB, t.VMRSSKB, t.VMSwapKB = p.VMSizeKB, p.VMRSSKB, p.VMSwapKB
	t.PFMajor, t.PFMinor = p.PFMajor, p.PFMinor
	t.nchilds = 0
	t.VTID, t.VPID = p.VTID, p.VPID
	t.LoginUID = p.LoginUID
	t.setCgroups([]byte(p.Cgroups))
	t.Root = p.Root
}

// Threads calls f for every known thread in ascending tid order, until f
// returns false. Threads created by f (for example through Main) are not
// visited.
func (in *Inspector) Threads(f func(*Thread) bool) {
	tids := make([]int64, 0, in.threads.len())
	for tid := range in.threads.keys {
		tids = append(tids, tid)
	}
	sort.Slice(tids, func(i, j int) bool { return tids[i] < tids[j] })
	for _, tid := range tids {
		t := in.threads.get(tid)
		if t == nil {
			continue
		}
		if !f(t) {
			return
		}
	}
}

// NumThreads returns the number of threads in the table.
func (in *Inspector) NumThreads() int { return in.threads.len() }

// lookup returns the thread with tid, or nil, without creating it. It
// remembers the last tid it did not find, as long as no thread comes or
// goes: events of unknown threads (procinfo for threads long gone, for
// one) look their tid up more than once.
func (in *Inspector) lookup(tid int64) *Thread {
	if tid == in.missTID && in.threads.gen == in.missGen {
		return nil
	}
	t := in.threads.get(tid)
	if t == nil {
		in.missTID, in.missGen = tid, in.threads.gen
	}
	return t
}

// threadRef is sinsp's get_thread_ref for a capture: the thread with tid,
// or, when create is set and the table has room, a placeholder thread
// with comm "<NA>" added on the fly.
func (in *Inspector) threadRef(tid int64, create bool) *Thread {
	if t := in.lookup(tid); t != nil || !create {
		return t
	}
	return in.placeholderThread(tid)
}

// placeholderThread adds the "<NA>" thread threadRef creates, or returns
// nil when the table is full.
func (in *Inspector) placeholderThread(tid int64) *Thread {
	if in.threads.len() >= maxThreadTableSize {
		return nil
	}
	t := newThread(in)
	t.TID, t.PID, t.PTID = tid, tid, -1
	t.Comm, t.Exe = "<NA>", "<NA>"
	t.UID, t.GID = 0xffffffff, 0xffffffff
	t.LoginUID = -1
	for o := range in.threads.all {
		if o.PID == tid {
			t.nchilds++
		}
	}
	in.addThread(t, false)
	return in.lookup(tid)
}

// addThread puts t in the table (replacing any thread with its tid).
func (in *Inspector) addThread(t *Thread, fromProcList bool) bool {
	if in.threads.len() >= maxThreadTableSize {
		return false
	}
	if !fromProcList {
		in.incMainChildCount(t)
	}
	if old := in.threads.get(t.TID); old != nil && old != t {
		old.removed = true
	}
	in.threads.put(t.TID, t)
	return true
}

func (in *Inspector) incMainChildCount(t *Thread) {
	if t.Flags&clCloneThread == 0 {
		return
	}
	if m := in.threadRef(t.PID, true); m != nil {
		m.nchilds++
	}
}

// removeThread drops a thread the way sinsp's remove_thread does: a thread
// that still has children threads stays unless force is set.
func (in *Inspector) removeThread(tid int64, force bool) {
	t := in.threads.get(tid)
	if t == nil {
		return
	}
	nchilds := t.nchilds
	if nchilds != 0 && !force {
		return
	}
	if t.Flags&clCloneThread != 0 {
		if m := in.lookup(t.PID); m != nil && m.nchilds > 0 {
			m.nchilds--
		}
	}
	in.threads.del(tid)
	t.removed = true
	if nchilds != 0 {
		in.recreateChildDependencies()
	}
}

func (in *Inspector) recreateChildDependencies() {
	for t := range in.threads.all {
		t.nchilds = 0
		t.mainRef = nil
	}
	in.createChildDependencies()
}

// createChildDependencies counts each process' threads on its main
// thread, creating missing main threads as sinsp does.
func (in *Inspector) createChildDependencies() {
	ts := make([]*Thread, 0, in.threads.len())
	for t := range in.threads.all {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].TID < ts[j].TID })
	for _, t := range ts {
		in.incMainChildCount(t)
	}
}
