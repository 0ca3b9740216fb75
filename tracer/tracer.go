package tracer

import (
	"context"
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/decode"
	"xtrace/internal/linux"
	"xtrace/seccomp"
)

var errESRCH error = unix.ESRCH

// Options configure a traced launch.
type Options struct {
	// Path is the executable and Args its argv (Args[0] as given).
	Path string
	Args []string
	// Env is the command's environment (os.Environ() when nil).
	Env []string
	// Syscalls are the syscalls that stop; seccomp.Required() is always
	// added.
	Syscalls seccomp.Set
	// NoNewPrivs sets PR_SET_NO_NEW_PRIVS before installing the filter.
	// It is required without CAP_SYS_ADMIN; with it, setuid programs run
	// without their privileges.
	NoNewPrivs bool
	// Snaplen caps captured I/O buffers.
	Snaplen int
	// PinTracer keeps the tracer thread on the CPU it starts on (the
	// launched command is forked before, and keeps every CPU).
	PinTracer bool
	// PinTree also restricts the traced tree to that CPU: the cheapest
	// stops, but the tree runs on one CPU and sees it (nproc prints 1),
	// so the caller chooses. Events then carry that CPU as their cpuid
	// (otherwise 0: where a thread last ran is not cheap to learn).
	PinTree bool
	// Spin is how many times the loop polls wait4(WNOHANG) before it
	// blocks; 0 picks a default (adaptive, 4 to 200; none when
	// PinTree puts the tree on the tracer's CPU).
	Spin int
	// Full receives filled batches; Free hands them back.
	Full chan<- *Batch
	Free <-chan *Batch
	// FlushEvery bounds how long events may wait in a partial batch.
	FlushEvery time.Duration
	// MaxEvents stops recording after that many events (0 = no limit).
	MaxEvents int64
	// Stdin, Stdout, Stderr of the command (os.Std* when nil).
	Stdin, Stdout, Stderr *os.File
	// Inject, when set, sees every event and may fault syscalls at
	// their entry (--inject).
	Inject Injector
	// RecordFromExec makes Attach record an attached process only from
	// the exit of its next execve on (the agent hands a program it
	// cannot enter over to ptrace that way: what the process does
	// before, the execve's enter included, is the agent's).
	RecordFromExec bool
	// KeepExit is a child of this process that the tracer did not
	// start (the agent backend's launched command): the tracer waits
	// for any child, so it may reap that one, and then keeps its
	// status for ExitStatus.
	KeepExit int
	// OwnTracees makes the tracer wait for its own tracees only
	// (__WNOTHREAD): other tracers run in this process (the agent
	// backend's sub-tracers), and a wait for any child would take their
	// tracees' stops. Such a tracer polls rather than blocks, since a
	// wake-up child of another thread would not end its wait.
	OwnTracees bool
	// Context, when set, interrupts Attach while it waits for the
	// threads to stop (a thread in uninterruptible sleep stops only
	// when its syscall ends).
	Context context.Context
}

// Result is how a traced run ended.
type Result struct {
	// ExitCode is the launched command's exit status, or -1 if it was
	// killed by a signal (Signal then holds it).
	ExitCode int
	Signal   syscall.Signal
	// Stops counts the ptrace stops handled (a measure of the
	// tracing cost: syscalls outside Options.Syscalls cost none).
	Stops int64
	// Events is the number of events produced; Dropped counts events
	// the driver would not have written (unreadable tracee memory).
	Events, Dropped int64
	// Stopped says why recording ended early ("" when the tree exited
	// on its own).
	Stopped string
	// Killed is the number of traced threads killed at the end.
	Killed int
	// Unrecorded lists programs the tree ran that the backend could not
	// record (the agent cannot enter a static or setuid program a
	// recorded process execs), one "pid path: why" each.
	Unrecorded []string
	// Detached is the number of threads given back at the end (those
	// still running then), DetachedProcs the number of processes they
	// make up: the attached ones and the children they created.
	Detached, DetachedProcs int
	// ExecError is the helper's message when the command could not be
	// executed.
	ExecError string
	// DecodeErrors counts events that could not be built for another
	// reason than the driver's own drops (a bug); DecodeError is the
	// first one.
	DecodeErrors int64
	DecodeError  error
}

// CountError counts an event that could not be built: a driver's own drop
// (decode.ErrDropped) or a decode error, the first of which is kept.
func (r *Result) CountError(err error) {
	if errors.Is(err, decode.ErrDropped) {
		r.Dropped++
		return
	}
	r.DecodeErrors++
	if r.DecodeError == nil {
		r.DecodeError = err
	}
}

// Tracer follows one launched command. Its methods may be called from any
// goroutine; the work happens on the tracer's own locked thread.
type Tracer struct {
	opts    Options
	pid     int
	resume  chan struct{}
	done    chan struct{}
	res     Result
	err     error
	stopReq atomic.Pointer[stopRequest]
	// endCapture holds the reason recording should end, once set.
	endCapture atomic.Pointer[string]
	helper     *Helper // the launch helper, nil when attaching

	// sigMu guards launchFD (pidfd of the launched process while it
	// lives) and wakeFD (pidfd of some live traced process), which Stop
	// signals.
	sigMu    sync.Mutex
	launchFD int
	wakeFD   int

	// attach lists the pids given to Attach; attachedTIDs the threads
	// attached at start, per process.
	attach       []int
	attachedTIDs map[int][]int

	// keptExit is Options.KeepExit's status once the tracer reaped it.
	keptExit atomic.Pointer[unix.WaitStatus]
}

// Done is closed when the tracer's loop has ended (Wait then returns at
// once).
func (t *Tracer) Done() <-chan struct{} { return t.done }

// ExitStatus returns the status of Options.KeepExit if the tracer
// reaped it.
func (t *Tracer) ExitStatus() (unix.WaitStatus, bool) {
	if ws := t.keptExit.Load(); ws != nil {
		return *ws, true
	}
	return 0, false
}

type stopRequest struct {
	reason string
	sig    syscall.Signal
	record bool // keep recording while the tree winds down
}

// Launch starts the command stopped before its execve: the helper process
// is running and seized, waiting for [Tracer.Start]. The caller may take
// its machine snapshot in between, so the helper (the future command) is
// in it.
func Launch(o Options) (*Tracer, error) {
	if o.Full == nil || o.Free == nil {
		return nil, errors.New("tracer: Options.Full and Options.Free are required")
	}
	return start(o, nil)
}

// start runs the tracer thread, which launches the command (attach nil)
// or attaches to the pids, and returns once it is ready or has failed.
func start(o Options, attach []int) (*Tracer, error) {
	if o.FlushEvery <= 0 {
		o.FlushEvery = 100 * time.Millisecond
	}
	t := &Tracer{opts: o, attach: attach, resume: make(chan struct{}), done: make(chan struct{}), launchFD: -1, wakeFD: -1}
	ready := make(chan error, 1)
	go t.run(ready)
	if err := <-ready; err != nil {
		<-t.done
		return nil, err
	}
	return t, nil
}

// PID returns the launched process' pid.
func (t *Tracer) PID() int { return t.pid }

// Start lets the command run.
func (t *Tracer) Start() {
	if t.helper != nil {
		// The go byte: the helper installs the filter and execs.
		t.helper.Go()
	}
	close(t.resume)
}

// Wait blocks until the traced tree is gone (or the tracer failed).
func (t *Tracer) Wait() (Result, error) {
	<-t.done
	return t.res, t.err
}

// Stop ends the capture: recording stops (or continues, with record),
// the launched command gets sig (after a SIGCONT, as strace does on
// interrupt), and whatever is left of the traced tree after a grace
// period is killed, since a process carrying the tracer's seccomp filter
// cannot run without it. A second Stop kills at once.
//
// For attached processes Stop detaches from them instead: sig and record
// are ignored (nothing is signalled, nothing killed).
func (t *Tracer) Stop(reason string, sig syscall.Signal, record bool) {
	if t.attach != nil {
		t.stopReq.CompareAndSwap(nil, &stopRequest{reason: reason})
		t.wake()
		return
	}
	req := &stopRequest{reason: reason, sig: sig, record: record}
	if !t.stopReq.CompareAndSwap(nil, req) {
		// Second request: escalate.
		t.stopReq.Store(&stopRequest{reason: reason, sig: unix.SIGKILL, record: false})
	}
	// Signals go through pidfds the loop keeps: a pid of a process that
	// has exited and been reaped may already belong to someone else.
	t.sigMu.Lock()
	defer t.sigMu.Unlock()
	if t.launchFD >= 0 {
		linux.PidfdSendSignal(t.launchFD, unix.SIGCONT)
		if sig != 0 {
			linux.PidfdSendSignal(t.launchFD, sig)
		}
	}
	if t.wakeFD >= 0 && t.wakeFD != t.launchFD {
		// The launched process is gone: wake the loop through another
		// tracee (a traced process stops for any signal).
		linux.PidfdSendSignal(t.wakeFD, unix.SIGCONT)
	}
}

// EndCapture stops recording (the writer has what it needs, a time limit
// passed, or writing failed) but keeps following the tree, which goes on
// running normally until it exits. Attached processes are detached.
func (t *Tracer) EndCapture(reason string) {
	if t.endCapture.CompareAndSwap(nil, &reason) && t.attach != nil {
		t.wake()
	}
}

// run is the tracer goroutine: it owns the locked OS thread.
func (t *Tracer) run(ready chan<- error) {
	defer close(t.done)
	runtime.LockOSThread()
	// The thread is never unlocked: it may have been pinned to a CPU and
	// holds the ptrace relationships; the runtime discards it when the
	// goroutine exits.

	was, err := linux.SetNoCldStop(true)
	if err == nil && !was {
		defer linux.SetNoCldStop(false)
	}
	var l *loop
	if t.attach != nil {
		l, err = t.attachAll()
	} else {
		l, err = t.launch()
	}
	if err != nil {
		ready <- err
		return
	}
	ready <- nil
	<-t.resume
	if l.attach {
		l.out = newOutput(t.opts.Full, t.opts.Free, t.opts.FlushEvery)
		l.startAttached()
	}
	t.res, t.err = l.safeRun()
	if !l.attach && !l.execed && (t.res.ExitCode == exitCannotExec || t.res.ExitCode == exitNotFound) {
		t.res.ExecError = t.helper.ExecError()
	}
	if t.helper != nil {
		t.helper.Close()
	}
}

// launch starts and seizes the helper.
func (t *Tracer) launch() (*loop, error) {
	o := &t.opts
	set := seccomp.Traced(o.Syscalls)
	prog, err := seccomp.Program(&set)
	if err != nil {
		return nil, err
	}
	// The tracer thread is pinned to the CPU it runs on. A forked child
	// inherits the forking thread's affinity, so without PinTree the pin
	// comes after the helper starts: the command keeps every CPU.
	cpu := -1
	pin := func() {
		if o.PinTracer || o.PinTree {
			cpu = linux.Getcpu()
			var set unix.CPUSet
			set.Set(cpu)
			if err := linux.SetAffinity(0, &set); err != nil {
				cpu = -1
			}
		}
	}
	if o.PinTree {
		pin()
	}
	h, err := StartHelper(HelperOptions{
		Path: o.Path, Args: o.Args, Env: o.Env, Filter: prog, NoNewPrivs: o.NoNewPrivs,
		Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr,
	})
	if err != nil {
		return nil, err
	}
	pid := h.PID
	t.pid = pid
	if !o.PinTree {
		pin()
	}
	// The helper is blocked reading fd 3. Seize it now with launchOpts.
	if err := linux.Ptrace(unix.PTRACE_SEIZE, pid, 0, launchOpts); err != nil {
		h.Kill()
		return nil, traceErr(pid, "ptrace(PTRACE_SEIZE)", err)
	}
	if cpu >= 0 && o.PinTree {
		var set unix.CPUSet
		set.Set(cpu)
		linux.SetAffinity(pid, &set)
	}
	t.helper = h
	return newLoop(t, pid, cpu, o.PinTree), nil
}
