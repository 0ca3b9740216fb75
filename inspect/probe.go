package inspect

import (
	"xtrace/event"
	"xtrace/scap"
)

// readExit is PPME_SYSCALL_READ_X, the event type of thread-table probes.
var readExit = func() event.Type {
	for _, t := range event.TypesByName("read") {
		if d := event.Info(t); d != nil && d.Dir == event.Exit {
			return t
		}
	}
	return 0
}()

// ProbeFD runs match against the event sysdig's chisel get_thread_table
// builds to filter a thread's fds: a read exit without parameters at time
// ts, event number 0, on thread t, whose fd (and the thread's last fd) is
// fd. ev and sev are caller-owned scratch space. The thread's last fd is
// restored afterwards (sysdig leaves it changed on some paths; nothing in
// a replay observes the difference once a chisel has taken its
// snapshot).
func (in *Inspector) ProbeFD(ev *Event, sev *scap.Event, t *Thread, fd *FD, ts uint64, match func(*Event) bool) bool {
	*sev = scap.Event{TS: ts, TID: t.TID, Type: readExit}
	saved := t.lastFD
	t.lastFD = fd.Num
	*ev = Event{Event: sev, Info: sev.Desc(), Thread: t, FDNum: fd.Num, FD: fd, in: in, tinfo: t}
	ok := match(ev)
	t.lastFD = saved
	return ok
}
