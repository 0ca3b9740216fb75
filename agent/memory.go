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
//
// It is also the record's facts (decode.Facts): the device and inode of
// the descriptors and the vm counters the agent read after the call.
type Memory struct {
	chunks []ring.Chunk
	facts  *ring.Facts
}

// Set makes m the memory of a record with no facts; it holds cs until
// the next Set.
func (m *Memory) Set(cs []ring.Chunk) { m.chunks, m.facts = cs, nil }

// SetRecord makes m the memory and facts of rec; it holds them until the
// next Set or SetRecord.
func (m *Memory) SetRecord(rec *ring.Record) { m.chunks, m.facts = rec.Mem, &rec.Facts }

// fd returns the fact of descriptor fd.
func (m *Memory) fd(fd int) (ring.FdFact, bool) {
	if m.facts != nil {
		for _, f := range m.facts.Fds {
			if f.Fd == int64(fd) {
				return f, true
			}
		}
	}
	return ring.FdFact{}, false
}

// FdDev returns the device of fd as the agent read it (0 when fstat
// failed), and whether the record has that fact.
func (m *Memory) FdDev(fd int) (uint64, bool) {
	f, ok := m.fd(fd)
	return uint64(f.Dev), ok
}

// FdIno returns the inode of fd as the agent read it (0 when fstat
// failed), and whether the record has that fact.
func (m *Memory) FdIno(fd int) (uint64, bool) {
	f, ok := m.fd(fd)
	return f.Ino, ok
}

// VM returns the vm counters the agent read (KiB), and whether the
// record has them.
func (m *Memory) VM() (size, rss, swap uint64, ok bool) {
	if m.facts == nil || !m.facts.HasVM {
		return 0, 0, 0, false
	}
	v := m.facts.VM
	return v.Size, v.RSS, v.Swap, true
}

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

// Memory is what the decoder reads a recorded call's memory and facts
// from (decode.Call.Mem, decode.Call.Facts).
var (
	_ decode.MemSource = (*Memory)(nil)
	_ decode.Facts     = (*Memory)(nil)
)
