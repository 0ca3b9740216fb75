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
// thread's enter record.
type Calls struct {
	args map[uint32][6]uint64 // by tid: the arguments of the call in progress
}

// Call returns the decode.Call of r.
func (cs *Calls) Call(r *ring.Record) decode.Call {
	if cs.args == nil {
		cs.args = map[uint32][6]uint64{}
	}
	c := decode.Call{TID: int(r.Tid), PID: int(r.Pid), Nr: int(r.NR)}
	switch r.Kind {
	case ring.KindEnter:
		cs.args[r.Tid] = r.Args
		c.Args = r.Args
	case ring.KindExit:
		c.Args = cs.args[r.Tid]
		c.Ret = r.Ret
	}
	return c
}

// Forget drops what cs keeps of thread tid (it ended).
func (cs *Calls) Forget(tid uint32) { delete(cs.args, tid) }

// Memory is what the decoder reads a recorded call's memory from
// (decode.Call.Mem).
var _ decode.MemSource = (*Memory)(nil)
