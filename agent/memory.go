package agent

import (
	"errors"

	"xtrace/agent/ring"
	"xtrace/decode"
)

// ErrNotCopied reports a read of tracee memory that the agent did not
// copy with the record: to the decoder it is what a fault is to
// process_vm_readv.
var ErrNotCopied = errors.New("agent: memory not copied with the record")

// Memory is a thread's memory as the agent copied it at one syscall: the
// chunks of its record. It answers a read as process_vm_readv answers it
// on the stopped thread under ptrace: the bytes from addr on, fewer when
// the copy ended there (at unreadable memory, the snaplen, a string's
// NUL), an error when addr was not copied at all.
type Memory struct {
	chunks []ring.Chunk
}

// Set makes m the memory of a record; it holds cs until the next Set.
func (m *Memory) Set(cs []ring.Chunk) { m.chunks = cs }

// Read copies the bytes at addr into dst and returns how many it copied.
func (m *Memory) Read(addr uint64, dst []byte) (int, error) {
	for _, c := range m.chunks {
		if addr >= c.Addr && addr-c.Addr < uint64(len(c.Data)) {
			return copy(dst, c.Data[addr-c.Addr:]), nil
		}
	}
	if len(dst) == 0 {
		return 0, nil
	}
	return 0, ErrNotCopied
}

// Calls turns records into the decoder's view of a syscall: an exit
// record carries only the result, so the arguments (which x86_64 keeps in
// their registers, and the decoder reads again at exit) come from the
// thread's enter record. A thread's calls nest when a signal handler runs
// inside one (its calls come between the interrupted call's enter and
// exit), so each thread has a stack of calls in progress.
type Calls struct {
	open map[uint32][]openCall // by tid: the calls entered and not yet exited
}

type openCall struct {
	nr   uint32
	args [6]uint64
}

// Call returns the decode.Call of r.
func (cs *Calls) Call(r *ring.Record) decode.Call {
	if cs.open == nil {
		cs.open = map[uint32][]openCall{}
	}
	c := decode.Call{TID: int(r.Tid), PID: int(r.Pid), Nr: int(r.NR)}
	switch r.Kind {
	case ring.KindEnter:
		cs.open[r.Tid] = append(cs.open[r.Tid], openCall{r.NR, r.Args})
		c.Args = r.Args
	case ring.KindExit:
		st := cs.open[r.Tid]
		// The exit of the innermost call; a thread's first exit (a
		// new thread's clone, an image's execve) has no enter of its own.
		if n := len(st); n > 0 && st[n-1].nr == r.NR {
			c.Args = st[n-1].args
			cs.open[r.Tid] = st[:n-1]
		}
		c.Ret = r.Ret
	}
	return c
}

// Inside reports whether thread tid is inside syscall nr (its innermost
// call in progress).
func (cs *Calls) Inside(tid, nr uint32) bool {
	st := cs.open[tid]
	return len(st) > 0 && st[len(st)-1].nr == nr
}

// Adopt makes the innermost call of thread from, if it is syscall nr, the
// only call in progress of thread to: the thread that made an execve in
// a process with other threads comes back from it as the leader.
func (cs *Calls) Adopt(from, to, nr uint32) bool {
	st := cs.open[from]
	n := len(st)
	if n == 0 || st[n-1].nr != nr {
		return false
	}
	cs.open[to] = []openCall{st[n-1]}
	delete(cs.open, from)
	return true
}

// Forget drops what cs keeps of thread tid (it ended).
func (cs *Calls) Forget(tid uint32) { delete(cs.open, tid) }

// Memory is what the decoder reads a recorded call's memory from
// (decode.Call.Mem).
var _ decode.MemSource = (*Memory)(nil)
