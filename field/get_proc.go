package field

import (
	"strconv"

	"xtrace/inspect"
)

// Getters of the process, user and group classes
// (sinsp_filter_check_thread, _user, _group).

// thread returns the event's thread, if known.
func thread(e *inspect.Event) (*inspect.Thread, bool) {
	return e.Thread, e.Thread != nil
}

// mainThread is the thread's process main thread (the thread itself for a
// main thread).
func mainThread(t *inspect.Thread) *inspect.Thread {
	if t.IsMain() {
		return t
	}
	return t.Main()
}

func getProcPid(f *Field, e *inspect.Event) bool {
	v, ok := ProcPID(e)
	return ok && f.setInt(v)
}

func getProcExe(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setString(t.Exe)
}

func getProcName(f *Field, e *inspect.Event) bool {
	s, ok := ProcName(e)
	return ok && f.setString(s)
}

// appendJoined appends ss joined with sep.
func appendJoined(dst []byte, ss []string, sep byte) []byte {
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, sep)
		}
		dst = append(dst, s...)
	}
	return dst
}

func getProcArgs(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	f.buf = appendJoined(f.buf[:0], t.Args, ' ')
	return f.setBuf()
}

func getProcEnv(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	f.buf = appendJoined(f.buf[:0], t.Environ(), ' ')
	return f.setBuf()
}

// appendCmdline appends the thread's comm and its arguments, each after a
// space (sinsp's populate_cmdline).
func appendCmdline(dst []byte, t *inspect.Thread) []byte {
	dst = append(dst, t.Comm...)
	for _, a := range t.Args {
		dst = append(dst, ' ')
		dst = append(dst, a...)
	}
	return dst
}

func getProcCmdline(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	f.buf = appendCmdline(f.buf[:0], t)
	return f.setBuf()
}

func getProcExeline(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	f.buf = append(append(f.buf[:0], t.Exe...), ' ')
	f.buf = appendJoined(f.buf, t.Args, ' ')
	return f.setBuf()
}

func getProcCwd(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setString(t.Cwd())
}

func getProcNthreads(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	m := mainThread(t)
	if m == nil {
		return false
	}
	return f.setUint(m.NumChildren() + 1)
}

func getProcNchilds(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setUint(t.NumChildren())
}

func getProcPpid(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	m := mainThread(t)
	if m == nil {
		return false
	}
	return f.setInt(m.PTID)
}

func getProcPname(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	p := t.Parent()
	return p != nil && f.setString(p.Comm)
}

func getProcPcmdline(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	p := t.Parent()
	if p == nil {
		return false
	}
	f.buf = appendCmdline(f.buf[:0], p)
	return f.setBuf()
}

// ancestor returns the process argIndex levels above the event's (0: its
// own main thread); without an index, the process itself.
func (f *Field) ancestor(e *inspect.Event) *inspect.Thread {
	t, ok := thread(e)
	if !ok {
		return nil
	}
	return t.Ancestor(f.argIndex)
}

func getProcApid(f *Field, e *inspect.Event) bool {
	m := f.ancestor(e)
	return m != nil && f.setInt(m.PID)
}

func getProcAname(f *Field, e *inspect.Event) bool {
	m := f.ancestor(e)
	return m != nil && f.setString(m.Comm)
}

// EachAncestor calls fn with every ancestor process of the event's thread
// (parent first, the thread itself excluded) until fn returns false, as
// [inspect.Thread.EachAncestor] walks them from the process' main thread.
// It serves proc.aname and proc.apid without index in filters.
func EachAncestor(e *inspect.Event, fn func(*inspect.Thread) bool) {
	t, ok := thread(e)
	if !ok {
		return
	}
	if m := mainThread(t); m != nil {
		m.EachAncestor(fn)
	}
}

func getProcLoginshellid(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	m := mainThread(t)
	if m == nil {
		return false
	}
	found := false
	var pid int64
	check := func(p *inspect.Thread) bool {
		if n := len(p.Comm); n >= 2 && p.Comm[n-2:] == "sh" {
			pid, found = p.PID, true
		}
		return true
	}
	check(m)
	EachAncestor(e, check)
	return found && f.setInt(pid)
}

func getProcDuration(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok || t.CloneTS == 0 {
		return false
	}
	return f.setUint(e.TS - t.CloneTS)
}

// fdOpenCount is the size of the process' fd table.
func fdOpenCount(t *inspect.Thread) uint64 {
	if m := mainThread(t); m != nil {
		t = m
	}
	if t.FDs() == nil {
		return 0
	}
	return uint64(t.FDs().Len())
}

func fdLimit(t *inspect.Thread) int64 {
	if m := mainThread(t); m != nil {
		return m.FDLimit
	}
	return t.FDLimit
}

func getProcFdopencount(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setUint(fdOpenCount(t))
}

func getProcFdlimit(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setInt(fdLimit(t))
}

func getProcFdusage(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	lim, n := fdLimit(t), fdOpenCount(t)
	switch {
	case lim <= 0:
		f.val.Float = 0
	case n <= uint64(lim):
		f.val.Float = float64(n) * 100 / float64(lim)
	default:
		f.val.Float = 100
	}
	return true
}

func getProcVmsize(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setUint(uint64(t.VMSizeKB))
}

func getProcVmrss(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setUint(uint64(t.VMRSSKB))
}

func getProcVmswap(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setUint(uint64(t.VMSwapKB))
}

func getThreadPfmajor(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setUint(t.PFMajor)
}

func getThreadPfminor(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setUint(t.PFMinor)
}

// getThreadTid is the event's tid, known thread or not.
func getThreadTid(f *Field, e *inspect.Event) bool { return f.setInt(e.TID) }

func getThreadIsmain(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setBool(t.IsMain())
}

func getThreadCgroups(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok || len(t.Cgroups) == 0 {
		return false
	}
	f.buf = appendJoined(f.buf[:0], t.Cgroups, ' ')
	return f.setBuf()
}

func getThreadCgroup(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	for _, c := range t.Cgroups {
		if len(c) > len(f.argName) && c[len(f.argName)] == '=' && c[:len(f.argName)] == f.argName {
			return f.setString(c[len(f.argName)+1:])
		}
	}
	return false
}

func getThreadVtid(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && t.VTID != -1 && f.setInt(t.VTID)
}

func getProcVpid(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && t.VPID != -1 && f.setInt(t.VPID)
}

func getThreadVmsize(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	if !t.IsMain() {
		return f.setUint(0)
	}
	return f.setUint(uint64(t.VMSizeKB))
}

func getThreadVmrss(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	if !t.IsMain() {
		return f.setUint(0)
	}
	return f.setUint(uint64(t.VMRSSKB))
}

func getThreadVmsizeB(f *Field, e *inspect.Event) bool {
	return getThreadVmsize(f, e) && f.setUint(f.val.Uint*1024)
}

func getThreadVmrssB(f *Field, e *inspect.Event) bool {
	return getThreadVmrss(f, e) && f.setUint(f.val.Uint*1024)
}

func getProcSid(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setInt(t.SID)
}

func getProcSname(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	if in := e.Inspector(); in != nil {
		if s := in.Thread(t.SID); s != nil {
			return f.setString(s.Comm)
		}
	}
	m := mainThread(t)
	if m == nil {
		return false
	}
	leader := m
	EachAncestor(e, func(p *inspect.Thread) bool {
		if p.SID != m.SID {
			return false
		}
		leader = p
		return true
	})
	return f.setString(leader.Comm)
}

func getProcTty(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setInt(int64(t.TTY))
}

func getProcExepath(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setString(t.ExePath)
}

func getThreadNametid(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	f.buf = strconv.AppendInt(append(f.buf[:0], t.Comm...), e.TID, 10)
	return f.setBuf()
}

func getProcVpgid(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setInt(t.VPGID)
}

// The health-probe categories come from container metadata xtrace does not
// track: false for every known thread.
func getProcIsContainerHealthcheck(f *Field, e *inspect.Event) bool {
	_, ok := thread(e)
	return ok && f.setBool(false)
}

func getProcIsContainerLivenessProbe(f *Field, e *inspect.Event) bool {
	return getProcIsContainerHealthcheck(f, e)
}

func getProcIsContainerReadinessProbe(f *Field, e *inspect.Event) bool {
	return getProcIsContainerHealthcheck(f, e)
}

func getProcIsExeWritable(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setBool(t.ExeWritable)
}

func getUserUid(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setUint(uint64(t.UID))
}

func getUserName(f *Field, e *inspect.Event) bool {
	u := user(e)
	return u != nil && f.setString(u.Name)
}

func getUserHomedir(f *Field, e *inspect.Event) bool {
	u := user(e)
	return u != nil && f.setString(u.HomeDir)
}

func getUserShell(f *Field, e *inspect.Event) bool {
	u := user(e)
	return u != nil && f.setString(u.Shell)
}

func getUserLoginuid(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setInt(int64(t.LoginUID))
}

func getUserLoginname(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	in := e.Inspector()
	if !ok || in == nil || t.LoginUID == -1 {
		return false
	}
	u := in.User(uint32(t.LoginUID))
	return u != nil && f.setString(u.Name)
}

// getGroupGid reproduces a sysdig quirk: group.gid is read as 64 bits
// from the 32-bit gid, so the upper half holds the thread's child count
// (the next member of sinsp_threadinfo).
func getGroupGid(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	return ok && f.setUint(uint64(t.GID)|t.NumChildren()<<32)
}

func getGroupName(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	in := e.Inspector()
	if !ok || in == nil || t.GID == 0xffffffff {
		return false
	}
	g := in.Group(t.GID)
	return g != nil && f.setString(g.Name)
}
