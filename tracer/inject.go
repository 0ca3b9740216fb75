package tracer

import (
	"time"

	"xtrace/decode"
	"xtrace/internal/linux"
	"xtrace/scap"
)

// Fault is what an [Injector] does to a syscall at its entry.
type Fault struct {
	// Skip: the call does not run; it returns Ret (a negative errno
	// or a value).
	Skip bool
	Ret  int64
	// Delay holds the thread at the call's entry that long first.
	Delay time.Duration
}

// Injector decides fault injection (package inject implements it). The
// loop shows it every event it writes, in order, on the tracer thread.
type Injector interface {
	// Observe sees an event that is not a syscall's enter event.
	Observe(cpu uint16, raw []byte)
	// Enter sees a syscall's enter event and says what to do with the
	// call.
	Enter(cpu uint16, raw []byte) Fault
}

// delayed is a thread held at a syscall entry by a delay fault.
type delayed struct {
	th  *thread
	req int
	at  time.Time
}

// enterCall writes the enter event of th's call, asks the injector about
// it and applies what it says: a skipped call gets syscall number -1 and
// its return value in rax at this entry stop. The kernel then does not run
// the call and returns rax (for a seccomp stop this is the documented
// SECCOMP_RET_TRACE contract; for a syscall-enter-stop, x86_64's
// do_syscall_64 leaves rax alone for nr -1). The syscall-exit-stop, when
// one follows, reports that value.
func (l *loop) enterCall(th *thread, ts uint64, c *decode.Call) Fault {
	raw, err := l.dec.Enter(ts, c)
	if l.inj == nil || err != nil {
		l.emit(raw, err)
		return Fault{}
	}
	f := l.inj.Enter(l.cpuid, raw)
	th.injected = f.Skip
	var flags uint32
	if f.Skip {
		flags = scap.FlagInjected
	}
	l.put(raw, nil, flags)
	if f.Skip {
		th.injected = l.skipCall(th.tid, f.Ret)
		c.Ret = f.Ret
	}
	return f
}

// skipCall sets tid's registers at its entry stop so that the kernel does
// not run the call and returns ret; it reports whether they were set.
func (l *loop) skipCall(tid int, ret int64) bool {
	if linux.PtraceGetRegs(tid, &l.regs) != nil {
		return false
	}
	l.regs.Orig_rax = ^uint64(0)
	l.regs.Rax = uint64(ret)
	return linux.PtraceSetRegs(tid, &l.regs) == nil
}

// resumeLater resumes th with req after d, holding it stopped meanwhile
// (the loop polls while threads are held, see waitDelayed).
func (l *loop) resumeLater(th *thread, req int, d time.Duration) {
	if d <= 0 {
		l.resume(th, req, 0)
		return
	}
	l.delayed = append(l.delayed, delayed{th: th, req: req, at: time.Now().Add(d)})
}

// waitDelayed is wait while threads are held by delay faults: it resumes
// those that are due and polls for stops in between.
func (l *loop) waitDelayed() (int, error) {
	for {
		now := time.Now()
		next := now.Add(time.Millisecond)
		kept := l.delayed[:0]
		for _, d := range l.delayed {
			if !d.at.After(now) {
				l.resume(d.th, d.req, 0)
				continue
			}
			if d.at.Before(next) {
				next = d.at
			}
			kept = append(kept, d)
		}
		l.delayed = kept
		pid, err := l.wait4(false)
		if pid != 0 || err != nil || len(l.delayed) == 0 {
			return pid, err
		}
		l.checkRequests()
		time.Sleep(time.Until(next))
	}
}
