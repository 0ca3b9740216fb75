package agent

import (
	"errors"

	"golang.org/x/sys/unix"

	"xtrace/agent/ring"
	"xtrace/decode"
	"xtrace/procfs"
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
// the descriptors, the vm counters and the socket names the agent read at
// the call.
type Memory struct {
	chunks []ring.Chunk
	facts  *ring.Facts
	task   procfs.TaskFiles
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

// SockNames returns the names of socket fd as the agent read them
// (getsockname's and getpeername's addresses), and whether the record has
// them with a getsockname that succeeded.
func (m *Memory) SockNames(fd int) (local, peer []byte, peerOK, ok bool) {
	if m.facts != nil {
		for _, f := range m.facts.Socks {
			if f.Fd == int64(fd) {
				return f.Name, f.Peer, f.PeerRet == 0, f.NameRet == 0
			}
		}
	}
	return nil, nil, false, false
}

// taskParts maps the parts of a task fact to the procfs parts they hold.
var taskParts = []struct {
	part uint32
	have procfs.TaskFields
}{
	{ring.TaskCmdline, procfs.TaskArgs},
	{ring.TaskEnviron, procfs.TaskEnv},
	{ring.TaskLoginUID, procfs.TaskLoginUID},
	{ring.TaskExe, procfs.TaskExeWritable},
	{ring.TaskCgroup, procfs.TaskCgroups},
}

// Task returns the thread's /proc entries as the agent read them at a
// clone or execve exit, and whether the record has them.
func (m *Memory) Task() (*procfs.TaskFiles, bool) {
	if m.facts == nil || !m.facts.HasTask {
		return nil, false
	}
	k := &m.facts.Task
	f := &m.task
	f.Have = 0
	for _, p := range taskParts {
		if k.Parts&p.part != 0 {
			f.Have |= p.have
		}
	}
	f.Files = k.Files
	f.FDLimit = -1
	if k.LimitRet == 0 {
		f.FDLimit = int64(k.FDLimit)
	}
	f.ExeStatOK, f.ExeReadOnly = k.ExeRet == 0, k.ExeReadOnly
	f.ExeStat = unix.Stat_t{Mode: k.ExeMode, Uid: k.ExeUID, Gid: k.ExeGID}
	return f, true
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

// Args returns the arguments of thread tid's innermost call in progress.
func (cs *Calls) Args(tid uint32) (args [6]uint64, ok bool) {
	st := cs.open[tid]
	if len(st) == 0 {
		return args, false
	}
	return st[len(st)-1].args, true
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

// Memory is what the decoder reads a recorded call's memory and facts
// from (decode.Call.Mem, decode.Call.Facts).
var (
	_ decode.MemSource = (*Memory)(nil)
	_ decode.Facts     = (*Memory)(nil)
)
