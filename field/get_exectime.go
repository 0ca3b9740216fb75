package field

import (
	"xtrace/event"
	"xtrace/inspect"
)

// thread.exectime and thread.totexectime: CPU time between context
// switches, measured by the handle itself from the switch events it sees
// (sinsp keeps this state in each filter check).

// switch1E is the old context-switch event type.
const switch1E event.Type = 146

// exectime returns, for a context switch, the time since the previous
// switch on the same CPU that this handle saw (0 for the first); 0 for
// other events.
func (f *Field) exectime(e *inspect.Event) uint64 {
	if e.Type != event.Switch && e.Type != switch1E {
		return 0
	}
	cpu := int(e.CPU)
	for len(f.cpuSwitch) <= cpu {
		f.cpuSwitch = append(f.cpuSwitch, 0)
	}
	var d uint64
	if last := f.cpuSwitch[cpu]; last != 0 {
		d = e.TS - last
	}
	f.cpuSwitch[cpu] = e.TS
	return d
}

func getThreadExectime(f *Field, e *inspect.Event) bool { return f.setUint(f.exectime(e)) }

func getThreadTotexectime(f *Field, e *inspect.Event) bool {
	d := f.exectime(e)
	t, ok := thread(e)
	if !ok {
		return false
	}
	if f.threadTotals == nil {
		f.threadTotals = map[*inspect.Thread]uint64{}
	}
	f.threadTotals[t] += d
	return f.setUint(f.threadTotals[t])
}

// threadCPU is thread.cpu and friends: on procinfo events, the thread's
// CPU time (user and/or system, in the event's ticks) used since the
// previous procinfo event this handle saw for it, capped at 100; 0 the
// first time. Other events have no value.
func (f *Field) threadCPU(e *inspect.Event, user, system bool) bool {
	t, ok := thread(e)
	if !ok || e.Type != event.ProcInfo {
		return false
	}
	var total uint64
	if user {
		v, _ := e.ParamUint(0)
		total += v
	}
	if system {
		v, _ := e.ParamUint(1)
		total += v
	}
	if f.threadTotals == nil {
		f.threadTotals = map[*inspect.Thread]uint64{}
	}
	f.val.Float = 0
	if last := f.threadTotals[t]; last != 0 {
		f.val.Float = float64(total - last)
		if f.val.Float > 100 {
			f.val.Float = 100
		}
	}
	f.threadTotals[t] = total
	return true
}

func getThreadCpu(f *Field, e *inspect.Event) bool       { return f.threadCPU(e, true, true) }
func getThreadCpuUser(f *Field, e *inspect.Event) bool   { return f.threadCPU(e, true, false) }
func getThreadCpuSystem(f *Field, e *inspect.Event) bool { return f.threadCPU(e, false, true) }
