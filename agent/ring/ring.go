// Package ring is xtrace's side of the agent's shared memory: the region
// (a memfd every traced process maps), its per-thread rings, and the
// records the agent appends to them. The layout is agent/src/ring.h;
// layout.go mirrors its constants and TestLayout checks them against the
// header. This is the one package of the agent with unsafe and raw
// syscalls (futex, memfd, mmap).
//
// A ring has one producer (a thread of a traced process) and one
// consumer (Region.Drain). head and tail count bytes ever written and
// consumed. The producer never overwrites unconsumed bytes: when the ring
// is full it sets waiting and sleeps on the tail's futex until Drain
// moves the tail and wakes it, so no record is ever dropped.
package ring

import (
	"encoding/binary"
	"fmt"
	mathbits "math/bits"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"xtrace/procfs"
)

// Record is one record of a ring, decoded. Args holds the six syscall
// arguments of an enter record (and the fields of signal, child and image
// records, see the Kind constants); Ret the result of an exit record. Mem
// is the tracee memory the agent copied with it; its Data point into the
// ring and are valid only until the callback that got the Record returns.
//
// Facts are what the agent read in-process where xtrace would read it
// (after the call ran; before it, for an enter record), which decoding
// would otherwise read from the live process (the device and inode of a
// descriptor, the vm counters, a socket's names): with them, the record
// need not be synchronous.
//
// Sync is set on a synchronous record: its thread is held, inside the
// agent's handler, until the callback that got the Record has returned
// (Drain moves the ring's tail past it and wakes the thread right then).
// Decoding it may read the live process through /proc and its
// descriptors: for an exit record the call has run and the program has
// not seen its result yet.
type Record struct {
	Kind uint16
	Sync bool
	// Alien is set on the enter record of an execve of a program the
	// agent cannot enter (static, setuid, setcap): the agent found so
	// in the process, before the call. Static says it is because the
	// program is static (the agent then hands it over to ptrace when
	// xtrace asks for that).
	Alien, Static bool
	Tid           uint32
	Pid           uint32 // the thread group of Tid
	NR            uint32
	TSC           uint64
	TS            uint64 // TSC as wall-clock nanoseconds since the epoch
	Args          [6]uint64
	Ret           int64
	Mem           []Chunk
	Facts         Facts
}

// Facts are the facts of one record. Fds and Socks are reused by the
// next record.
type Facts struct {
	Fds   []FdFact
	VM    VMFact
	HasVM bool
	Socks []SockFact
	// Task is the thread's /proc entries at a clone or execve exit;
	// HasTask says whether the record has them.
	Task    TaskFact
	HasTask bool
}

// TaskFact is what the agent read of its own thread's /proc entries at a
// clone, fork, vfork, clone3, execve or execveat exit, where xtrace would
// read them (see procfs.TaskFiles). Files point into the ring, valid as
// long as Mem's chunks.
type TaskFact struct {
	// Parts is the optional parts read: TaskCmdline, TaskEnviron,
	// TaskLoginUID, TaskExe, TaskCgroup.
	Parts uint32
	// LimitRet is what prlimit(RLIMIT_NOFILE) returned (0 or -errno),
	// FDLimit its soft limit.
	LimitRet int32
	FDLimit  uint64
	// ExeRet is what stat of the executable returned (0 or -errno);
	// ExeMode, ExeUID and ExeGID are its st_mode, st_uid and st_gid,
	// ExeReadOnly whether its mount is read-only.
	ExeRet                  int32
	ExeReadOnly             bool
	ExeMode, ExeUID, ExeGID uint32
	// Files holds each file (by its procfs.TaskFile, the number the
	// record gives it) the agent read, nil for one it did not or could
	// not read.
	Files [procfs.NumTaskFiles][]byte
}

// The files of a TaskFact (XA_FILE_* in ring.h): numbered as procfs
// numbers a task's entries, so that they index TaskFiles.Files too
// (TestLayout checks them against ring.h).
const (
	FileStatus   = procfs.FileStatus
	FileStat     = procfs.FileStat
	FileComm     = procfs.FileComm
	FileCmdline  = procfs.FileCmdline
	FileEnviron  = procfs.FileEnviron
	FileLoginUID = procfs.FileLoginUID
	FileCgroup   = procfs.FileCgroup
)

// The optional parts of a TaskFact (XA_PROC_* in ring.h).
const (
	TaskCmdline  = 1
	TaskEnviron  = 2
	TaskLoginUID = 4
	TaskExe      = 8
	TaskCgroup   = 16
)

// SockFact is a socket descriptor's names as the agent read them for its
// socket tuple: what getsockname and getpeername returned (0 or -errno)
// and the addresses they wrote. Name and Peer point into the ring, valid
// as long as Mem's chunks. A record whose socket is not AF_INET or
// AF_INET6 (or whose getsockname failed) is synchronous all the same.
type SockFact struct {
	Fd               int64
	NameRet, PeerRet int32
	Name, Peer       []byte
}

// FdFact is a descriptor the call returned or made, fstat'ed by the agent
// after the call. OK is false when fstat failed (Dev and Ino are 0).
type FdFact struct {
	Fd  int64
	OK  bool
	Dev uint32 // st_dev as the kernel encodes it (new_encode_dev)
	Ino uint64
}

// VMFact holds the process's vm_size, vm_rss and vm_swap in KiB after
// the call (/proc/self/statm, and VmSwap of /proc/self/status when the
// machine has swap, see [Region.SetSwap]; 0 otherwise).
type VMFact struct {
	Size, RSS, Swap uint64
}

// Chunk is tracee memory copied at a syscall: the bytes at Addr, and
// whether the copy stopped short at unreadable memory.
type Chunk struct {
	Addr  uint64
	Data  []byte
	Fault bool
}

// Region is the shared memory of one recording.
type Region struct {
	f   *os.File
	mem []byte
	// reaped is when Drain last looked for rings of ended threads.
	reaped time.Time
	stats  Stats
	clock  Clock
	heads  [NRings]uint64
	// active lists the rings in use at the start of the current Drain.
	active []int
	// lastTS is the time of each ring's last record: a thread's times
	// never go back, though its stamps may, by the skew between CPUs'
	// counters when it moves, or a stamp past the newest pair.
	lastTS [NRings]uint64
	// strayed is when Drain last looked for strays; resident holds
	// mincore's answer for the region then.
	strayed  time.Time
	resident []byte
}

// reapEvery is how often Drain looks for rings whose thread ended
// without closing them.
const reapEvery = 50 * time.Millisecond

// strayEvery is how often Drain looks for waiting producers outside the
// rings in use (strays).
const strayEvery = time.Second

// Stats counts what Drain did.
type Stats struct {
	Records uint64 // records read, pads excluded
	Wakes   uint64 // producers woken after waiting for room
	Freed   uint64 // rings of exited threads given back
	Corrupt uint64 // times a ring held bytes that are no record (skipped)
	// Strays counts rings found with a waiting producer outside the
	// rings in use (an agent bug: the thread would wait for ever); Drain
	// reads them again.
	Strays uint64
}

// Create makes a region: a memfd of RegionBytes (sparse until written),
// mapped shared, with its header written. snaplen caps the I/O buffers
// the agent copies (80 when not positive, at most MaxSnaplen).
func Create(snaplen int) (*Region, error) {
	if snaplen <= 0 {
		snaplen = 80
	}
	snaplen = min(snaplen, MaxSnaplen)
	fd, err := unix.MemfdCreate("xtrace-agent-region", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("ring: memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "xtrace-agent-region")
	if err := unix.Ftruncate(fd, RegionBytes); err != nil {
		f.Close()
		return nil, fmt.Errorf("ring: ftruncate region to %d bytes: %w", RegionBytes, err)
	}
	mem, err := unix.Mmap(fd, 0, RegionBytes, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("ring: mmap region: %w", err)
	}
	binary.LittleEndian.PutUint32(mem[hdrNRings:], NRings)
	binary.LittleEndian.PutUint32(mem[hdrRingBytes:], RingBytes)
	binary.LittleEndian.PutUint32(mem[hdrSnaplen:], uint32(snaplen))
	binary.LittleEndian.PutUint32(mem[hdrXtracePid:], uint32(os.Getpid()))
	atomic.StoreUint64(u64p(mem, hdrMagic), Magic)
	reg := &Region{f: f, mem: mem}
	reg.clock.Mark()
	return reg, nil
}

// SetSwap tells the agents whether the machine has swap, so that their
// vm facts read VmSwap (a second /proc file) only when it can be non-zero,
// as the decoder does. Call it before the command starts.
func (r *Region) SetSwap(on bool) { r.setFlag(hdrSwap, on) }

// SetHandover tells the agents to hand a static program over to
// xtrace's ptrace backend at its execve (--backend=auto) instead of
// letting it run unrecorded, and with privileged a setuid, setgid or
// setcap one too (xtrace can trace it without the kernel dropping its
// privileges).
func (r *Region) SetHandover(static, privileged bool) {
	r.setFlag(hdrHandover, static)
	r.setFlag(hdrHandoverPriv, privileged)
}

func (r *Region) setFlag(flag uint32, on bool) {
	p := u32p(r.mem, hdrFlags)
	for {
		old := atomic.LoadUint32(p)
		f := old &^ flag
		if on {
			f |= flag
		}
		if atomic.CompareAndSwapUint32(p, old, f) {
			return
		}
	}
}

// Path is where a traced process opens the region: the memfd through
// /proc/<xtrace>/fd, so that no descriptor has to be inherited.
func (r *Region) Path() string {
	return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), r.f.Fd())
}

// Close tells the agents that nobody reads the rings any more (they
// stop recording and waiting: a daemon the command left behind runs on
// unrecorded), wakes those waiting for room, unmaps the region and
// closes its memfd.
func (r *Region) Close() error {
	r.Stop()
	err := unix.Munmap(r.mem)
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("ring: close region: %w", err)
	}
	return nil
}

// Stop tells the agents that nobody reads the rings any more: they stop
// recording and waiting (the program runs on unrecorded), and those
// waiting now are woken. The region stays mapped until Close.
func (r *Region) Stop() {
	atomic.StoreUint32(u32p(r.mem, hdrClosed), 1)
	// Only rings in use can have a waiter (a producer sets its ring's
	// active bit before it writes): looking at the others would fault
	// in a page of the region for each.
	for _, i := range r.actives(nil) {
		if atomic.LoadUint32(u32p(r.mem, ringOff(i)+ringWaiting)) != 0 {
			futexWake(u32p(r.mem, ringOff(i)+ringTail))
		}
	}
}

// Stats returns the counts so far.
func (r *Region) Stats() Stats { return r.stats }

func u64p(mem []byte, off int) *uint64 { return (*uint64)(unsafe.Pointer(&mem[off])) }
func u32p(mem []byte, off int) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }

// ringOff is the offset of ring i's control page.
func ringOff(i int) int { return Page + i*RingStride }

// Drain reads every record committed so far, in order per ring, calling
// fn for each (the Record is reused after fn returns), moves the tails
// and wakes producers waiting for room, and the thread of a synchronous
// record as soon as fn has returned for it. It frees the rings of threads
// that closed them or ended, once they are empty. It returns the records
// read.
func (r *Region) Drain(fn func(*Record)) int {
	n := 0
	reap := false
	if now := time.Now(); now.Sub(r.reaped) >= reapEvery {
		reap, r.reaped = true, now
	}
	if now := time.Now(); now.Sub(r.strayed) >= strayEvery {
		r.strayed = now
		r.strays()
	}
	// The heads first, then the clock's pair: every record read below
	// was stamped before the pair.
	r.active = r.actives(r.active[:0])
	for _, i := range r.active {
		r.heads[i] = atomic.LoadUint64(u64p(r.mem, ringOff(i)+ringHead))
	}
	r.clock.Mark()
	var rec Record
	for _, i := range r.active {
		c := ringOff(i)
		state := atomic.LoadUint32(u32p(r.mem, c+ringState))
		if state == StateFree {
			continue
		}
		head := r.heads[i]
		tail := atomic.LoadUint64(u64p(r.mem, c+ringTail))
		rec.Pid = atomic.LoadUint32(u32p(r.mem, c+ringPid))
		data := r.mem[c+Page : c+Page+RingBytes]
		for tail < head {
			pos := int(tail & (RingBytes - 1))
			size := int(binary.LittleEndian.Uint32(data[pos:]))
			kind := binary.LittleEndian.Uint16(data[pos+recKind:])
			fixed := recordFixed(kind)
			if fixed < 0 || size < fixed || size%8 != 0 || pos+size > RingBytes || uint64(size) > head-tail {
				// A producer writes whole records before it publishes
				// head, so this is memory the program itself scribbled
				// on: skip what it published rather than misparse it
				// (or leave its thread waiting for room for ever).
				r.stats.Corrupt++
				tail = head
				break
			}
			if kind != KindPad {
				rec.Kind = kind
				flags := binary.LittleEndian.Uint16(data[pos+recFlags:])
				rec.Sync = flags&recSync != 0
				rec.Alien = flags&recAlien != 0
				rec.Static = flags&recStatic != 0
				rec.Tid = binary.LittleEndian.Uint32(data[pos+recTid:])
				rec.NR = binary.LittleEndian.Uint32(data[pos+recNR:])
				rec.TSC = binary.LittleEndian.Uint64(data[pos+recTSC:])
				rec.TS = max(r.clock.Nanos(rec.TSC), r.lastTS[i])
				r.lastTS[i] = rec.TS
				rec.Args, rec.Ret = [6]uint64{}, 0
				switch kind {
				case KindEnter:
					for a := range rec.Args {
						rec.Args[a] = binary.LittleEndian.Uint64(data[pos+recArgs+8*a:])
					}
				case KindExit:
					rec.Ret = int64(binary.LittleEndian.Uint64(data[pos+recRet:]))
				case KindSignal:
					rec.Args[0] = uint64(int64(int32(binary.LittleEndian.Uint32(data[pos+sigCode:]))))
					rec.Args[1] = uint64(binary.LittleEndian.Uint32(data[pos+sigPid:]))
					rec.Args[2] = uint64(binary.LittleEndian.Uint32(data[pos+sigUID:]))
				case KindChild:
					rec.Args[0] = binary.LittleEndian.Uint64(data[pos+childFlags:])
					rec.Args[1] = uint64(binary.LittleEndian.Uint32(data[pos+childPtid:]))
					rec.Args[2] = uint64(binary.LittleEndian.Uint32(data[pos+childPpid:]))
				case KindImage:
					rec.Args[0] = uint64(binary.LittleEndian.Uint32(data[pos+imagePpid:]))
				}
				rec.chunks(data[pos+fixed : pos+size])
				fn(&rec)
				n++
				if rec.Sync {
					// Its thread waits for this: let it go now.
					r.release(c, tail+uint64(size))
				}
			}
			tail += uint64(size)
		}
		r.release(c, tail)
		if tail == atomic.LoadUint64(u64p(r.mem, c+ringHead)) && (state == StateClosed || reap && r.gone(c)) {
			// Give the ring's pages back to the system: a tree with
			// many short-lived threads touches many rings.
			unix.Madvise(r.mem[c+Page:c+Page+RingBytes], unix.MADV_REMOVE)
			r.lastTS[i] = 0
			atomic.StoreUint32(u32p(r.mem, c+ringTid), 0)
			// Out of the active set before it is free: the next
			// claimer sets its bit after taking the ring.
			atomic.AndUint64(u64p(r.mem, hdrActive+8*(i/64)), ^(1 << (i % 64)))
			atomic.StoreUint32(u32p(r.mem, c+ringState), StateFree)
			r.stats.Freed++
		}
	}
	r.stats.Records += uint64(n)
	return n
}

// strays puts back into the rings in use any ring whose producer waits
// (for room, or for a synchronous record) although its active bit is
// clear: nothing would ever read it, and its thread would wait for ever.
// An agent bug if it happens; counted in Stats.Strays.
func (r *Region) strays() {
	// Only rings ever claimed can have a producer: those whose control
	// page is resident (looking at the others would fault them in).
	if r.resident == nil {
		r.resident = make([]byte, len(r.mem)/Page)
	}
	if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&r.mem[0])), uintptr(len(r.mem)), uintptr(unsafe.Pointer(&r.resident[0]))); e != 0 {
		return
	}
	for w := 0; w < NRings/64; w++ {
		bits := atomic.LoadUint64(u64p(r.mem, hdrActive+8*w))
		for b := 0; b < 64; b++ {
			i := 64*w + b
			if bits&(1<<b) != 0 || r.resident[ringOff(i)/Page]&1 == 0 {
				continue
			}
			c := ringOff(i)
			if atomic.LoadUint32(u32p(r.mem, c+ringWaiting)) != 0 && atomic.LoadUint32(u32p(r.mem, c+ringState)) == StateOwned {
				atomic.OrUint64(u64p(r.mem, hdrActive+8*w), 1<<b)
				r.stats.Strays++
			}
		}
	}
}

// release moves the tail of the ring at c to tail and wakes its producer
// if it waits (for room, or for a synchronous record to be consumed).
func (r *Region) release(c int, tail uint64) {
	if atomic.SwapUint64(u64p(r.mem, c+ringTail), tail) == tail {
		return // nothing consumed since: nobody to wake
	}
	// The producer clears waiting itself once it stops waiting: clearing
	// it here could erase the flag of its next wait, set between this
	// load and the store, and leave it asleep.
	if atomic.LoadUint32(u32p(r.mem, c+ringWaiting)) != 0 {
		futexWake(u32p(r.mem, c+ringTail))
		r.stats.Wakes++
	}
}

// actives appends the rings in use to a.
func (r *Region) actives(a []int) []int {
	for w := 0; w < NRings/64; w++ {
		bits := atomic.LoadUint64(u64p(r.mem, hdrActive+8*w))
		for ; bits != 0; bits &= bits - 1 {
			a = append(a, 64*w+mathbits.TrailingZeros64(bits))
		}
	}
	return a
}

// pending reports whether a ring's head moved since the last Drain read
// it (a ring Drain stopped reading as corrupt does not count).
func (r *Region) pending() bool {
	for w := 0; w < NRings/64; w++ {
		bits := atomic.LoadUint64(u64p(r.mem, hdrActive+8*w))
		for ; bits != 0; bits &= bits - 1 {
			i := 64*w + mathbits.TrailingZeros64(bits)
			if atomic.LoadUint64(u64p(r.mem, ringOff(i)+ringHead)) != r.heads[i] {
				return true
			}
		}
	}
	return false
}

// Waiting returns how many producers wait for room now.
func (r *Region) Waiting() int {
	n := 0
	for _, i := range r.actives(nil) {
		if atomic.LoadUint32(u32p(r.mem, ringOff(i)+ringWaiting)) != 0 {
			n++
		}
	}
	return n
}

// chunks sets rec.Mem and rec.Facts from b, a record's bytes after its
// fixed part: memory chunks and fact chunks.
func (rec *Record) chunks(b []byte) {
	rec.Mem = rec.Mem[:0]
	rec.Facts = Facts{Fds: rec.Facts.Fds[:0], Socks: rec.Facts.Socks[:0]}
	for len(b) >= chunkBytes {
		flags := binary.LittleEndian.Uint32(b[chunkFlags:])
		n := int(binary.LittleEndian.Uint32(b[chunkLen:]))
		if flags&chunkEnd != 0 || chunkBytes+n > len(b) {
			break
		}
		addr := binary.LittleEndian.Uint64(b[chunkAddr:])
		data := b[chunkBytes : chunkBytes+n : chunkBytes+n]
		if flags&chunkFact != 0 {
			rec.Facts.add(addr, data)
		} else {
			rec.Mem = append(rec.Mem, Chunk{Addr: addr, Data: data, Fault: flags&ChunkFault != 0})
		}
		b = b[min(len(b), chunkBytes+(n+7)&^7):]
	}
}

// add adds the fact of kind in b; a fact of an unknown kind or size is
// left out (the decoder then reads the live process, as without facts).
func (f *Facts) add(kind uint64, b []byte) {
	switch {
	case kind == factFd && len(b) == factFdBytes:
		f.Fds = append(f.Fds, FdFact{
			Fd:  int64(binary.LittleEndian.Uint64(b[factFdFd:])),
			OK:  binary.LittleEndian.Uint32(b[factFdOK:]) != 0,
			Dev: binary.LittleEndian.Uint32(b[factFdDev:]),
			Ino: binary.LittleEndian.Uint64(b[factFdIno:]),
		})
	case kind == factVM && len(b) == factVMBytes:
		f.VM = VMFact{
			Size: binary.LittleEndian.Uint64(b[factVMSize:]),
			RSS:  binary.LittleEndian.Uint64(b[factVMRSS:]),
			Swap: binary.LittleEndian.Uint64(b[factVMSwap:]),
		}
		f.HasVM = true
	case kind == factTask && len(b) == factTaskBytes:
		f.Task = TaskFact{
			Parts:       binary.LittleEndian.Uint32(b[factTaskHave:]),
			LimitRet:    int32(binary.LittleEndian.Uint32(b[factTaskLimitRet:])),
			FDLimit:     binary.LittleEndian.Uint64(b[factTaskFDLimit:]),
			ExeRet:      int32(binary.LittleEndian.Uint32(b[factTaskExeRet:])),
			ExeReadOnly: binary.LittleEndian.Uint32(b[factTaskExeRdonly:]) != 0,
			ExeMode:     binary.LittleEndian.Uint32(b[factTaskExeMode:]),
			ExeUID:      binary.LittleEndian.Uint32(b[factTaskExeUID:]),
			ExeGID:      binary.LittleEndian.Uint32(b[factTaskExeGID:]),
		}
		f.HasTask = true
	case kind == factFile && len(b) >= factFileBytes && f.HasTask:
		// A file belongs to the task fact before it.
		file := binary.LittleEndian.Uint32(b[factFileFile:])
		if file >= uint32(FileStatus) && file <= uint32(FileCgroup) && binary.LittleEndian.Uint32(b[factFileRet:]) == 0 {
			f.Task.Files[file] = b[factFileBytes:len(b):len(b)]
		}
	case kind == factSock && len(b) == factSockBytes:
		nl := min(int(binary.LittleEndian.Uint32(b[factSockNameLen:])), factSockAddrSize)
		pl := min(int(binary.LittleEndian.Uint32(b[factSockPeerLen:])), factSockAddrSize)
		f.Socks = append(f.Socks, SockFact{
			Fd:      int64(binary.LittleEndian.Uint64(b[factSockFd:])),
			NameRet: int32(binary.LittleEndian.Uint32(b[factSockNameRet:])),
			PeerRet: int32(binary.LittleEndian.Uint32(b[factSockPeerRet:])),
			Name:    b[factSockName : factSockName+nl : factSockName+nl],
			Peer:    b[factSockPeer : factSockPeer+pl : factSockPeer+pl],
		})
	}
}

// recordFixed is the size of the fixed part of a record of kind, -1 for
// a kind the agent does not write.
func recordFixed(kind uint16) int {
	switch kind {
	case KindPad:
		return 8
	case KindEnter:
		return EnterBytes
	case KindExit:
		return ExitBytes
	case KindSignal:
		return SignalBytes
	case KindChild:
		return ChildBytes
	case KindImage:
		return ImageBytes
	}
	return -1
}

// gone reports whether the thread that owns the ring at c has ended
// without closing it (killed, or ended by another thread's exit_group).
// A thread that ended writes nothing more, so its drained ring is free.
// A thread with an execve in flight may come back as the process's
// leader, under another tid, and take the ring over in the new image:
// its ring is free once the process is gone.
func (r *Region) gone(c int) bool {
	tid := int(atomic.LoadUint32(u32p(r.mem, c+ringTid)))
	pid := int(atomic.LoadUint32(u32p(r.mem, c+ringPid)))
	if tid == 0 || pid == 0 {
		return false // being claimed
	}
	if atomic.LoadUint32(u32p(r.mem, c+ringExecNR)) != 0 {
		return unix.Kill(pid, 0) == unix.ESRCH
	}
	return unix.Tgkill(pid, tid, 0) == unix.ESRCH
}

// Sleep waits until a producer rings the doorbell (a ring a quarter
// full, a thread exiting, a producer waiting for room or holding its
// thread after a synchronous record) or timeout passes. It returns at
// once when a ring holds records committed since the last Drain.
func (r *Region) Sleep(timeout time.Duration) {
	bell := u32p(r.mem, hdrDoorbell)
	// sleeping first, then the rings: a producer that commits after the
	// look below sees sleeping set and rings; one that committed before
	// it is seen here.
	atomic.StoreUint32(u32p(r.mem, hdrSleeping), 1)
	seen := atomic.LoadUint32(bell)
	if r.pending() {
		atomic.StoreUint32(u32p(r.mem, hdrSleeping), 0)
		return
	}
	ts := unix.NsecToTimespec(int64(timeout))
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(bell)), futexWait, uintptr(seen), uintptr(unsafe.Pointer(&ts)), 0, 0)
	atomic.StoreUint32(u32p(r.mem, hdrSleeping), 0)
}

// Wake ends a Sleep under way (or makes the next one return at once), as
// a producer's commit does: for news from elsewhere (a process ended).
func (r *Region) Wake() {
	bell := u32p(r.mem, hdrDoorbell)
	atomic.AddUint32(bell, 1)
	futexWake(bell)
}

func futexWake(addr *uint32) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWakeOp, 1<<30, 0, 0, 0)
}
