package tracer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/decode"
	"xtrace/internal/linux"
)

// Attaching to running processes.
//
// Attached processes carry no seccomp filter: a process with the
// recorder's filter cannot run without its tracer, and an attached one must
// be left exactly as it was. So they are traced like strace without
// --seccomp-bpf: every syscall stops at its entry and at its exit
// (PTRACE_SYSCALL), whatever a capture filter says, and so do the threads
// and processes they create.
//
// Attaching seizes every thread (PTRACE_SEIZE, which neither stops nor
// signals) and interrupts it (PTRACE_INTERRUPT). Each thread reports one
// stop; [Attach] returns when all of them are stopped, so the caller's
// /proc snapshot sees them at rest, and [Tracer.Start] resumes them. A
// thread that was blocked in an interruptible syscall (read on a pipe,
// wait4, ...) is woken with -ERESTARTSYS, stops, and the kernel restarts
// the syscall when it resumes: the recorder sees a fresh entry and exit.
// (Syscalls the kernel never restarts after a stop, such as epoll_wait,
// return EINTR to the program, as under strace -p.) A thread whose first
// stop is an event inside a syscall (a fork, clone or execve that was
// under way) gets that syscall's exit without an entry; it is written as
// it is, as the kernel driver writes the exit of a syscall it saw begin
// before the capture, except for the clone family, whose children are
// already in the snapshot.
//
// Detaching (interrupt, -n, -M, a write error) interrupts every thread
// and detaches each one at its next stop: from a signal-delivery-stop with
// that signal (it is delivered, not lost), from any other stop with none.
// A group-stopped process stays stopped (the kernel keeps the group stop
// across PTRACE_DETACH), signals queued meanwhile stay queued, and
// children created in the meantime are detached at their first stop.

// AttachError reports a process that could not be attached.
type AttachError struct {
	PID int
	Msg string // what went wrong, in words
	Err error  // the underlying errno, if any
}

func (e *AttachError) Error() string { return fmt.Sprintf("tracer: attach: pid %d: %s", e.PID, e.Msg) }

func (e *AttachError) Unwrap() error { return e.Err }

// attachOpts are the ptrace options of attached threads: no
// PTRACE_O_EXITKILL (they survive us) and no PTRACE_O_TRACESECCOMP (a
// filter of their own that returns SECCOMP_RET_TRACE must behave as it
// does untraced).
const attachOpts = unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_TRACEEXIT |
	unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACECLONE

// held is a stop an attached thread is kept in until Start.
type held struct {
	ws      unix.WaitStatus
	initial bool // the PTRACE_EVENT_STOP of the interrupt
}

// Attach seizes every thread of each process in pids (a thread id stands
// for its whole process) and stops them. It returns once all are stopped,
// so that the caller may take its snapshot; [Tracer.Start] resumes them
// and recording starts. Options.Path, Args, Env, Syscalls, NoNewPrivs,
// PinTree and the Std* files are not used. On failure nothing stays
// attached and the error is an [*AttachError] naming the pid.
func Attach(o Options, pids []int) (*Tracer, error) {
	if o.Full == nil || o.Free == nil {
		return nil, errors.New("tracer: Options.Full and Options.Free are required")
	}
	if len(pids) == 0 {
		return nil, errors.New("tracer: no process to attach to")
	}
	o.PinTree = false // never restrict an attached process
	return start(o, pids)
}

// Attached returns the threads attached at start, per process.
func (t *Tracer) Attached() map[int][]int { return t.attachedTIDs }

// wake makes the stop loop of an attached capture look at its requests:
// it may be blocked in wait4 while the targets sleep, and unlike a
// launched command they must not get a signal. A short-lived child of
// ours (this binary, which exits at once) ends that wait4.
func (t *Tracer) wake() {
	if t.opts.OwnTracees {
		return // its loop polls
	}
	self, err := os.Executable()
	if err != nil {
		self = "/proc/self/exe"
	}
	p, err := os.StartProcess(self, []string{"xtrace-wake"}, &os.ProcAttr{Env: []string{HelperEnv + "=" + helperWake}})
	if err == nil {
		p.Release()
	}
}

// helperWake is the HelperEnv value of the wake-up child.
const helperWake = "wake"

// attachAll seizes and stops the processes of t.attach (on the tracer
// thread).
func (t *Tracer) attachAll() (*loop, error) {
	cpu := -1
	if t.opts.PinTracer {
		cpu = linux.Getcpu()
		var set unix.CPUSet
		set.Set(cpu)
		if linux.SetAffinity(0, &set) != nil {
			cpu = -1
		}
	}
	l := newLoopBase(t, cpu, false)
	l.attach = true
	l.held = map[int]held{}
	l.asked = map[int]bool{}
	seen := map[int]bool{}
	var firstErr error
	for _, pid := range t.attach {
		tgid, err := tgidOf(pid)
		if err != nil {
			firstErr = err
			break
		}
		if seen[tgid] {
			continue
		}
		seen[tgid] = true
		l.asked[tgid] = true
		if err := l.seizeProcess(pid, tgid); err != nil {
			firstErr = err
			break
		}
	}
	if firstErr == nil {
		firstErr = l.waitInitialStops()
	}
	if firstErr != nil {
		l.abortAttach()
		return nil, firstErr
	}
	t.attachedTIDs = map[int][]int{}
	for _, th := range l.threads {
		t.attachedTIDs[th.pid] = append(t.attachedTIDs[th.pid], th.tid)
	}
	for _, tids := range t.attachedTIDs {
		sort.Ints(tids)
	}
	return l, nil
}

// tgidOf returns the process of thread id pid, or an AttachError.
func tgidOf(pid int) (int, error) {
	if pid <= 0 {
		return 0, &AttachError{PID: pid, Msg: "not a process id"}
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, &AttachError{PID: pid, Msg: "no such process", Err: unix.ESRCH}
	}
	tgid := int(statusInt(b, "Tgid:"))
	if tgid <= 0 {
		tgid = pid
	}
	return tgid, nil
}

// seizeProcess seizes and interrupts every thread of process tgid (asked
// for as pid), listing its tasks until no new one shows up: a thread not
// yet seized may create others meanwhile (those of a seized one are
// attached by the kernel).
func (l *loop) seizeProcess(pid, tgid int) error {
	if tgid == os.Getpid() {
		return &AttachError{PID: pid, Msg: "that is xtrace itself", Err: unix.EPERM}
	}
	p := l.newProcess(tgid)
	p.attached = true
	p.threads = 0
	p.record = !l.t.opts.RecordFromExec
	ppid := 0
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(tgid) + "/status"); err == nil {
		ppid = int(statusInt(b, "PPid:"))
	}
	tried := map[int]bool{}
	var refused error // the first EPERM: an error if no thread is ours
	for round := 0; ; round++ {
		tids, err := taskIDs(tgid)
		if err != nil && len(tried) == 0 {
			return &AttachError{PID: pid, Msg: "no such process", Err: unix.ESRCH}
		}
		fresh := 0
		for _, tid := range tids {
			if tried[tid] {
				continue
			}
			tried[tid] = true
			fresh++
			if err := linux.Ptrace(unix.PTRACE_SEIZE, tid, 0, attachOpts); err != nil {
				// ESRCH: the thread ended meanwhile. EPERM for a
				// single thread: it is exiting (a zombie leader
				// whose other threads run on, say); if every
				// thread refuses, the process is not ours to trace.
				if err != unix.ESRCH && refused == nil {
					refused = err
				}
				continue
			}
			th := &thread{tid: tid, pid: tgid, proc: p, started: true, parent: ppid, parentPID: ppid}
			l.threads[tid] = th
			p.threads++
			linux.Ptrace(unix.PTRACE_INTERRUPT, tid, 0, 0)
		}
		if fresh == 0 || round > 100 {
			break
		}
	}
	if p.threads == 0 && refused != nil {
		delete(l.procs, tgid)
		l.processGone(p)
		return seizeError(pid, tgid, refused)
	}
	if p.threads == 0 {
		delete(l.procs, tgid)
		l.processGone(p)
		if zombie(tgid) {
			return &AttachError{PID: pid, Msg: "the process has exited (it is a zombie)", Err: unix.ESRCH}
		}
		return &AttachError{PID: pid, Msg: "no such process", Err: unix.ESRCH}
	}
	return nil
}

// taskIDs lists the threads of process tgid.
func taskIDs(tgid int) ([]int, error) {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(tgid) + "/task")
	if err != nil {
		return nil, err
	}
	var tids []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, n)
		}
	}
	return tids, nil
}

// zombie reports whether process pid is a zombie.
func zombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// seizeError explains a failed PTRACE_SEIZE of process tgid.
func seizeError(pid, tgid int, err error) error {
	if err == unix.ESRCH {
		return &AttachError{PID: pid, Msg: "no such process", Err: err}
	}
	if err != unix.EPERM {
		return &AttachError{PID: pid, Msg: fmt.Sprintf("ptrace(PTRACE_SEIZE): %v", err), Err: err}
	}
	msg := "operation not permitted"
	status, _ := os.ReadFile("/proc/" + strconv.Itoa(tgid) + "/status")
	stat, _ := os.ReadFile("/proc/" + strconv.Itoa(tgid) + "/stat")
	if tracer := statusInt(status, "TracerPid:"); tracer != 0 {
		// TracerPid is the tracing thread; name its process.
		if b, e := os.ReadFile("/proc/" + strconv.FormatInt(tracer, 10) + "/status"); e == nil {
			if g := statusInt(b, "Tgid:"); g > 0 {
				tracer = g
			}
		}
		return &AttachError{PID: pid, Msg: fmt.Sprintf("%s: already traced by process %d%s", msg, tracer, commOf(int(tracer))), Err: err}
	}
	if zombie(tgid) {
		return &AttachError{PID: pid, Msg: "the process has exited (it is a zombie)", Err: err}
	}
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 {
		// Field 9 (flags) holds PF_KTHREAD.
		f := strings.Fields(string(stat[i+1:]))
		if len(f) > 6 {
			if flags, e := strconv.ParseUint(f[6], 10, 64); e == nil && flags&0x00200000 != 0 {
				return &AttachError{PID: pid, Msg: msg + ": it is a kernel thread", Err: err}
			}
		}
	}
	if b, e := os.ReadFile("/proc/sys/kernel/yama/ptrace_scope"); e == nil {
		switch strings.TrimSpace(string(b)) {
		case "1":
			return &AttachError{PID: pid, Msg: msg + ": kernel.yama.ptrace_scope=1 allows tracing descendants only (run as root or with CAP_SYS_PTRACE)", Err: err}
		case "2":
			return &AttachError{PID: pid, Msg: msg + ": kernel.yama.ptrace_scope=2 requires CAP_SYS_PTRACE", Err: err}
		case "3":
			return &AttachError{PID: pid, Msg: msg + ": kernel.yama.ptrace_scope=3 forbids attaching", Err: err}
		}
	}
	if uid := statusInt(status, "Uid:"); len(status) > 0 && int(uid) != os.Geteuid() && os.Geteuid() != 0 {
		return &AttachError{PID: pid, Msg: msg + ": the process belongs to another user (needs CAP_SYS_PTRACE)", Err: err}
	}
	return &AttachError{PID: pid, Msg: msg, Err: err}
}

// commOf returns " (comm)" for process pid, or "".
func commOf(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return ""
	}
	return " (" + strings.TrimSpace(string(b)) + ")"
}

// waitInitialStops waits until every seized thread has stopped once, and
// keeps it in that stop. Threads created meanwhile (a clone under way)
// are attached by the kernel and wait too. A process all of whose threads
// die first is an error: it vanished while being attached.
func (l *loop) waitInitialStops() error {
	for {
		waiting := 0
		for tid := range l.threads {
			if _, ok := l.held[tid]; !ok {
				waiting++
			}
		}
		if waiting == 0 {
			return l.checkExiting()
		}
		pid, err := l.wait4(false)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &AttachError{PID: l.t.attach[0], Msg: fmt.Sprintf("wait4: %v", err), Err: err}
		}
		if pid == 0 {
			if ctx := l.t.opts.Context; ctx != nil && ctx.Err() != nil {
				return &AttachError{PID: l.waitingFor(), Msg: "interrupted while waiting for the process to stop", Err: ctx.Err()}
			}
			time.Sleep(200 * time.Microsecond)
			continue
		}
		ws := l.ws
		th := l.threads[pid]
		if ws.Exited() || ws.Signaled() {
			if th == nil {
				continue
			}
			delete(l.threads, pid)
			delete(l.held, pid)
			if p := th.proc; p != nil {
				p.threads--
				if p.threads <= 0 {
					delete(l.procs, p.pid)
					l.processGone(p)
					if l.asked[p.pid] {
						return &AttachError{PID: l.askedPID(p.pid), Msg: "the process exited while being attached", Err: unix.ESRCH}
					}
				}
			}
			continue
		}
		if !ws.Stopped() {
			continue
		}
		if th == nil {
			// A thread created by a seized one, before its
			// creator's event: registered there, or here.
			l.attachBorn(pid)
		}
		h := held{ws: ws}
		ev := int(ws) >> 16
		switch ev {
		case unix.PTRACE_EVENT_STOP:
			h.initial = true
		case unix.PTRACE_EVENT_FORK, unix.PTRACE_EVENT_VFORK, unix.PTRACE_EVENT_CLONE:
			if linux.PtraceGetEventMsg(pid, &l.msg) == nil {
				if c := l.threads[int(l.msg)]; c == nil {
					l.attachBorn(int(l.msg))
				}
			}
		case unix.PTRACE_EVENT_EXEC:
			if linux.PtraceGetEventMsg(pid, &l.msg) == nil && int(l.msg) != pid {
				// A non-leader thread exec'd: it now has the
				// leader's tid, the former one is gone.
				if former := l.threads[int(l.msg)]; former != nil {
					delete(l.threads, former.tid)
					delete(l.held, former.tid)
					if former.proc != nil {
						former.proc.threads--
					}
				}
			}
		}
		if _, already := l.held[pid]; already {
			// A second stop cannot come before the thread is
			// resumed; keep the first.
			continue
		}
		l.held[pid] = h
	}
}

// checkExiting reports a process asked for all of whose threads first
// stopped on their way out (PTRACE_EVENT_EXIT: killed, or exiting, while
// being attached) as gone. (A child that one of them created meanwhile
// may end as it likes.)
func (l *loop) checkExiting() error {
	exiting := map[*process]int{}
	for tid, h := range l.held {
		if th := l.threads[tid]; th != nil && th.proc != nil && int(h.ws)>>16 == unix.PTRACE_EVENT_EXIT {
			exiting[th.proc]++
		}
	}
	for p, n := range exiting {
		if n >= p.threads && l.asked[p.pid] {
			return &AttachError{PID: l.askedPID(p.pid), Msg: "the process exited while being attached", Err: unix.ESRCH}
		}
	}
	return nil
}

// waitingFor returns the pid (as given) of a process with a thread that
// has not stopped yet.
func (l *loop) waitingFor() int {
	for tid, th := range l.threads {
		if _, ok := l.held[tid]; !ok && th.proc != nil {
			return l.askedPID(th.proc.pid)
		}
	}
	return l.t.attach[0]
}

// askedPID maps a process back to the pid the user gave for it.
func (l *loop) askedPID(tgid int) int {
	for _, p := range l.t.attach {
		if p == tgid {
			return p
		}
	}
	for _, p := range l.t.attach {
		if g, err := tgidOf(p); err == nil && g == tgid {
			return p
		}
	}
	return tgid
}

// attachBorn registers a thread created while attaching: it is in the
// snapshot taken before recording starts, so it starts as an existing
// thread (no clone exit is written for it).
func (l *loop) attachBorn(tid int) *thread {
	th := &thread{tid: tid, started: true}
	tgid, ppid := tid, 0
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status"); err == nil {
		if g := int(statusInt(b, "Tgid:")); g > 0 {
			tgid = g
		}
		ppid = int(statusInt(b, "PPid:"))
	}
	th.pid = tgid
	p := l.procs[tgid]
	if p == nil {
		p = l.newProcess(tgid)
		p.attached = true
		p.threads = 0
		p.record = !l.t.opts.RecordFromExec
	}
	th.proc = p
	p.threads++
	th.parent, th.parentPID = ppid, ppid
	l.threads[tid] = th
	return th
}

// abortAttach gives back every thread seized so far.
func (l *loop) abortAttach() {
	for tid, h := range l.held {
		sig := 0
		if sd := signalOf(h.ws); sd != 0 {
			sig = sd
		}
		linux.Ptrace(unix.PTRACE_DETACH, tid, 0, uintptr(sig))
		l.forget(tid)
	}
	l.held = nil
	l.detaching = true
	// The others stop at their pending interrupt. One that does not
	// within a second (uninterruptible sleep) is left to the kernel,
	// which detaches it when this thread ends.
	deadline := time.Now().Add(time.Second)
	for len(l.threads) > 0 && time.Now().Before(deadline) {
		pid, err := l.wait4(false)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			break
		}
		if pid == 0 {
			time.Sleep(time.Millisecond)
			continue
		}
		l.detachStop(pid)
	}
	for _, p := range l.procs {
		l.processGone(p)
	}
}

// signalOf returns the signal of a signal-delivery-stop, 0 for any other
// stop. (Seized tracees report group stops as PTRACE_EVENT_STOP and
// syscall stops as SIGTRAP|0x80.)
func signalOf(ws unix.WaitStatus) int {
	if !ws.Stopped() || int(ws)>>16 != 0 {
		return 0
	}
	sig := int(ws.StopSignal())
	if sig == int(unix.SIGTRAP)|0x80 {
		return 0
	}
	return sig
}

// startAttached resumes the threads held since Attach, as their stops
// require. If the capture was stopped before it started, they are
// detached instead.
func (l *loop) startAttached() {
	if l.t.stopReq.Load() != nil {
		l.abortAttach()
		return
	}
	tids := make([]int, 0, len(l.held))
	for tid := range l.held {
		tids = append(tids, tid)
	}
	sort.Ints(tids)
	for _, tid := range tids {
		h := l.held[tid]
		th := l.threads[tid]
		if th == nil {
			continue
		}
		ws := h.ws
		ev := int(ws) >> 16
		switch {
		case h.initial:
			if isGroupStop(int(ws.StopSignal())) {
				l.resume(th, unix.PTRACE_LISTEN, 0)
			} else {
				l.resume(th, unix.PTRACE_SYSCALL, 0)
			}
		case ev == unix.PTRACE_EVENT_EXIT:
			if linux.PtraceGetEventMsg(tid, &l.msg) == nil {
				l.threadExit(th, int(l.msg))
			}
			l.resume(th, unix.PTRACE_SYSCALL, 0)
		case signalOf(ws) != 0:
			l.signalStop(th, signalOf(ws))
		default:
			// An event inside a syscall (fork, clone, exec): its
			// exit stop comes next, without an entry.
			l.resume(th, unix.PTRACE_SYSCALL, 0)
		}
	}
	l.held = nil
}

func isGroupStop(sig int) bool {
	return sig == int(unix.SIGSTOP) || sig == int(unix.SIGTSTP) || sig == int(unix.SIGTTIN) || sig == int(unix.SIGTTOU)
}

// beginDetach starts giving the attached threads back: every thread is
// interrupted and detached at its next stop (see detachStop). Threads
// stopped right now waiting to start are detached at once.
func (l *loop) beginDetach() {
	if l.detaching {
		return
	}
	l.detaching = true
	l.detachAt = time.Now()
	l.endCapture(l.detachReason())
	for tid, th := range l.threads {
		if th.firstStop && !th.started {
			linux.Ptrace(unix.PTRACE_DETACH, tid, 0, 0)
			l.countDetached(th)
			l.forget(tid)
			continue
		}
		linux.Ptrace(unix.PTRACE_INTERRUPT, tid, 0, 0)
	}
}

func (l *loop) detachReason() string {
	if r := l.t.stopReq.Load(); r != nil {
		return r.reason
	}
	if r := l.t.endCapture.Load(); r != nil {
		return *r
	}
	return "detached"
}

// detachStop handles a wait4 report while detaching: any stop is a chance
// to detach; a signal-delivery-stop passes its signal on. A thread that
// was about to create another makes us wait for the new one too.
func (l *loop) detachStop(pid int) {
	ws := l.ws
	if ws.Exited() || ws.Signaled() {
		if th := l.threads[pid]; th != nil {
			l.threadExit(th, int(ws))
			l.forget(pid)
		}
		return
	}
	if !ws.Stopped() {
		return
	}
	ev := int(ws) >> 16
	switch ev {
	case unix.PTRACE_EVENT_FORK, unix.PTRACE_EVENT_VFORK, unix.PTRACE_EVENT_CLONE:
		if linux.PtraceGetEventMsg(pid, &l.msg) == nil {
			child := int(l.msg)
			if l.threads[child] == nil && !l.detached[child] {
				// It reports its first stop soon; detach it then.
				l.threads[child] = &thread{tid: child}
			}
		}
	case unix.PTRACE_EVENT_EXEC:
		if linux.PtraceGetEventMsg(pid, &l.msg) == nil && int(l.msg) != pid {
			l.forget(int(l.msg))
		}
	}
	if linux.Ptrace(unix.PTRACE_DETACH, pid, 0, uintptr(signalOf(ws))) == nil {
		l.countDetached(l.threads[pid])
	}
	l.forget(pid)
}

// countDetached counts th (just detached, still alive) in Result.Detached
// and its process in Result.DetachedProcs. A child met only at its first
// stop has no known process yet: /proc tells.
func (l *loop) countDetached(th *thread) {
	if th == nil {
		return
	}
	l.res.Detached++
	tgid := th.pid
	if tgid == 0 {
		tgid = th.tid
		if g, err := tgidOf(th.tid); err == nil {
			tgid = g
		}
	}
	if l.detachedProcs == nil {
		l.detachedProcs = map[int]bool{}
	}
	if !l.detachedProcs[tgid] {
		l.detachedProcs[tgid] = true
		l.res.DetachedProcs++
	}
}

// forget drops thread tid (detached or gone).
func (l *loop) forget(tid int) {
	if l.detached == nil {
		l.detached = map[int]bool{}
	}
	l.detached[tid] = true
	th := l.threads[tid]
	if th == nil {
		return
	}
	delete(l.threads, tid)
	if p := th.proc; p != nil {
		p.threads--
		if p.threads <= 0 && l.procs[p.pid] == p {
			delete(l.procs, p.pid)
			l.dec.ProcessGone(p.pid)
			l.processGone(p)
		}
	}
}

// syscallExitNoEnter handles the exit stop of a syscall whose entry was
// not seen (it began before the thread was attached). The registers still
// hold the syscall number and arguments.
func (l *loop) syscallExitNoEnter(th *thread) {
	var regs unix.PtraceRegs
	if linux.PtraceGetRegs(th.tid, &regs) != nil {
		l.resume(th, unix.PTRACE_CONT, 0)
		return
	}
	c := &th.call
	c.TID, c.PID, c.Nr = th.tid, th.pid, int(int64(regs.Orig_rax))
	c.Args = [6]uint64{regs.Rdi, regs.Rsi, regs.Rdx, regs.R10, regs.R8, regs.R9}
	c.Ret = l.info.RVal()
	c.Parent, c.ParentPID, c.CloneFlags = th.parent, th.parentPID, 0
	if c.Nr >= 0 && decode.FlowOf(c.Nr) != decode.FlowClone && l.recordable(th) {
		l.emit(l.dec.Exit(uint64(now()), c))
	}
	l.resume(th, unix.PTRACE_CONT, 0)
}
