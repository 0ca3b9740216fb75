package tracer

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/decode"
	"xtrace/internal/linux"
	"xtrace/scap"
)

// launchOpts are the ptrace options the launch helper is seized with:
// exec, seccomp and exit events, with EXITKILL so that it never outlives
// us. followOpts, those of a traced command's threads, add the threads and
// processes they create; the helper gets them at its first filtered
// syscall (see syscallEntered): before, it is a Go program whose runtime
// threads, not under the filter, must not be followed.
const (
	launchOpts = unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_TRACESECCOMP |
		unix.PTRACE_O_TRACEEXIT | unix.PTRACE_O_EXITKILL
	followOpts = launchOpts | unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACECLONE
)

// thread is one traced thread, created when it first shows up and reused
// for every stop.
type thread struct {
	tid, pid int
	proc     *process

	// The syscall in progress.
	call      decode.Call
	inSyscall bool // entered, its syscall-exit-stop is due
	flow      decode.Flow
	inExit    bool // in exit or exit_group
	lastSig   int  // signal injected at its last signal-delivery-stop

	// Start-up of a new thread: its clone exit (res = 0) is written
	// after its creator's (res = child tid) unless the creator is a
	// vfork parent, which only returns once the child has exec'd.
	started    bool
	firstStop  bool
	groupStop  bool
	creator    *thread
	releasable bool
	pending    []*thread

	parent, parentPID int // ptid as the driver reports it
	exitDone          bool

	injected bool // the call in progress was skipped by the injector

	// helper marks a thread the launch helper's Go runtime started
	// before its execve: followed (it runs under the seccomp filter)
	// but never recorded; the execve ends it.
	helper bool
}

// process is a thread group.
type process struct {
	pid     int
	pidfd   int // for signals from other goroutines (see Tracer.Stop)
	threads int
	// record is false for the launch helper until its execve: what it
	// does before is xtrace, not the command.
	record bool
	// attached processes (and what they create) carry no seccomp
	// filter: every syscall stops at entry and exit (PTRACE_SYSCALL).
	attached bool
}

// loop is the state of the stop loop; it lives on the tracer thread.
type loop struct {
	t       *Tracer
	dec     *decode.Decoder
	threads map[int]*thread
	procs   map[int]*process
	launch  int
	// helperFiltered: the launch helper has made its first filtered
	// syscall, so the threads it creates are followed.
	helperFiltered bool
	execed         bool

	ws   unix.WaitStatus
	info linux.SyscallInfo
	si   linux.Siginfo
	msg  uint64

	out   *output
	cpuid uint16

	spin, spinMin, spinMax int

	recording   bool
	captureDone bool
	stop        *stopRequest
	killAt      time.Time
	res         Result
	stbuf       []byte

	// Fault injection (inject.go).
	inj     Injector
	regs    unix.PtraceRegs
	delayed []delayed

	// Attached captures (see attach.go): held keeps the first stops
	// until Start; detaching gives the threads back; detached lists
	// the thread ids given back or gone.
	attach     bool
	asked      map[int]bool // the processes given to Attach
	held       map[int]held
	wantDetach bool
	detaching  bool
	detachAt   time.Time
	detached   map[int]bool
	// detachedProcs holds the processes (tgids) of the threads
	// given back, for Result.DetachedProcs.
	detachedProcs map[int]bool
}

func newLoop(t *Tracer, pid, cpu int, tree bool) *loop {
	l := newLoopBase(t, cpu, tree)
	l.launch = pid
	p := l.newProcess(pid)
	p.record = false
	t.sigMu.Lock()
	t.launchFD, t.wakeFD = p.pidfd, p.pidfd
	t.sigMu.Unlock()
	l.threads[pid] = &thread{tid: pid, pid: pid, proc: p, started: true,
		// The helper was forked by this (the tracer) thread: its real parent
		// as the driver reports it is this thread.
		parent: linux.Gettid(), parentPID: os.Getpid()}
	return l
}

// newLoopBase returns a loop with no tracee yet.
func newLoopBase(t *Tracer, cpu int, tree bool) *loop {
	l := &loop{
		t:         t,
		dec:       decode.New(decode.Options{Snaplen: t.opts.Snaplen}),
		threads:   map[int]*thread{},
		procs:     map[int]*process{},
		recording: true,
		stbuf:     make([]byte, 0, 4096),
		inj:       t.opts.Inject,
	}
	if cpu >= 0 && tree {
		l.cpuid = uint16(cpu)
	}
	// Polling wait4 before blocking saves the sleep/wake-up of the tracer
	// when tracer and tracee run on different CPUs, which they may unless
	// the tree is pinned with the tracer. On one CPU it only delays the
	// tracee, so it is off there.
	l.spinMin, l.spinMax = 4, 200
	if tree && cpu >= 0 {
		l.spinMin, l.spinMax = 0, 0
	}
	if t.opts.Spin > 0 {
		l.spinMin, l.spinMax = t.opts.Spin, t.opts.Spin
	}
	l.spin = l.spinMax
	return l
}

func now() int64 { return time.Now().UnixNano() }

// safeRun is run with a last line of defence: a panic in the loop (a bug)
// kills the traced tree, which cannot run without its tracer, and becomes
// an error instead of taking xtrace down with a half-written capture.
func (l *loop) safeRun() (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			l.killTree()
			res = l.res
			err = fmt.Errorf("tracer: internal error: %v (traced processes killed)", r)
			if l.attach {
				// The kernel detaches them when this thread ends.
				err = fmt.Errorf("tracer: internal error: %v (attached processes left to the kernel to detach)", r)
			}
			if l.out != nil {
				func() {
					defer func() { recover() }()
					l.out.close()
				}()
			}
		}
	}()
	return l.run()
}

// run follows the tree until it is gone.
func (l *loop) run() (Result, error) {
	defer l.dec.Close()
	if l.out == nil {
		l.out = newOutput(l.t.opts.Full, l.t.opts.Free, l.t.opts.FlushEvery)
	}
	for len(l.threads) > 0 {
		l.checkRequests()
		if len(l.threads) == 0 {
			break
		}
		if l.detaching && time.Since(l.detachAt) > detachGrace {
			// Threads that do not stop (uninterruptible sleep) are
			// detached by the kernel when this thread ends.
			break
		}
		pid, err := l.wait()
		if err == unix.EINTR {
			continue
		}
		if err == unix.ECHILD {
			break
		}
		if err != nil {
			l.killTree()
			return l.finish(), traceErr(-1, "wait4", err)
		}
		if pid == 0 {
			continue
		}
		if l.detaching {
			l.detachStop(pid)
			continue
		}
		l.handle(pid)
	}
	return l.finish(), nil
}

func (l *loop) finish() Result {
	l.out.close()
	if l.stop != nil && l.res.Stopped == "" {
		l.res.Stopped = l.stop.reason
	}
	return l.res
}

// wait4 waits for the next state change of any child or tracee (with
// block, until there is one): it keeps Options.KeepExit's status when it
// reaps that process.
func (l *loop) wait4(block bool) (int, error) {
	var pid int
	var err error
	opts := unix.WALL
	if l.t.opts.OwnTracees {
		opts |= unix.WNOTHREAD
	}
	if block {
		pid, err = linux.Wait4(-1, &l.ws, opts)
	} else {
		pid, err = linux.Wait4NoHang(-1, &l.ws, opts)
	}
	if pid > 0 && pid == l.t.opts.KeepExit && (l.ws.Exited() || l.ws.Signaled()) {
		ws := l.ws
		l.t.keptExit.Store(&ws)
	}
	return pid, err
}

// wait returns the next stopped or dead tracee.
func (l *loop) wait() (int, error) {
	if len(l.delayed) > 0 {
		return l.waitDelayed()
	}
	for i := 0; i < l.spin; i++ {
		pid, err := l.wait4(false)
		if pid != 0 || err != nil {
			if l.spin < l.spinMax {
				l.spin *= 2
				if l.spin > l.spinMax {
					l.spin = l.spinMax
				}
			}
			return pid, err
		}
	}
	if l.spin > l.spinMin {
		l.spin /= 2
		if l.spin < l.spinMin {
			l.spin = l.spinMin
		}
	}
	if l.stop != nil || l.detaching {
		// Winding down: poll, so the kill deadline is honoured.
		for {
			pid, err := l.wait4(false)
			if pid != 0 || err != nil {
				return pid, err
			}
			l.checkRequests()
			time.Sleep(2 * time.Millisecond)
		}
	}
	if l.t.opts.OwnTracees {
		// Nothing would wake a blocked wait (Options.OwnTracees): poll,
		// sleeping longer while the tracees stay quiet.
		for nap := 20 * time.Microsecond; ; nap = min(2*nap, 2*time.Millisecond) {
			time.Sleep(nap)
			pid, err := l.wait4(false)
			if pid != 0 || err != nil {
				return pid, err
			}
			l.checkRequests()
		}
	}
	return l.wait4(true)
}

// checkRequests applies Stop and EndCapture requests and the kill
// deadline.
func (l *loop) checkRequests() {
	if l.attach {
		// An attached capture ends by giving the threads back.
		if l.wantDetach || l.t.endCapture.Load() != nil || l.t.stopReq.Load() != nil {
			if r := l.t.stopReq.Load(); r != nil && l.stop == nil {
				l.stop = r
			}
			l.beginDetach()
		}
		return
	}
	if l.t.endCapture.Load() != nil && !l.captureDone {
		l.endCapture(*l.t.endCapture.Load())
	}
	if r := l.t.stopReq.Load(); r != nil && r != l.stop {
		first := l.stop == nil
		l.stop = r
		if !r.record {
			l.endCapture(r.reason)
		}
		if r.sig == unix.SIGKILL {
			l.killTree()
		} else if first {
			l.killAt = time.Now().Add(stopGrace)
		}
	}
	if l.stop != nil && !l.killAt.IsZero() && time.Now().After(l.killAt) {
		l.killAt = time.Time{}
		l.killTree()
	}
}

// detachGrace is how long detaching waits for the threads to stop.
const detachGrace = 5 * time.Second

// stopGrace is how long an interrupted command may take to exit before
// the rest of the traced tree is killed.
const stopGrace = 3 * time.Second

// endCapture stops producing events; the tree keeps being followed.
func (l *loop) endCapture(reason string) {
	if l.captureDone {
		return
	}
	l.out.flush()
	l.captureDone = true
	l.recording = false
	if l.res.Stopped == "" {
		l.res.Stopped = reason
	}
	if l.attach {
		// Detach at the top of the loop, once the current stop is
		// dealt with.
		l.wantDetach = true
	}
}

// killTree kills every traced process. Used at the end of an interrupted
// capture and on tracer errors: a tracee cannot be left behind, since its
// seccomp filter would fail its syscalls without a tracer.
func (l *loop) killTree() {
	if l.attach {
		return // never: they were running before us
	}
	for pid := range l.procs {
		if unix.Kill(pid, unix.SIGKILL) == nil {
			l.res.Killed += l.procs[pid].threads
		}
	}
}

// handle processes one wait4 report.
func (l *loop) handle(pid int) {
	ws := l.ws
	l.res.Stops++
	th := l.threads[pid]
	if th == nil {
		if !ws.Stopped() {
			return // not a tracee (or already forgotten)
		}
		// A new thread whose creator's clone event is not in yet.
		th = &thread{tid: pid, pid: pid}
		l.threads[pid] = th
	}
	switch {
	case ws.Exited() || ws.Signaled():
		l.died(th, ws)
		return
	case !ws.Stopped():
		return
	}
	sig := int(ws.StopSignal())
	ev := int(ws) >> 16
	switch {
	case sig == int(unix.SIGTRAP)|0x80:
		l.syscallStop(th)
	case ev == unix.PTRACE_EVENT_SECCOMP:
		l.syscallEnter(th)
	case ev == unix.PTRACE_EVENT_FORK || ev == unix.PTRACE_EVENT_VFORK || ev == unix.PTRACE_EVENT_CLONE:
		l.cloneEvent(th, ev)
	case ev == unix.PTRACE_EVENT_EXEC:
		l.execEvent(th)
	case ev == unix.PTRACE_EVENT_EXIT:
		if linux.PtraceGetEventMsg(th.tid, &l.msg) == nil {
			l.threadExit(th, int(l.msg))
		}
		l.resume(th, unix.PTRACE_CONT, 0)
	case ev == unix.PTRACE_EVENT_STOP:
		l.eventStop(th, sig)
	default:
		l.signalStop(th, sig)
	}
}

// resume restarts a stopped thread. ESRCH means it was killed meanwhile
// (SIGKILL does not wait for the tracer); wait4 reports its death next.
// Threads of attached processes have no seccomp filter to stop them at
// the next syscall: they always resume with PTRACE_SYSCALL.
func (l *loop) resume(th *thread, req int, sig int) {
	if req == unix.PTRACE_CONT && th.proc != nil && th.proc.attached {
		req = unix.PTRACE_SYSCALL
	}
	linux.Ptrace(req, th.tid, 0, uintptr(sig))
}

// emit appends an event to the current batch (and shows it to the
// injector).
func (l *loop) emit(raw []byte, err error) { l.emitFlags(raw, err, 0) }

// emitFlags is emit with the event's dump flags.
func (l *loop) emitFlags(raw []byte, err error, flags uint32) {
	if err == nil && l.inj != nil {
		l.inj.Observe(l.cpuid, raw)
	}
	l.put(raw, err, flags)
}

// put appends an event with its dump flags to the current batch.
func (l *loop) put(raw []byte, err error, flags uint32) {
	if err != nil {
		l.res.CountError(err)
		return
	}
	l.out.add(l.cpuid, flags, raw)
	l.res.Events++
	if max := l.t.opts.MaxEvents; max > 0 && l.res.Events >= max {
		l.endCapture("event limit reached")
	}
}

// emitExit writes the exit event of th's call, marked when injected.
func (l *loop) emitExit(th *thread, ts uint64, c *decode.Call) {
	var flags uint32
	if th.injected {
		flags = scap.FlagInjected
	}
	raw, err := l.dec.Exit(ts, c)
	l.emitFlags(raw, err, flags)
}

func (l *loop) recordable(th *thread) bool {
	return l.recording && th.proc != nil && th.proc.record && !th.helper
}

// syscallStop handles a SIGTRAP|0x80 stop: a syscall-exit-stop, or for
// attached processes (no seccomp filter) also a syscall-enter-stop.
func (l *loop) syscallStop(th *thread) {
	if th.proc == nil || !th.proc.attached {
		l.syscallExit(th)
		return
	}
	if _, err := linux.GetSyscallInfo(th.tid, &l.info); err != nil {
		l.resume(th, unix.PTRACE_CONT, 0)
		return
	}
	switch l.info.Op {
	case unix.PTRACE_SYSCALL_INFO_ENTRY:
		l.syscallEntered(th)
	case unix.PTRACE_SYSCALL_INFO_EXIT:
		if !th.inSyscall {
			l.syscallExitNoEnter(th)
			return
		}
		l.syscallExited(th)
	default:
		l.resume(th, unix.PTRACE_CONT, 0)
	}
}

// syscallEnter handles a seccomp stop: the syscall has not run yet.
func (l *loop) syscallEnter(th *thread) {
	if _, err := linux.GetSyscallInfo(th.tid, &l.info); err != nil || l.info.Op != unix.PTRACE_SYSCALL_INFO_SECCOMP {
		// Killed meanwhile, or not a syscall stop after all.
		l.resume(th, unix.PTRACE_CONT, 0)
		return
	}
	l.syscallEntered(th)
}

// syscallEntered records the entry of the syscall in l.info (a seccomp
// stop, or a syscall-enter-stop of an attached thread: both carry the
// number and the arguments at the same place).
func (l *loop) syscallEntered(th *thread) {
	th.lastSig = 0
	c := &th.call
	c.TID, c.PID, c.Nr, c.Args, c.Ret = th.tid, th.pid, int(l.info.Nr), l.info.Args, 0
	c.Parent, c.ParentPID, c.CloneFlags = th.parent, th.parentPID, 0
	th.flow = decode.FlowOf(c.Nr)
	if th.tid == l.launch && !l.execed && !l.helperFiltered {
		// The helper's first seccomp stop: its filter is on, and a
		// thread it creates from now on (the Go runtime may start one
		// before the execve) inherits the filter, whose RET_TRACE
		// would fail every syscall of an untraced thread with ENOSYS
		// (and the runtime then dies by SIGSEGV). Follow them from
		// here on, as the command's threads will be.
		l.helperFiltered = true
		linux.Ptrace(unix.PTRACE_SETOPTIONS, th.tid, 0, followOpts)
	}
	if th.proc != nil && !th.proc.record && th.tid == l.launch && th.flow == decode.FlowExec {
		// The helper's execve of the command: recording starts here.
		th.proc.record = true
	}
	if th.flow == decode.FlowClone {
		c.CloneFlags = l.dec.CloneFlags(c)
	}
	var fault Fault
	th.injected = false
	if l.recordable(th) {
		ts := uint64(now())
		fault = l.enterCall(th, ts, c)
		if th.injected && th.flow.Noreturn() {
			// A skipped exit returns: follow it to its exit.
			th.flow = decode.FlowNormal
		}
	}
	if th.flow.Noreturn() {
		th.inExit = true
		l.resume(th, unix.PTRACE_CONT, 0)
		return
	}
	th.inSyscall = true
	if l.captureDone && (th.flow == decode.FlowNormal || th.flow == decode.FlowSigreturn) {
		// Not recording: skip the exit stop.
		th.inSyscall = false
		l.resume(th, unix.PTRACE_CONT, 0)
		return
	}
	l.resumeLater(th, unix.PTRACE_SYSCALL, fault.Delay)
}

// syscallExit handles a syscall-exit-stop (reached because the seccomp
// stop was resumed with PTRACE_SYSCALL; since Linux 4.8 the seccomp stop
// comes after the syscall-enter-stop, so no enter stop is pending).
func (l *loop) syscallExit(th *thread) {
	if !th.inSyscall {
		l.resume(th, unix.PTRACE_CONT, 0)
		return
	}
	if _, err := linux.GetSyscallInfo(th.tid, &l.info); err != nil || l.info.Op != unix.PTRACE_SYSCALL_INFO_EXIT {
		th.inSyscall = false
		l.resume(th, unix.PTRACE_CONT, 0)
		return
	}
	l.syscallExited(th)
}

// syscallExited records the exit of the syscall th entered (return value
// in l.info).
func (l *loop) syscallExited(th *thread) {
	th.inSyscall = false
	c := &th.call
	c.Ret = l.info.RVal()
	if l.recordable(th) {
		l.emitExit(th, uint64(now()), c)
	}
	th.injected = false
	if th.flow == decode.FlowClone {
		// The children of this call may start now (their res = 0
		// exit comes after this one, as the kernel usually orders
		// them).
		l.releaseChildren(th)
	}
	l.resume(th, unix.PTRACE_CONT, 0)
}

// cloneEvent handles PTRACE_EVENT_FORK/VFORK/CLONE in the creating thread.
func (l *loop) cloneEvent(th *thread, ev int) {
	if linux.PtraceGetEventMsg(th.tid, &l.msg) != nil {
		l.resume(th, unix.PTRACE_SYSCALL, 0)
		return
	}
	tid := int(l.msg)
	child := l.threads[tid]
	if child == nil {
		child = &thread{tid: tid}
		l.threads[tid] = child
	}
	flags := th.call.CloneFlags
	child.creator = th
	child.helper = th.proc != nil && !th.proc.record
	child.call = th.call.Fork()
	if flags&decode.CloneThread != 0 {
		child.pid = th.pid
		child.proc = th.proc
		th.proc.threads++
	} else {
		child.pid = tid
		child.proc = l.newProcess(tid)
		child.proc.record = th.proc.record
	}
	// The driver's ptid is the child's real parent: the creating thread,
	// or the creator's own parent for CLONE_THREAD and CLONE_PARENT.
	if flags&(decode.CloneThread|decode.CloneParent) != 0 {
		child.parent, child.parentPID = th.parent, th.parentPID
	} else {
		child.parent, child.parentPID = th.tid, th.pid
	}
	child.releasable = ev == unix.PTRACE_EVENT_VFORK
	if !th.inSyscall {
		// The creator's exit stop will not come (not recording).
		child.releasable = true
	}
	if child.releasable {
		if child.firstStop && !child.started {
			l.startChild(child)
		}
	} else {
		th.pending = append(th.pending, child)
	}
	if th.inSyscall {
		l.resume(th, unix.PTRACE_SYSCALL, 0)
	} else {
		l.resume(th, unix.PTRACE_CONT, 0)
	}
}

// releaseChildren lets the children created by th's clone start.
func (l *loop) releaseChildren(th *thread) {
	for _, c := range th.pending {
		c.releasable = true
		if c.firstStop && !c.started && l.threads[c.tid] == c {
			l.startChild(c)
		}
	}
	th.pending = th.pending[:0]
}

// startChild writes a new thread's clone exit (res = 0) and lets it run.
func (l *loop) startChild(c *thread) {
	c.started = true
	c.creator = nil
	if l.recordable(c) {
		call := c.call
		call.TID, call.PID, call.Ret = c.tid, c.pid, 0
		call.Parent, call.ParentPID = c.parent, c.parentPID
		l.emit(l.dec.Exit(uint64(now()), &call))
	}
	if c.groupStop {
		l.resume(c, unix.PTRACE_LISTEN, 0)
		return
	}
	l.resume(c, unix.PTRACE_CONT, 0)
}

// newProcess registers a new thread group with one thread.
func (l *loop) newProcess(pid int) *process {
	p := &process{pid: pid, threads: 1, record: true, pidfd: -1, attached: l.attach}
	if fd, err := linux.PidfdOpen(pid); err == nil {
		p.pidfd = fd
	}
	l.procs[pid] = p
	return p
}

// processGone drops a dead process' pidfd, after pointing Stop at another
// live process if it was the one Stop would signal.
func (l *loop) processGone(p *process) {
	t := l.t
	t.sigMu.Lock()
	if t.launchFD == p.pidfd {
		t.launchFD = -1
	}
	if t.wakeFD == p.pidfd {
		t.wakeFD = -1
		for _, q := range l.procs {
			if q.pidfd >= 0 {
				t.wakeFD = q.pidfd
				break
			}
		}
	}
	t.sigMu.Unlock()
	if p.pidfd >= 0 {
		linux.Close(p.pidfd)
		p.pidfd = -1
	}
}

// claimOrphans starts new threads whose creator's clone event will never
// come. Kernel quirk: the child of a fork is attached (and stops) as soon
// as it exists, but a creator killed by SIGKILL before its
// PTRACE_EVENT_FORK stop never reports it, so nothing would release the
// child. When a process dies, such children get their identity from /proc
// and start.
func (l *loop) claimOrphans() {
	for tid, th := range l.threads {
		if th.started || th.creator != nil || th.proc != nil || !th.firstStop {
			continue
		}
		b, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
		if err != nil {
			continue
		}
		tgid := int(statusInt(b, "Tgid:"))
		ppid := int(statusInt(b, "PPid:"))
		if p := l.procs[tgid]; p != nil && tgid != tid {
			if _, alive := l.threads[tgid]; alive {
				continue // its creator may still report it
			}
			th.pid, th.proc = tgid, p
			p.threads++
		} else if _, alive := l.threads[ppid]; alive {
			continue
		} else {
			th.pid = tid
			th.proc = l.newProcess(tid)
		}
		th.parent, th.parentPID = ppid, ppid
		th.call = decode.Call{Nr: unix.SYS_FORK}
		th.releasable = true
		l.startChild(th)
	}
}

// statusField returns the value of "Key:" in a status file, blanks
// trimmed; nil when the key is absent.
func statusField(status []byte, key string) []byte {
	i := bytes.Index(status, []byte(key))
	if i < 0 {
		return nil
	}
	v := status[i+len(key):]
	if j := bytes.IndexByte(v, '\n'); j >= 0 {
		v = v[:j]
	}
	return bytes.TrimSpace(v)
}

// statusInt returns the decimal value of "Key:" in a status file (the
// first column of multi-column keys such as Uid:), 0 when absent.
func statusInt(status []byte, key string) int64 {
	v := statusField(status, key)
	if j := bytes.IndexAny(v, " \t"); j >= 0 {
		v = v[:j]
	}
	n, _ := strconv.ParseInt(string(v), 10, 64)
	return n
}

// statusHex returns the hexadecimal value of "Key:" (a signal mask), 0
// when absent.
func statusHex(status []byte, key string) uint64 {
	m, _ := strconv.ParseUint(string(statusField(status, key)), 16, 64)
	return m
}

// execEvent handles PTRACE_EVENT_EXEC: th is the thread group leader's id,
// which the exec'ing thread now has.
func (l *loop) execEvent(th *thread) {
	if linux.PtraceGetEventMsg(th.tid, &l.msg) == nil && int(l.msg) != th.tid {
		// Kernel quirk: an execve from a non-leader thread kills the
		// other threads and gives the exec'ing thread the leader's tid.
		// The old leader's exit was reported (PTRACE_EVENT_EXIT) but
		// its death never will be: it "reappears" as the exec'ing
		// thread. Move the exec'ing thread's state to the leader's tid.
		former := l.threads[int(l.msg)]
		if former != nil {
			if !th.exitDone {
				l.threadExit(th, int(unix.SIGKILL))
			}
			delete(l.threads, former.tid)
			if th.proc != nil {
				th.proc.threads--
			}
			former.tid = th.tid
			former.call.TID = th.tid
			l.threads[th.tid] = former
			th = former
		}
	}
	l.dec.ProcessExec(th.pid)
	if th.proc != nil && !th.proc.record && l.t.opts.RecordFromExec {
		// The execve an attached process was handed over for (its
		// enter is the agent's): recording starts with its exit.
		th.proc.record = true
	}
	if th.pid == l.launch && !l.execed {
		l.execed = true
		// Now the command runs: follow its children too.
		linux.Ptrace(unix.PTRACE_SETOPTIONS, th.tid, 0, followOpts)
	}
	if th.inSyscall {
		l.resume(th, unix.PTRACE_SYSCALL, 0)
	} else {
		l.resume(th, unix.PTRACE_CONT, 0)
	}
}

// eventStop handles PTRACE_EVENT_STOP: a new thread's first stop, a group
// stop, or a notification while listening.
func (l *loop) eventStop(th *thread, sig int) {
	group := sig == int(unix.SIGSTOP) || sig == int(unix.SIGTSTP) || sig == int(unix.SIGTTIN) || sig == int(unix.SIGTTOU)
	if !th.started {
		th.firstStop = true
		th.groupStop = group
		if th.proc != nil && th.releasable {
			l.startChild(th)
		}
		// Otherwise it waits for its creator (or to be claimed).
		return
	}
	if group {
		// Group stop: PTRACE_LISTEN keeps it stopped as job control
		// wants, yet lets us see the SIGCONT that ends it.
		l.resume(th, unix.PTRACE_LISTEN, 0)
		return
	}
	if th.inSyscall {
		l.resume(th, unix.PTRACE_SYSCALL, 0)
	} else {
		l.resume(th, unix.PTRACE_CONT, 0)
	}
}

// signalStop handles a signal-delivery-stop: the signal is delivered
// (injected on resume) and recorded as the driver records deliveries.
func (l *loop) signalStop(th *thread, sig int) {
	if l.recordable(th) && linux.PtraceGetSiginfo(th.tid, &l.si) == nil && !l.ignored(th, sig) {
		l.emit(l.dec.SignalDeliver(uint64(now()), th.tid, decode.SignalSender(sig, l.si.Code, int(l.si.Pid)), sig))
	}
	th.lastSig = sig
	if th.inSyscall {
		l.resume(th, unix.PTRACE_SYSCALL, sig)
	} else {
		l.resume(th, unix.PTRACE_CONT, sig)
	}
}

// ignored reports whether an untraced process would have discarded sig
// when it was sent (SIG_IGN, or SIG_DFL for a default-ignored signal), in
// which case the driver sees no delivery. A traced process receives such
// signals anyway, so the tracer checks the disposition in /proc.
func (l *loop) ignored(th *thread, sig int) bool {
	b := l.stbuf[:0]
	p := strconv.AppendInt(append(b[:0], "/proc/"...), int64(th.tid), 10)
	p = append(p, "/status"...)
	data, err := os.ReadFile(string(p))
	if err != nil {
		return false
	}
	bit := uint64(1) << (sig - 1)
	ign, cgt := statusHex(data, "SigIgn:"), statusHex(data, "SigCgt:")
	if ign&bit != 0 {
		return true
	}
	switch unix.Signal(sig) {
	case unix.SIGCHLD, unix.SIGCONT, unix.SIGURG, unix.SIGWINCH:
		return cgt&bit == 0
	}
	return false
}

// threadExit writes the end of a thread once: at its PTRACE_EVENT_EXIT
// stop or, when that stop never came (SIGKILL), at its death.
func (l *loop) threadExit(th *thread, status int) {
	if th.exitDone {
		return
	}
	th.exitDone = true
	if !l.recordable(th) {
		return
	}
	ts := uint64(now())
	sig := status & 0x7f
	if !th.inExit && !(sig != 0 && sig == th.lastSig) {
		// Not its own exit call and not the fatal signal it was just
		// given: it is being killed (SIGKILL, the group exit of another
		// thread, an exec in another thread), and the kernel delivers a
		// SIGKILL to it, which the driver records.
		l.emit(l.dec.SignalDeliver(ts, th.tid, 0, int(unix.SIGKILL)))
	}
	l.emit(l.dec.ProcExit(ts, th.tid, th.pid, status))
}

// died handles a thread's death report.
func (l *loop) died(th *thread, ws unix.WaitStatus) {
	l.threadExit(th, int(ws))
	delete(l.threads, th.tid)
	if len(th.pending) > 0 {
		l.releaseChildren(th)
	}
	if p := th.proc; p != nil {
		p.threads--
		if p.threads <= 0 {
			delete(l.procs, p.pid)
			l.dec.ProcessGone(p.pid)
			l.processGone(p)
			l.claimOrphans()
		}
	}
	if th.tid == l.launch {
		if ws.Exited() {
			l.res.ExitCode = ws.ExitStatus()
		} else {
			l.res.ExitCode, l.res.Signal = -1, ws.Signal()
		}
	}
}
