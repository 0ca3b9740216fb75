package agent

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/agent/ring"
	"xtrace/decode"
	"xtrace/internal/linux"
	"xtrace/tracer"
)

// Options configure a recording with the agent (xtrace --backend=agent).
type Options struct {
	// Path is the executable and Args its argv (Args[0] as given).
	Path string
	Args []string
	// Env is the command's environment (os.Environ() when nil).
	Env []string
	// Snaplen caps captured I/O buffers.
	Snaplen int
	// Full receives filled batches of events; Free hands them back.
	Full chan<- *tracer.Batch
	Free <-chan *tracer.Batch
	// FlushEvery bounds how long events may wait in a partial batch.
	FlushEvery time.Duration
	// MaxEvents ends recording after that many events (0 = no limit).
	MaxEvents int64
	// Stdin, Stdout, Stderr of the command (os.Std* when nil).
	Stdin, Stdout, Stderr *os.File
	// Context is unused (the launch never blocks on the tree); it is
	// here so that both backends take the same options.
	Context context.Context
	// Handover records a program the agent cannot enter (static,
	// setuid, setcap) that a recorded process execs with the ptrace
	// backend, in the same capture (--backend=auto); otherwise it runs
	// unrecorded and Result.Unrecorded names it.
	Handover bool
}

// Recorder records a launched command with the agent: it starts the
// command with the agent preloaded (xtrace forks and the child execs it;
// no launch helper: the agent's first record holds the new image until
// xtrace has read it, so nothing runs unrecorded), drains the rings of
// its threads and turns their records into the events the ptrace backend
// writes, through package decode (the memory
// the agent copied stands in for process_vm_readv). Records whose events
// read the live process (/proc, its descriptors) are synchronous: the
// agent holds the thread until they are decoded, as a ptrace stop does.
//
// Its methods mirror tracer.Tracer's, so that the recorder can drive
// either: Launch, PID, Start, Wait, Stop, EndCapture.
type Recorder struct {
	opts    Options
	sess    *Session
	started bool
	pid     int
	pidfd   int // of the launched process, for Stop's signals
	// sigMu guards pidfd and the region against their close at the
	// end: a Stop or EndCapture may come from another goroutine after
	// the recording ended (closed is then set).
	sigMu  sync.Mutex
	closed bool
	done   chan struct{}
	res    tracer.Result
	err    error

	stopReq atomic.Pointer[stopRequest]
	sentSig atomic.Int32 // the signal Stop sent the launched process
	endReq  atomic.Pointer[string]
	wake    chan struct{}

	// Owned by the loop goroutine.
	dec        *decode.Decoder
	calls      Calls
	mem        Memory
	threads    map[uint32]*thread
	live       map[int]int  // pid -> pidfd of the processes not yet ended
	killed     map[int]bool // processes killTree killed
	dying      []procEnd    // processes found ended, written after the next drain
	recording  bool
	stop       *stopRequest
	killAt     time.Time
	cur        *tracer.Batch
	since      time.Time
	limitHit   bool        // MaxEvents written
	groupExits []groupExit // exit_group calls of the current pass
	pass       []passEvent // the events of the current drain pass
	passData   []byte
	imaged     bool         // the launched process' first image was seen
	subs       []*subTracer // ptrace tracers of handed-over processes
	// handPrivileged: setuid, setgid and setcap programs are handed
	// over too (tracesPrivileged).
	handPrivileged bool
	adopted        map[int]bool // processes handed over to sub-tracers
	// launchSub is the sub-tracer of the launched command when it handed
	// itself over (that tracer reaps it).
	launchSub *subTracer
}

type stopRequest struct {
	reason string
	sig    syscall.Signal
	record bool
}

// thread is what the recorder keeps of a traced thread.
type thread struct {
	pid int
	// parent and parentPID created the thread (its child record);
	// childFlags are the clone flags that made it and childNr the call.
	parent, parentPID int
	childFlags        uint64
	cloneFlags        uint64 // of the clone-family call in progress
	ended             bool
}

type procEnd struct{ pid, status int }

// stopGrace is how long an interrupted command may take to exit before
// the rest of the tree is killed (as the ptrace backend does).
const stopGrace = 3 * time.Second

// Launch prepares a recording: the shared region and the agent. Start
// starts the command; the caller may read the machine's /proc meanwhile
// (and then leaves the command's processes out of what it read: the
// command may have run by then).
func Launch(o Options) (*Recorder, error) {
	if o.Full == nil || o.Free == nil {
		return nil, errors.New("agent: Options.Full and Options.Free are required")
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = 100 * time.Millisecond
	}
	if o.Env == nil {
		o.Env = os.Environ()
	}
	sess, err := NewSession(o.Snaplen)
	if err != nil {
		return nil, err
	}
	privileged := o.Handover && tracesPrivileged()
	sess.Region.SetHandover(o.Handover, privileged)
	r := &Recorder{
		opts: o, sess: sess, pidfd: -1, handPrivileged: privileged,
		done: make(chan struct{}), wake: make(chan struct{}, 1),
		dec:     decode.New(decode.Options{Snaplen: o.Snaplen, HiddenVMKiB: MappedKiB, StripEnv: sess.StripEnv}),
		threads: map[uint32]*thread{}, live: map[int]int{}, killed: map[int]bool{}, adopted: map[int]bool{},
		recording: true,
	}
	return r, nil
}

// PID returns the launched process' pid, once Start has started it.
func (r *Recorder) PID() int { return r.pid }

// Start starts the command and the draining; a second call does
// nothing. The command's execve enter is the first event, as the ptrace
// backend records it from the process that execs (here xtrace's fork);
// its exit comes from the new image's agent. When the execve fails,
// Wait returns at once with Result.ExecError and the exit status a
// shell gives (127 for a program not found, else 126).
func (r *Recorder) Start() {
	if r.started {
		return
	}
	r.started = true
	r.cur = <-r.opts.Free
	r.cur.Reset()
	files := []uintptr{fdOr(r.opts.Stdin, os.Stdin), fdOr(r.opts.Stdout, os.Stdout), fdOr(r.opts.Stderr, os.Stderr)}
	at := uint64(time.Now().UnixNano())
	pidfd := -1
	pid, err := syscall.ForkExec(r.opts.Path, r.opts.Args, &syscall.ProcAttr{
		Env: r.sess.Env(r.opts.Env), Files: files, Sys: &syscall.SysProcAttr{PidFD: &pidfd},
	})
	if err != nil {
		r.res.ExitCode = 126
		if errors.Is(err, syscall.ENOENT) {
			r.res.ExitCode = 127
		}
		r.res.ExecError = fmt.Sprintf("%s: %v", r.opts.Path, err)
		r.cur = nil // no event: the batch stays out of the pool
		r.closeShared()
		close(r.done)
		return
	}
	r.sigMu.Lock()
	r.pid, r.pidfd = pid, pidfd
	r.sigMu.Unlock()
	r.execEnter(at, r.pid, r.opts.Path)
	ended := make(chan struct{})
	go func() {
		r.awaitLaunched()
		close(ended)
		r.poke()
	}()
	go r.loop(ended)
}

// fdOr is f's descriptor, or def's when f is nil.
func fdOr(f, def *os.File) uintptr {
	if f == nil {
		f = def
	}
	return f.Fd()
}

// awaitLaunched returns once the launched command has ended. It polls its
// pidfd rather than waiting for it: a sub-tracer may trace the process
// (it handed itself over), and a wait would take its ptrace stops.
func (r *Recorder) awaitLaunched() {
	fds := []unix.PollFd{{Fd: int32(r.pidfd), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, -1); err != unix.EINTR {
			return
		}
	}
}

// reapLaunched returns the launched command's exit status once it has
// ended. A sub-tracer that traces it (the command handed itself over)
// reaps it, as a tracer reaps its tracee, and keeps the status; otherwise
// (never handed over, or the tracer detached when the capture ended) the
// recorder reaps it.
func (r *Recorder) reapLaunched() (unix.WaitStatus, bool) {
	sub := r.launchSub
	if sub != nil {
		if ws, ok := sub.t.ExitStatus(); ok {
			return ws, true
		}
		select {
		case <-sub.t.Done():
		default:
			return 0, false // its tracer has yet to reap it
		}
	}
	var ws unix.WaitStatus
	pid, err := unix.Wait4(r.pid, &ws, unix.WNOHANG, nil)
	switch {
	case pid == r.pid:
		return ws, true
	case err != unix.ECHILD:
		return 0, false
	case sub != nil:
		if ws, ok := sub.t.ExitStatus(); ok {
			return ws, true // it reaped the command as it ended
		}
	}
	return 0, true // reaped elsewhere: the status is lost
}

// Wait blocks until the command's tree is gone (or recording failed).
func (r *Recorder) Wait() (tracer.Result, error) {
	<-r.done
	return r.res, r.err
}

// Stop ends the capture as tracer.Tracer.Stop does: recording stops (or
// continues, with record), the launched command gets sig after a SIGCONT,
// and what is left of the tree after a grace period is killed. A second
// Stop kills at once.
func (r *Recorder) Stop(reason string, sig syscall.Signal, record bool) {
	req := &stopRequest{reason: reason, sig: sig, record: record}
	if !r.stopReq.CompareAndSwap(nil, req) {
		r.stopReq.Store(&stopRequest{reason: reason, sig: unix.SIGKILL})
	}
	r.sigMu.Lock()
	if r.pidfd >= 0 {
		unix.PidfdSendSignal(r.pidfd, unix.SIGCONT, nil, 0)
		if sig != 0 {
			r.sentSig.Store(int32(sig))
			unix.PidfdSendSignal(r.pidfd, sig, nil, 0)
		}
	}
	r.sigMu.Unlock()
	r.poke()
}

// EndCapture stops recording; the tree runs on without the agent
// recording it, and Wait returns once the launched command has exited.
func (r *Recorder) EndCapture(reason string) {
	r.endReq.CompareAndSwap(nil, &reason)
	r.poke()
}

func (r *Recorder) poke() {
	r.sigMu.Lock()
	if !r.closed {
		r.sess.Region.Wake() // the loop may sleep on the rings' doorbell
	}
	r.sigMu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// loop drains the rings until the launched command and every process it
// started have ended.
func (r *Recorder) loop(ended <-chan struct{}) {
	defer close(r.done)
	defer r.finish()
	launched, gone := false, false
	for {
		select {
		case <-ended:
			gone, ended = true, nil
		default:
		}
		if gone && !launched {
			if ws, ok := r.reapLaunched(); ok {
				launched = true
				if ws.Exited() {
					r.res.ExitCode = ws.ExitStatus()
				} else {
					r.res.ExitCode, r.res.Signal = -1, ws.Signal()
				}
			}
		}
		r.control()
		if !r.recording {
			// Nothing more is read: the agents stopped recording when
			// the region was marked closed.
			if launched {
				return
			}
			select {
			case <-r.wake:
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		r.sess.takePidfds(r.live)
		r.handovers()
		r.ended()
		n := r.sess.Region.Drain(r.record)
		r.takeSub()
		r.endGroups()
		r.writeEnded()
		r.flushPass()
		if r.limitHit {
			r.endCapture(limitReason)
			continue
		}
		if launched && n == 0 && len(r.live) == 0 && len(r.dying) == 0 {
			return
		}
		if n == 0 {
			if r.cur.Events > 0 && time.Since(r.since) >= r.opts.FlushEvery {
				r.swap()
			}
			r.sess.Region.Sleep(10 * time.Millisecond)
		}
	}
}

// handovers attaches the ptrace backend to the processes that asked for
// it (a program the agent cannot enter is about to run): its tracer
// records them from their execve on, into the same batches.
func (r *Recorder) handovers() {
	for _, h := range r.sess.TakeHandovers() {
		if !r.opts.Handover || !r.recording {
			h.Done(false)
			continue
		}
		sub := &subTracer{full: make(chan *tracer.Batch, subBatches), free: make(chan *tracer.Batch, subBatches)}
		for _, b := range tracer.NewBatches(subBatches, 256<<10) {
			sub.free <- b
		}
		t, err := tracer.Attach(tracer.Options{
			Snaplen: r.opts.Snaplen, Full: sub.full, Free: sub.free,
			FlushEvery: 10 * time.Millisecond, RecordFromExec: true, KeepExit: r.pid, OwnTracees: true,
		}, []int{h.PID})
		if err != nil {
			// The program runs unrecorded (its execve enter was
			// recorded): say so at the end.
			h.Done(false)
			if len(r.res.Unrecorded) < 20 {
				r.res.Unrecorded = append(r.res.Unrecorded, fmt.Sprintf("%d: the hand-over to ptrace failed: %v", h.PID, err))
			}
			continue
		}
		sub.t = t
		t.Start()
		// The capture says so on the process, before its execve's exit:
		// from there on ptrace records it and what it starts.
		r.put(r.dec.Notification(uint64(time.Now().UnixNano()), h.PID, HandoverID, "ptrace"))
		h.Done(true)
		r.subs = append(r.subs, sub)
		r.adopted[h.PID] = true
		if h.PID == r.pid {
			r.launchSub = sub
		}
	}
}

// limitReason is why recording ended at Options.MaxEvents.
const limitReason = "event limit reached"

// HandoverID is the id of the notification event that marks a process
// handed over to the ptrace backend (its description is "ptrace").
const HandoverID = "xtrace.backend"

// subTracer is a ptrace tracer recording a handed-over process; its
// batches come to the recorder, which writes their events with its own
// in time order.
type subTracer struct {
	t          *tracer.Tracer
	full, free chan *tracer.Batch
}

// subBatches is how many batches a sub-tracer has.
const subBatches = 4

// takeSub puts the events of the batches the sub-tracers filled into the
// current pass, and retires those that ended (a tree that runs many
// static programs hands many over: their batches are let go).
func (r *Recorder) takeSub() {
	kept := r.subs[:0]
	for _, sub := range r.subs {
		r.drainSub(sub)
		select {
		case <-sub.t.Done():
			r.drainSub(sub) // what it flushed as it ended
			r.retire(sub)
		default:
			kept = append(kept, sub)
		}
	}
	clear(r.subs[len(kept):])
	r.subs = kept
}

// drainSub puts the batches sub has filled into the pass.
func (r *Recorder) drainSub(sub *subTracer) {
	for {
		select {
		case b := <-sub.full:
			r.putBatch(b)
			sub.free <- b
		default:
			return
		}
	}
}

// retire adds the counts of a sub-tracer that ended to the result. Its
// events were counted as they were written (write).
func (r *Recorder) retire(sub *subTracer) {
	res, err := sub.t.Wait()
	r.res.Dropped += res.Dropped
	r.res.DecodeErrors += res.DecodeErrors
	if r.res.DecodeError == nil {
		r.res.DecodeError = res.DecodeError
	}
	if err != nil && r.err == nil {
		r.err = err
	}
}

// putBatch puts a sub-tracer's events into the pass.
func (r *Recorder) putBatch(b *tracer.Batch) {
	b.Each(func(_ uint16, _ uint32, raw []byte) error {
		r.put(raw, nil)
		return nil
	})
}

// finish hands the last batch over and releases everything.
func (r *Recorder) finish() {
	for _, sub := range r.subs {
		// Its last batches come as its loop ends.
		for waiting := true; waiting; {
			select {
			case b := <-sub.full:
				r.putBatch(b)
				sub.free <- b
			case <-sub.t.Done():
				waiting = false
			}
		}
	}
	r.takeSub() // every one has ended: all are retired
	r.flushPass()
	if r.limitHit {
		// A sub-tracer's last events reached the limit.
		r.endCapture(limitReason)
	}
	if r.cur != nil {
		if r.cur.Events > 0 {
			r.opts.Full <- r.cur
		}
		r.cur = nil
	}
	if st := r.sess.Region.Stats(); st.Corrupt > 0 || st.Strays > 0 {
		// Records lost to the program's scribbling, or an agent bug
		// found and worked around: say so with the decode errors.
		r.res.CountError(fmt.Errorf("agent: shared rings: %d with bytes that are no record (skipped), %d waiting producers outside the rings in use (read again)", st.Corrupt, st.Strays))
	}
	for pid, fd := range r.live {
		unix.Close(fd)
		delete(r.live, pid)
	}
	r.closeShared()
}

// closeShared ends the recording's resources: a late Stop signals
// nothing (the pidfd's number may be reused) and pokes nothing (the
// region is unmapped).
func (r *Recorder) closeShared() {
	r.sigMu.Lock()
	if r.pidfd >= 0 {
		unix.Close(r.pidfd)
	}
	r.pidfd = -1
	r.closed = true
	r.sigMu.Unlock()
	r.dec.Close()
	if err := r.sess.Close(); err != nil && r.err == nil {
		r.err = err
	}
}

// control acts on Stop and EndCapture requests and the grace period.
func (r *Recorder) control() {
	if reason := r.endReq.Load(); reason != nil {
		r.endCapture(*reason)
	}
	if req := r.stopReq.Load(); req != nil && req != r.stop {
		first := r.stop == nil
		r.stop = req
		if !req.record {
			r.endCapture(req.reason)
		}
		for _, sub := range r.subs {
			sub.t.Stop(req.reason, 0, req.record)
		}
		if req.sig == unix.SIGKILL {
			r.killTree()
		} else if first {
			r.killAt = time.Now().Add(stopGrace)
		}
	}
	if r.stop != nil && !r.killAt.IsZero() && time.Now().After(r.killAt) {
		r.killAt = time.Time{}
		r.killTree()
	}
}

// endCapture stops recording: the last events go out and the agents are
// told that nobody reads any more.
func (r *Recorder) endCapture(reason string) {
	if !r.recording {
		return
	}
	for _, sub := range r.subs {
		sub.t.EndCapture(reason)
	}
	r.flushPass()
	r.recording = false
	if r.cur != nil && r.cur.Events > 0 {
		r.swap()
	}
	if r.res.Stopped == "" {
		r.res.Stopped = reason
	}
	r.sess.Region.Stop()
	r.sess.StopAccepting()
}

// killTree kills every process of the tree still running.
func (r *Recorder) killTree() {
	r.sess.takePidfds(r.live)
	for pid, fd := range r.live {
		if unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0) == nil {
			r.res.Killed++
			r.killed[pid] = true
		}
	}
	if r.pidfd >= 0 {
		unix.PidfdSendSignal(r.pidfd, unix.SIGKILL, nil, 0)
	}
}

// ended moves the processes whose exit status is known to dying: their
// end is written after the drain that follows, which reads their last
// records.
func (r *Recorder) ended() {
	pollExits(r.live, func(pid, status int) { r.dying = append(r.dying, procEnd{pid, status}) })
}

// writeEnded writes the end of the threads of the processes in dying
// that did not write their own (killed, or ended by a signal): a
// signaldeliver where a signal ended them, then procexit, as the ptrace
// backend does.
func (r *Recorder) writeEnded() {
	for _, e := range r.dying {
		if r.adopted[e.pid] {
			// Its end is the ptrace backend's to write.
			for tid, th := range r.threads {
				if th.pid == e.pid {
					r.forget(tid)
				}
			}
			r.dec.ProcessGone(e.pid)
			continue
		}
		ts := uint64(time.Now().UnixNano())
		sig := e.status & 0x7f
		// The leader first (the signal ended it), then the others.
		var tids []uint32
		for tid, th := range r.threads {
			if th.pid == e.pid {
				tids = append(tids, tid)
			}
		}
		leader := uint32(e.pid)
		slices.SortFunc(tids, func(a, b uint32) int {
			switch {
			case a == b:
				return 0
			case a == leader:
				return -1
			case b == leader:
				return 1
			}
			return cmp.Compare(a, b)
		})
		for _, tid := range tids {
			th := r.threads[tid]
			if !th.ended {
				if sig != 0 {
					s := unix.SIGKILL
					if int(tid) == e.pid {
						s = syscall.Signal(sig)
					}
					r.put(r.dec.SignalDeliver(ts, int(tid), r.sender(e.pid, s), int(s)))
				}
				r.put(r.dec.ProcExit(ts, int(tid), e.pid, e.status))
			}
			r.forget(tid)
		}
		r.dec.ProcessGone(e.pid)
	}
	r.dying = r.dying[:0]
}

// sender is the sender of the signal that ended process pid, as far as
// xtrace knows it: itself when it sent it (Stop, killTree), else unknown
// (0), since a signal with its default action reaches no handler of the
// agent's. SignalSender applies the driver's rule of when it shows one.
func (r *Recorder) sender(pid int, sig syscall.Signal) int {
	self := os.Getpid()
	switch {
	case r.killed[pid] && sig == unix.SIGKILL:
		return decode.SignalSender(int(sig), 0, self)
	case pid == r.pid && int32(sig) == r.sentSig.Load():
		return decode.SignalSender(int(sig), 0, self)
	}
	return 0
}

func (r *Recorder) forget(tid uint32) {
	delete(r.threads, tid)
	r.calls.Forget(tid)
}

// threadOf returns the state of the thread that wrote rec.
func (r *Recorder) threadOf(rec *ring.Record) *thread {
	th := r.threads[rec.Tid]
	if th == nil || th.ended {
		th = &thread{pid: int(rec.Pid)}
		r.threads[rec.Tid] = th
	}
	return th
}

// record turns one record into events.
func (r *Recorder) record(rec *ring.Record) {
	if !r.recording {
		return
	}
	th := r.threadOf(rec)
	switch rec.Kind {
	case ring.KindChild:
		th.childFlags = rec.Args[0]
		th.parent, th.parentPID = int(rec.Args[1]), int(rec.Args[2])
		if rec.Pid == rec.Tid {
			r.track(int(rec.Pid))
		}
	case ring.KindImage:
		path := r.opts.Path
		if int(rec.Pid) != r.pid || r.imaged {
			// A program exec'd by one the agent did not record.
			path, _ = os.Readlink("/proc/" + strconv.Itoa(int(rec.Pid)) + "/exe")
			r.execEnter(rec.TS, int(rec.Pid), path)
		}
		r.imaged = true
		r.track(int(rec.Pid))
	case ring.KindEnter:
		c := r.calls.Call(rec)
		r.mem.SetRecord(rec)
		c.Mem, c.Facts = &r.mem, &r.mem
		c.Parent, c.ParentPID = th.parent, th.parentPID
		flow := decode.FlowOf(c.Nr)
		if flow == decode.FlowExec {
			r.checkExec(rec, &c)
		}
		r.put(r.dec.Enter(rec.TS, &c))
		if flow.Noreturn() {
			r.exitCall(rec, th, c.Args[0], flow == decode.FlowNoreturnGroup)
		}
	case ring.KindExit:
		c := r.calls.Call(rec)
		r.mem.SetRecord(rec)
		c.Mem, c.Facts = &r.mem, &r.mem
		c.Parent, c.ParentPID = th.parent, th.parentPID
		switch decode.FlowOf(c.Nr) {
		case decode.FlowClone:
			if c.Ret == 0 {
				c.CloneFlags = th.childFlags
			} else {
				// The creating thread: clone3 keeps its flags in its
				// struct clone_args, whose flags the agent copies with
				// the exit record.
				c.CloneFlags = r.dec.CloneFlags(&c)
				if c.Ret > 0 && c.CloneFlags&decode.CloneThread == 0 {
					r.track(int(c.Ret))
				}
			}
		case decode.FlowExec:
			if c.Ret < 0 {
				// A failed execve shows the argv and envp it was given,
				// which the agent does not copy: the thread is held at
				// this exit (it is synchronous), so they are read from
				// its memory, as the ptrace backend reads them.
				c.Mem = nil
			}
			if c.Ret == 0 {
				if r.execed(rec) {
					c = r.calls.Call(rec) // the execve's arguments, adopted
					r.mem.SetRecord(rec)
					c.Mem, c.Facts = &r.mem, &r.mem
				}
				r.dec.ProcessExec(c.PID)
			}
		}
		r.put(r.dec.Exit(rec.TS, &c))
	case ring.KindSignal:
		sig := int(rec.NR)
		r.put(r.dec.SignalDeliver(rec.TS, int(rec.Tid), decode.SignalSender(sig, int32(rec.Args[0]), int(rec.Args[1])), sig))
	}
}

// execed handles a successful execve in a process with other threads,
// before its exit event: the kernel kills the other threads (the ptrace
// backend records a SIGKILL delivery and procexit for each), and when
// the thread that made the call was not the leader it comes back as the
// leader, under the leader's tid (the record's). It reports whether the
// call's enter was adopted from another thread.
func (r *Recorder) execed(rec *ring.Record) bool {
	pid := int(rec.Pid)
	var tids []uint32
	for tid, th := range r.threads {
		if th.pid == pid && !th.ended && tid != rec.Tid {
			tids = append(tids, tid)
		}
	}
	slices.Sort(tids)
	// The other thread that is inside this execve made it.
	var execer uint32
	for _, tid := range tids {
		if r.calls.Inside(tid, rec.NR) {
			execer = tid
		}
	}
	ts := rec.TS
	if execer != 0 {
		// The leader dies first (under its tid the execer goes on).
		if th := r.threads[rec.Tid]; th != nil && !th.ended {
			r.put(r.dec.SignalDeliver(ts, int(rec.Tid), 0, int(unix.SIGKILL)))
			r.put(r.dec.ProcExit(ts, int(rec.Tid), pid, 0))
		}
		r.calls.Forget(rec.Tid)
		r.threads[rec.Tid] = r.threads[execer]
		delete(r.threads, execer)
	}
	for _, tid := range tids {
		if tid == execer {
			continue
		}
		r.put(r.dec.SignalDeliver(ts, int(tid), 0, int(unix.SIGKILL)))
		r.put(r.dec.ProcExit(ts, int(tid), pid, 0))
		r.forget(tid)
	}
	return execer != 0 && r.calls.Adopt(execer, rec.Tid, rec.NR)
}

// checkExec looks at the execve enter of a program the agent cannot
// enter (static, setuid, setcap; the agent checked it in the process):
// with Handover a static one is handed over to the ptrace backend, which
// records the process from the execve's exit on, and a privileged one
// too when xtrace can trace it keeping its privileges (handPrivileged);
// any other runs unrecorded (its execve's enter is the last event of its process before
// procexit), and Result.Unrecorded names it.
func (r *Recorder) checkExec(rec *ring.Record, c *decode.Call) {
	if !rec.Alien || rec.Static && r.opts.Handover || !rec.Static && r.handPrivileged {
		return
	}
	var buf [4096]byte
	n, _ := r.mem.Read(c.Args[0], buf[:])
	path, _, _ := bytes.Cut(buf[:n], []byte{0})
	why := ErrPrivileged.Error()
	switch {
	case rec.Static:
		why = ErrStatic.Error()
	case r.opts.Handover:
		why += " (only a tracer with CAP_SYS_PTRACE keeps its privileges: xtrace hands it to ptrace when run as root)"
	}
	if len(r.res.Unrecorded) < 20 {
		r.res.Unrecorded = append(r.res.Unrecorded, fmt.Sprintf("%d %s: %s", rec.Pid, path, why))
	}
}

// exitCall writes the end of the threads an exit or exit_group ends,
// right after its enter event: the thread itself, and for exit_group the
// other threads of its process, which the kernel kills.
func (r *Recorder) exitCall(rec *ring.Record, th *thread, code uint64, group bool) {
	status := int(code&0xff) << 8
	if group {
		// The other threads of the process are killed; those that
		// ended on their own first may have their exit in a ring read
		// later in this pass, so they are looked at after it.
		r.groupExits = append(r.groupExits, groupExit{pid: th.pid, caller: rec.Tid, ts: rec.TS, status: status})
	}
	r.put(r.dec.ProcExit(rec.TS, int(rec.Tid), th.pid, status))
	th.ended = true
}

// groupExit is an exit_group whose process' other threads are still to
// be ended (after the drain pass that read it).
type groupExit struct {
	pid    int
	caller uint32
	ts     uint64
	status int
}

// endGroups writes, for each exit_group of the pass, a SIGKILL delivery
// and procexit for every other thread of its process that had not ended
// by then, as the kernel kills them (and the ptrace backend records it).
func (r *Recorder) endGroups() {
	for _, g := range r.groupExits {
		var tids []uint32
		for tid, o := range r.threads {
			if o.pid == g.pid && tid != g.caller && !o.ended {
				tids = append(tids, tid)
			}
		}
		slices.Sort(tids)
		for _, tid := range tids {
			r.put(r.dec.SignalDeliver(g.ts, int(tid), 0, int(unix.SIGKILL)))
			r.put(r.dec.ProcExit(g.ts, int(tid), g.pid, g.status))
			r.threads[tid].ended = true
		}
	}
	r.groupExits = r.groupExits[:0]
}

// track keeps a pidfd of a process of the tree, so that the recording
// waits for it and learns how it ended.
func (r *Recorder) track(pid int) {
	if _, ok := r.live[pid]; ok {
		return
	}
	if fd, err := unix.PidfdOpen(pid, 0); err == nil {
		r.live[pid] = fd
	}
}

// execEnter writes the enter event of an execve that the agent could not
// record (made by a process without it): xtrace's fork's that starts the
// command, or an unrecorded program's.
func (r *Recorder) execEnter(ts uint64, pid int, path string) {
	const addr = 1 << 16 // where the path seems to be: any address does
	rec := ring.Record{Kind: ring.KindEnter, Tid: uint32(pid), Pid: uint32(pid), NR: unix.SYS_EXECVE}
	rec.Args[0] = addr
	c := r.calls.Call(&rec)
	r.mem.Set([]ring.Chunk{{Addr: addr, Data: append([]byte(path), 0)}})
	c.Mem = &r.mem
	r.put(r.dec.Enter(ts, &c))
}

// put takes one event of a drain pass. The events of a pass are written
// in time order when it ends (flushPass): the pass reads ring after ring,
// thread after thread, while the threads ran at the same time.
func (r *Recorder) put(raw []byte, err error) {
	if err != nil {
		r.res.CountError(err)
		return
	}
	if !r.recording {
		return
	}
	r.pass = append(r.pass, passEvent{off: len(r.passData), n: len(raw)})
	r.passData = append(r.passData, raw...)
}

// passEvent is an event of the current drain pass, in passData.
type passEvent struct{ off, n int }

// flushPass writes the events of the pass, ordered by their timestamps
// (a thread's own events keep their order).
func (r *Recorder) flushPass() {
	ts := func(e passEvent) uint64 { return binary.LittleEndian.Uint64(r.passData[e.off:]) }
	slices.SortStableFunc(r.pass, func(a, b passEvent) int { return cmp.Compare(ts(a), ts(b)) })
	for _, e := range r.pass {
		r.write(r.passData[e.off : e.off+e.n])
	}
	r.pass, r.passData = r.pass[:0], r.passData[:0]
}

// write appends one event to the current batch.
func (r *Recorder) write(raw []byte) {
	if !r.recording || r.limitHit {
		return
	}
	b := r.cur
	if len(b.Data)+len(raw)+8 > cap(b.Data) && b.Events > 0 {
		r.swap()
		b = r.cur
	}
	if b.Events == 0 {
		r.since = time.Now()
	}
	b.Add(0, 0, raw)
	r.res.Events++
	if max := r.opts.MaxEvents; max > 0 && r.res.Events >= max {
		r.limitHit = true // the loop ends the capture after this pass
	}
}

// swap hands the current batch to the writer and takes a free one; it
// blocks while the writer is behind (and so, through the rings, the
// traced tree).
func (r *Recorder) swap() {
	r.opts.Full <- r.cur
	r.cur = <-r.opts.Free
	r.cur.Reset()
}

// tracesPrivileged reports whether xtrace holds CAP_SYS_PTRACE, so that a
// setuid, setgid or setcap program it traces keeps its privileges (the
// kernel drops them under a tracer without it).
func tracesPrivileged() bool { return linux.HasCapability(unix.CAP_SYS_PTRACE) }
