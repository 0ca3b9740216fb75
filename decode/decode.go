package decode

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"xtrace/event"
	"xtrace/scap"
)

// numSyscalls bounds the native syscall numbers that get events (the
// driver's SYSCALL_TABLE_SIZE).
const numSyscalls = 512

// Flow says how the tracer follows a syscall beyond recording its events.
type Flow uint8

const (
	// FlowNormal syscalls return: an enter and an exit event.
	FlowNormal Flow = iota
	// FlowNoreturn syscalls (exit) end the thread: only the enter event
	// is written, then procexit.
	FlowNoreturn
	// FlowNoreturnGroup syscalls (exit_group) end the thread as
	// FlowNoreturn does, and the kernel kills the other threads of its
	// process.
	FlowNoreturnGroup
	// FlowClone syscalls create a thread or process: exit events in the
	// parent (res = child tid) and in the child (res = 0).
	FlowClone
	// FlowExec syscalls replace the process image; the exit event
	// describes the new image.
	FlowExec
	// FlowSigreturn syscalls (rt_sigreturn) return from a signal handler
	// into the context the signal interrupted; their result is that
	// context's.
	FlowSigreturn
)

// Noreturn reports whether a syscall of flow f ends its thread.
func (f Flow) Noreturn() bool { return f == FlowNoreturn || f == FlowNoreturnGroup }

// FlowOf returns how syscall nr is followed.
func FlowOf(nr int) Flow {
	if nr < 0 || nr >= numSyscalls {
		return FlowNormal
	}
	return syscallFlow[nr]
}

// ErrDropped reports an event the kernel driver would not have written:
// its filler faulted on user memory (an unreadable path or buffer) or wrote
// fewer parameters than the table lists. The tracer skips the event.
var ErrDropped = errors.New("decode: event dropped (unreadable tracee memory)")

// Call is one syscall of one thread, as seen at its stops.
type Call struct {
	TID, PID int       // thread id and thread-group id of the emitting thread
	Nr       int       // native syscall number
	Args     [6]uint64 // registers at entry (the driver reads them again at exit; x86_64 preserves them)
	Ret      int64     // return value, for exit events
	// Parent is the thread that created this one (its real parent as the
	// driver reports it in ptid), 0 when unknown: decode then falls back
	// to /proc's ppid.
	Parent, ParentPID int
	// Mem, when set, is where the call's memory is read from instead of
	// the process (process_vm_readv): the in-process agent's copies.
	Mem MemSource
	// Facts, when set, is consulted before /proc for the device and
	// inode of a descriptor, the vm counters and an AF_INET or AF_INET6
	// socket's names: what the in-process agent read at the call.
	Facts Facts
	// CloneFlags are the native clone flags of a clone-family call (see
	// [Decoder.CloneFlags]); the tracer reads them at entry and passes
	// them to both exit events, because clone3 keeps them in memory that
	// may be gone by the time the child runs.
	CloneFlags uint64

	// path keeps the path the enter event read, for the exit of the same
	// call (the kernel has read the same bytes in between).
	path     []byte
	pathAddr uint64
	pathOK   bool
}

// Fork returns a copy of c for a new thread: the same syscall and
// arguments, none of c's per-call buffers (which a copy must not share).
func (c *Call) Fork() Call {
	n := *c
	n.path, n.pathAddr, n.pathOK = nil, 0, false
	return n
}

// operand names where a fetch takes a value from.
type operand uint8

const (
	opA0 operand = iota
	opA1
	opA2
	opA3
	opA4
	opA5
	opRet
	opNone
)

// kind is one way of fetching a parameter value; see x86_64_fetch.tsv.
type kind uint8

// The fetch kinds. Each one is a case of [Decoder.fetch].
const (
	kSc            kind = iota // PPM_SC code of the syscall
	kNr                        // native syscall number
	kRet                       // return value
	kRet16                     // return value cut to int16 (getresuid/getresgid)
	kArg                       // raw register
	kInt32                     // register as a sign-extended int
	kConst                     // the immediate
	kDirfd                     // register, int AT_FDCWD mapped to -100
	kPath                      // NUL-terminated string; NULL -> "(NULL)"; fault drops
	kPath256                   // same, at most 255 bytes; fault -> "(NULL)"
	kPathna                    // same as path; fault -> "<NA>"
	kBuf                       // bytes at op0, length op1, cut to the snaplen
	kBufret                    // bytes at op0, length = res when res > 0
	kDeref32                   // u32 at op0; fault drops
	kDeref32z                  // int at op0; NULL or fault -> 0
	kOutfield                  // field at op0+imm of a successful call's output struct
	kIovsize                   // total iov_len of an iovec array
	kIovdata                   // gathered iovec data (write side)
	kIovsizeret                // total iov_len, at most res
	kIovdataret                // gathered iovec data, at most res
	kMsgsize                   // iovec size of a msghdr (write side)
	kMsgdata                   // gathered data of a msghdr (write side)
	kMsgsizeret                // iovec size of a msghdr, at most res
	kMsgdataret                // gathered data of a msghdr, at most res
	kTimespec                  // struct timespec -> ns
	kPpolltimeout              // timespec, NULL -> all ones
	kSigmask                   // first word of a sigset, NULL -> 0
	kPollin                    // pollfd array, requested events
	kPollout                   // pollfd array, entries with revents
	kRlimit                    // struct rlimit field imm when res >= 0, else -1
	kSetrlimit                 // struct rlimit field imm
	kPrlimitnew                // new rlimit field when res >= 0 (fault -> -1)
	kPrlimitold                // old rlimit field (fault -> -1)
	kOffptr                    // *(off_t *)op0, NULL or fault -> 0
	kPipefd                    // int imm of the fd pair at op0
	kHowflags                  // open_how.flags -> PPM
	kHowmode                   // open_how.mode -> PPM
	kHowresolve                // open_how.resolve -> PPM
	kSembuf                    // field imm of the first two sembufs
	kSemctlval                 // semun value for SETVAL, else 0
	kQuotacmd                  // quotactl command -> PPM
	kQuotatype                 // quotactl type -> PPM
	kQuotaid                   // id for the quota commands that take one
	kQuotafmt                  // quota format for Q_QUOTAON
	kQuotapath                 // quota file path for Q_QUOTAON, else ""
	kDqblk                     // if_dqblk field imm
	kDqinfo                    // if_dqinfo field imm
	kQuotafmtout               // format returned by Q_GETFMT
	kOptlevel                  // socket option level -> PPM
	kOptname                   // socket option name -> PPM
	kOptval                    // option value (DYN), length op3
	kOptvalget                 // option value (DYN), length *op3
	kPtracereq                 // ptrace request -> PPM
	kPtraceaddr                // ptrace addr (DYN)
	kPtracedata                // ptrace data (DYN)
	kBpfres                    // bpf result (DYN)
	kOpenflags                 // open flags -> PPM
	kOpenmode                  // open mode, 0 unless O_CREAT/O_TMPFILE
	kCreatmode                 // open mode with O_CREAT
	kCloneflags                // clone flags -> PPM
	kFutexop                   // futex op -> PPM
	kWhence                    // lseek whence -> PPM
	kRlimitres                 // rlimit resource -> PPM
	kFcntlcmd                  // fcntl command -> PPM
	kProtflags                 // mmap prot -> PPM
	kMmapflags                 // mmap flags -> PPM
	kMountflags                // mount flags without the magic
	kSemgetflags               // semget flags -> PPM
	kSemctlcmd                 // semctl command -> PPM
	kAccessmode                // access mode -> PPM
	kUnlinkatflags             // unlinkat flags -> PPM
	kLinkatflags               // linkat flags -> PPM
	kChmodmode                 // chmod mode -> PPM
	kExecveatflags             // execveat flags -> PPM
	kFlockop                   // flock operation -> PPM
	kSockaddr                  // struct sockaddr at op0, length op1
	kFdsockaddr                // sockaddr when the fd op0 is >= 0
	kTupleout                  // socket tuple local -> given address
	kTuplein                   // socket tuple given address -> local
	kTupleaccept               // socket tuple peer -> local of a new fd
	kMsgtupleout               // sendmsg tuple from msg_name
	kMsgtuplein                // recvmsg tuple from msg_name
	kPairfd                    // fd imm of a socketpair
	kPairid                    // endpoint id imm of a socketpair
	kBacklog                   // listening socket backlog: pct, len, max
	kFddev                     // device of an fd
	kPipeino                   // inode of a pipe
	kVm                        // vm_size, vm_rss, vm_swap of the process
	kProc                      // process field read from /proc (clone, execve)
	kCloneflagsx               // clone flags of a clone-family exit
	kExit                      // procexit field
	kSignal                    // signaldeliver field
)

// Field operands (the immediates of vm, proc, backlog, exit, signal and
// cloneflagsx).
const (
	fSize = iota
	fRss
	fSwap
	fExe
	fArgs
	fTid
	fPid
	fPtid
	fCwd
	fFdlimit
	fPgftmaj
	fPgftmin
	fVmsize
	fVmrss
	fVmswap
	fComm
	fCgroups
	fEuid
	fEgid
	fVtid
	fVpid
	fEnv
	fTty
	fPgid
	fLoginuid
	fExeflags
	fPct
	fLen
	fMax
	fStatus
	fCode
	fSig
	fCore
	fSpid
	fDpid
	fNone
	fClone
)

// fetch is one row entry: how one parameter is obtained.
type fetch struct {
	kind kind
	op   [4]operand
	imm  int32
}

// Options configure a Decoder.
type Options struct {
	// Snaplen caps I/O buffers (sysdig's -s, default 80).
	Snaplen int
	// ProcRoot is where proc is mounted ("/proc" when empty).
	ProcRoot string
	// HiddenVMKiB is taken off every vm_size written (clamped at 0):
	// what a recorder inside the process maps for itself (the agent's
	// region and library), which the program did not map.
	HiddenVMKiB uint64
	// StripEnv, when set, rewrites the environment of execve exits:
	// it appends to dst the environment block env (NUL-terminated
	// strings) without what a recorder added to it, so that the event
	// shows the environment the program was given.
	StripEnv func(dst, env []byte) []byte
}

// maxEventLen is the largest event a normal EV block holds.
const maxEventLen = 65530

// Decoder builds events. It keeps scratch buffers and per-process handles
// (pidfds, /proc fds) between calls and allocates nothing for read, write
// and other plain syscalls once warmed up. It is not safe for concurrent
// use.
type Decoder struct {
	opts Options
	enc  scap.Encoder
	mem  mem
	proc procReader
	sock sockets

	// Per-event state, reset by begin.
	c      *Call
	exit   bool
	exitSt exitInfo
	sigSt  sigInfo
	iov    iovState
	msg    msgState
	how    howState
	quota  quotaState
	blog   backlogState
	pinfo  procInfo
	vmSt   vmState
	fdpair [2]int32
	fdpOK  int8 // 0 unread, 1 read, -1 fault

	scratch []byte // strings and buffers, reused
	env     []byte // an execve's environment without a recorder's part
}

// New returns a Decoder.
func New(o Options) *Decoder {
	if o.Snaplen <= 0 {
		o.Snaplen = 80
	}
	if o.Snaplen > 65000 {
		o.Snaplen = 65000
	}
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	d := &Decoder{opts: o, scratch: make([]byte, 0, 1<<16)}
	d.proc.init(o.ProcRoot)
	d.sock.init(&d.proc)
	return d
}

// Close releases the per-process handles.
func (d *Decoder) Close() {
	d.proc.closeAll()
	d.sock.close()
}

// ProcessGone forgets the handles kept for process pid (call it when the
// process has exited).
func (d *Decoder) ProcessGone(pid int) { d.proc.forget(pid) }

// ProcessExec tells the decoder that process pid replaced its image.
func (d *Decoder) ProcessExec(pid int) { d.proc.exec(pid) }

type exitInfo struct {
	status int64
}

type sigInfo struct {
	spid, dpid int64
	sig        uint8
}

// syscallEvents returns the event pair and PPM_SC code of syscall nr: its
// own events, or xtrace's extended pair for a syscall that sysdig records
// as generic (written on disk as generic events, see encode).
func syscallEvents(nr int) (enter, exit event.Type, sc uint16) {
	if s := event.SyscallByNr(nr); s != nil {
		enter, exit = s.Events()
		return enter, exit, s.SC
	}
	return event.GenericE, event.GenericX, 0
}

// Enter encodes the enter event of c at time ts. The returned bytes (v2
// layout, ready for scap.Writer.WriteRaw) are valid until the next call.
func (d *Decoder) Enter(ts uint64, c *Call) ([]byte, error) {
	t, _, _ := syscallEvents(c.Nr)
	return d.encode(ts, t, c, false)
}

// Exit encodes the exit event of c (c.Ret set). For the clone family it
// describes the thread c.TID: call it for the parent with the child's tid
// in c.Ret and for the child with c.Ret = 0.
func (d *Decoder) Exit(ts uint64, c *Call) ([]byte, error) {
	_, t, _ := syscallEvents(c.Nr)
	return d.encode(ts, t, c, true)
}

// ProcExit encodes a procexit event for thread tid of process pid, which
// ended with wait status status.
func (d *Decoder) ProcExit(ts uint64, tid, pid int, status int) ([]byte, error) {
	c := Call{TID: tid, PID: pid, Nr: -1}
	d.exitSt.status = int64(status)
	return d.encode(ts, event.ProcExit1E, &c, false)
}

// SignalDeliver encodes a signaldeliver event: signal sig, sent by spid (0
// for the kernel), delivered to thread tid.
func (d *Decoder) SignalDeliver(ts uint64, tid int, spid int, sig int) ([]byte, error) {
	c := Call{TID: tid, PID: tid, Nr: -1}
	d.sigSt = sigInfo{spid: int64(spid), dpid: int64(tid), sig: uint8(sig)}
	return d.encode(ts, event.SignalDeliver, &c, false)
}

// Notification encodes a notification event (sysdig's user notice: an id
// and a description) on thread tid: a fact about the recording that no
// syscall event carries.
func (d *Decoder) Notification(ts uint64, tid int, id, desc string) ([]byte, error) {
	d.enc.Begin(ts, int64(tid), event.Notification)
	d.enc.String(id)
	d.enc.String(desc)
	return d.enc.Finish()
}

// SignalSender picks the sending pid of a signal out of its siginfo
// (si_code, si_pid) the way the driver does for signaldeliver: for SIGKILL
// always, for the job-control and termination signals only when sent by a
// process, for SIGCHLD the child, for real-time signals the sender; 0
// otherwise.
func SignalSender(sig int, code int32, pid int) int {
	switch s := unix.Signal(sig); {
	case s == unix.SIGKILL:
		return pid
	case s == unix.SIGTERM || s == unix.SIGHUP || s == unix.SIGINT || s == unix.SIGTSTP || s == unix.SIGQUIT:
		if code <= 0 { // SI_USER, SI_QUEUE, SI_TKILL, ...
			return pid
		}
	case s == unix.SIGCHLD:
		return pid
	case sig >= 34 && sig <= 64: // the real-time signals
		return pid
	}
	return 0
}

func (d *Decoder) encode(ts uint64, t event.Type, c *Call, exit bool) ([]byte, error) {
	desc := event.Info(t)
	if int(t) >= len(fetchTable) || desc == nil || (fetchTable[t] == nil && len(desc.Params) > 0) {
		return nil, fmt.Errorf("decode: no fetch row for event type %d", t)
	}
	row := fetchTable[t]
	d.begin(c, exit)
	d.enc.Begin(ts, int64(c.TID), t)
	if desc.Extended() {
		// The generic prefix (event.WirePrefix params): what sysdig
		// 0.29.3 reads of the event.
		_, _, sc := syscallEvents(c.Nr)
		d.enc.U16(sc)
		d.enc.U16(uint16(c.Nr))
	}
	for i := range row {
		if err := d.fetch(&row[i], &desc.Params[i]); err != nil {
			return nil, err
		}
	}
	return d.enc.Finish()
}

func (d *Decoder) begin(c *Call, exit bool) {
	d.c, d.exit = c, exit
	d.mem.src = c.Mem
	if !exit {
		c.pathOK = false
	}
	d.iov.state = 0
	d.msg.state = 0
	d.how.state = 0
	d.quota.loaded = false
	d.blog.loaded = false
	d.pinfo.loaded = false
	d.vmSt.loaded = false
	d.fdpOK = 0
}

// val returns the value of a register operand.
func (d *Decoder) val(o operand) uint64 {
	switch {
	case o <= opA5:
		return d.c.Args[o]
	case o == opRet:
		return uint64(d.c.Ret)
	}
	return 0
}

// putInt writes v with the width of the parameter's type.
func (d *Decoder) putInt(t event.ParamType, v uint64) {
	switch t.Size() {
	case 1:
		d.enc.U8(uint8(v))
	case 2:
		d.enc.U16(uint16(v))
	case 4:
		d.enc.U32(uint32(v))
	default:
		d.enc.U64(v)
	}
}

// putDyn writes a DYN parameter: the index into the parameter's dynamic
// table, then v with the width of the selected type.
func (d *Decoder) putDyn(p *event.Param, idx uint8, v uint64) {
	m := d.enc.Start()
	b := d.enc.Buf()
	*b = append(*b, idx)
	var t event.ParamType = event.PTUint64
	if int(idx) < len(p.Dyn) {
		t = p.Dyn[idx].Type
	}
	switch t.Size() {
	case 1:
		*b = append(*b, uint8(v))
	case 2:
		*b = binary.LittleEndian.AppendUint16(*b, uint16(v))
	case 4:
		*b = binary.LittleEndian.AppendUint32(*b, uint32(v))
	default:
		*b = binary.LittleEndian.AppendUint64(*b, v)
	}
	d.enc.End(m)
}

// putDynBytes writes a DYN parameter holding bytes.
func (d *Decoder) putDynBytes(idx uint8, p []byte) {
	m := d.enc.Start()
	b := d.enc.Buf()
	*b = append(*b, idx)
	*b = append(*b, p...)
	d.enc.End(m)
}

// room returns how many more bytes the event may grow by.
func (d *Decoder) room() int {
	n := maxEventLen - len(*d.enc.Buf()) - 64
	if n < 0 {
		return 0
	}
	return n
}

// putBuf writes n bytes at addr as a BYTEBUF cut to the snaplen; a NULL
// address or n <= 0 writes an empty buffer, a fault drops the event.
func (d *Decoder) putBuf(addr uint64, n int64) error {
	if addr == 0 || n <= 0 {
		d.enc.Empty()
		return nil
	}
	if n > int64(d.opts.Snaplen) {
		n = int64(d.opts.Snaplen)
	}
	if r := int64(d.room()); n > r {
		n = r
	}
	buf := d.scratch[:n]
	if err := d.mem.readFull(d.c.PID, addr, buf); err != nil {
		return ErrDropped
	}
	d.enc.Bytes(buf)
	return nil
}

// putPath writes the string at addr. NULL becomes "(NULL)". On a fault:
// onFault == "" drops the event, otherwise onFault is written.
func (d *Decoder) putPath(addr uint64, max int, onFault string) error {
	if addr == 0 {
		d.enc.String("(NULL)")
		return nil
	}
	if c := d.c; d.exit && c.pathOK && c.pathAddr == addr && len(c.path) < max {
		// The enter event read this string whole.
		d.enc.CString(c.path)
		return nil
	}
	if r := d.room(); max > r {
		max = r
	}
	s, err := d.mem.readString(d.c.PID, addr, d.scratch[:0], max)
	if err != nil {
		if onFault == "" {
			return ErrDropped
		}
		d.enc.String(onFault)
		return nil
	}
	d.scratch = s[:0]
	d.enc.CString(s)
	return nil
}

// maxString bounds strings read from tracee memory (the driver's limit is
// the space left in its 8 MiB ring; PATH_MAX-sized paths fit easily).
const maxString = 32 << 10

// fetch writes one parameter. This is the only switch over how parameters
// are obtained; rows of x86_64_fetch.tsv pick a case per parameter.
func (d *Decoder) fetch(f *fetch, p *event.Param) error {
	a0, a1 := d.val(f.op[0]), d.val(f.op[1])
	switch f.kind {
	case kSc:
		_, _, sc := syscallEvents(d.c.Nr)
		d.enc.U16(sc)
	case kNr:
		d.enc.U16(uint16(d.c.Nr))
	case kRet:
		d.putInt(p.Type, uint64(d.c.Ret))
	case kRet16:
		d.putInt(p.Type, uint64(int64(int16(d.c.Ret))))
	case kArg:
		d.putInt(p.Type, a0)
	case kInt32:
		d.putInt(p.Type, uint64(int64(int32(a0))))
	case kConst:
		if p.Type == event.PTCharBuf {
			d.enc.String("")
		} else {
			d.putInt(p.Type, uint64(int64(f.imm)))
		}
	case kDirfd:
		d.putInt(p.Type, dirfd(a0))
	case kPath:
		return d.putPath(a0, maxString, "")
	case kPath256:
		return d.putPath256(a0)
	case kPathna:
		return d.putPath(a0, maxString, "<NA>")
	case kBuf:
		return d.putBuf(a0, int64(a1))
	case kBufret:
		return d.putBuf(a0, d.c.Ret)
	case kDeref32:
		var b [4]byte
		if a0 == 0 || d.mem.readFull(d.c.PID, a0, b[:]) != nil {
			return ErrDropped
		}
		d.putInt(p.Type, uint64(binary.LittleEndian.Uint32(b[:])))
	case kDeref32z:
		var b [4]byte
		if a0 != 0 && d.mem.readFull(d.c.PID, a0, b[:]) != nil {
			b = [4]byte{}
		}
		d.putInt(p.Type, uint64(int64(int32(binary.LittleEndian.Uint32(b[:])))))
	case kOutfield:
		// A field of the structure a successful call wrote at op0
		// (stat's st_mode at imm 24), as wide as the parameter's
		// type; 0 when the call failed or the memory is unreadable.
		var b [8]byte
		n := p.Type.Size()
		if d.c.Ret != 0 || a0 == 0 || n == 0 || d.mem.readFull(d.c.PID, a0+uint64(f.imm), b[:n]) != nil {
			b = [8]byte{}
		}
		d.putInt(p.Type, binary.LittleEndian.Uint64(b[:]))
	case kIovsize, kIovsizeret:
		size, err := d.iovSize(a0, a1, f.kind == kIovsizeret)
		if err != nil {
			return err
		}
		d.putInt(p.Type, size)
	case kIovdata, kIovdataret:
		return d.iovData(a0, a1, f.kind == kIovdataret)
	case kMsgsize, kMsgsizeret:
		if err := d.loadMsg(a0); err != nil {
			return err
		}
		size, err := d.iovSize(d.msg.iov, d.msg.iovlen, f.kind == kMsgsizeret)
		if err != nil {
			return err
		}
		d.putInt(p.Type, size)
	case kMsgdata, kMsgdataret:
		if err := d.loadMsg(a0); err != nil {
			return err
		}
		return d.iovData(d.msg.iov, d.msg.iovlen, f.kind == kMsgdataret)
	case kTimespec:
		ns, err := d.timespec(a0)
		if err != nil {
			return err
		}
		d.putInt(p.Type, ns)
	case kPpolltimeout:
		if a0 == 0 {
			d.putInt(p.Type, ^uint64(0))
			break
		}
		ns, err := d.timespec(a0)
		if err != nil {
			return err
		}
		d.putInt(p.Type, ns)
	case kSigmask:
		v := a0
		if a0 != 0 {
			var b [8]byte
			if d.mem.readFull(d.c.PID, a0, b[:]) != nil {
				return ErrDropped
			}
			v = binary.LittleEndian.Uint64(b[:])
		}
		d.putInt(p.Type, v)
	case kPollin, kPollout:
		return d.pollfds(a0, a1, f.kind == kPollin)
	case kRlimit, kSetrlimit:
		v := ^uint64(0)
		if f.kind == kSetrlimit || d.c.Ret >= 0 {
			var b [16]byte
			if d.mem.readFull(d.c.PID, a0, b[:]) != nil {
				return ErrDropped
			}
			v = binary.LittleEndian.Uint64(b[8*f.imm:])
		}
		d.putInt(p.Type, v)
	case kPrlimitnew, kPrlimitold:
		v := ^uint64(0)
		if f.kind == kPrlimitold || d.c.Ret >= 0 {
			var b [16]byte
			if a0 != 0 && d.mem.readFull(d.c.PID, a0, b[:]) == nil {
				v = binary.LittleEndian.Uint64(b[8*f.imm:])
			}
		}
		d.putInt(p.Type, v)
	case kOffptr:
		var v uint64
		if a0 != 0 {
			var b [8]byte
			if d.mem.readFull(d.c.PID, a0, b[:]) == nil {
				v = binary.LittleEndian.Uint64(b[:])
			}
		}
		d.putInt(p.Type, v)
	case kPipefd:
		if err := d.loadFdPair(a0); err != nil {
			return err
		}
		d.putInt(p.Type, uint64(int64(d.fdpair[f.imm])))
	case kPairfd:
		var v int64
		if d.c.Ret >= 0 {
			if err := d.loadFdPair(a0); err != nil {
				return err
			}
			v = int64(d.fdpair[f.imm])
		}
		d.putInt(p.Type, uint64(v))
	case kPairid:
		var v uint64
		if d.c.Ret >= 0 {
			if err := d.loadFdPair(a0); err != nil {
				return err
			}
			// source is the first socket, peer its peer: the second.
			a := d.fdIno(int(d.fdpair[0]))
			b := d.fdIno(int(d.fdpair[1]))
			ida, idb := d.sock.unixIDs(d.c.PID, a, b)
			v = ida
			if f.imm == 1 {
				v = idb
			}
		}
		d.putInt(p.Type, v)
	case kPipeino:
		if err := d.loadFdPair(a0); err != nil {
			return err
		}
		d.putInt(p.Type, d.fdIno(int(d.fdpair[0])))
	case kHowflags, kHowmode, kHowresolve:
		if err := d.loadHow(a0); err != nil {
			return err
		}
		var v uint32
		switch f.kind {
		case kHowflags:
			v = openFlags(d.how.flags)
		case kHowmode:
			v = openMode(d.how.flags, d.how.mode)
		default:
			v = openat2Resolve(d.how.resolve)
		}
		d.putInt(p.Type, uint64(v))
	case kSembuf:
		v, err := d.sembuf(a0, a1, int(f.imm))
		if err != nil {
			return err
		}
		d.putInt(p.Type, v)
	case kSemctlval:
		var v uint64
		if a0 == semSetval {
			v = a1
		}
		d.putInt(p.Type, v)
	case kQuotacmd:
		d.putInt(p.Type, uint64(quotactlCmd(a0)))
	case kQuotatype:
		d.putInt(p.Type, uint64(quotactlType(a0)))
	case kQuotaid:
		var v uint64
		switch quotactlCmd(a0) {
		case ppmQGetquota, ppmQSetquota, ppmQXGetquota, ppmQXSetqlim:
			v = a1
		}
		d.putInt(p.Type, v)
	case kQuotafmt:
		v := uint64(ppmQfmtNotUsed)
		if quotactlCmd(a0) == ppmQQuotaon {
			v = uint64(quotactlFmt(a1))
		}
		d.putInt(p.Type, v)
	case kQuotapath:
		if quotactlCmd(a0) == ppmQQuotaon {
			return d.putPath(a1, maxString, "")
		}
		d.enc.String("")
	case kDqblk, kDqinfo, kQuotafmtout:
		v, err := d.quotaField(f.kind, a0, a1, int(f.imm))
		if err != nil {
			return err
		}
		d.putInt(p.Type, v)
	case kOptlevel:
		d.putInt(p.Type, uint64(sockoptLevel(a0)))
	case kOptname:
		d.putInt(p.Type, uint64(sockoptName(a0, a1)))
	case kOptval:
		return d.sockoptVal(p, a0, a1, d.val(f.op[2]), int64(int32(d.val(f.op[3]))))
	case kOptvalget:
		var b [4]byte
		if d.mem.readFull(d.c.PID, d.val(f.op[3]), b[:]) != nil {
			return ErrDropped
		}
		return d.sockoptVal(p, a0, a1, d.val(f.op[2]), int64(int32(binary.LittleEndian.Uint32(b[:]))))
	case kPtracereq:
		d.putInt(p.Type, uint64(ptraceRequest(a0)))
	case kPtraceaddr:
		if d.c.Ret < 0 {
			d.putDyn(p, 0, 0)
			break
		}
		d.putDyn(p, ptraceIdxUint64, a1)
	case kPtracedata:
		if d.c.Ret < 0 {
			d.putDyn(p, 0, 0)
			break
		}
		return d.ptraceData(p, a0, a1)
	case kBpfres:
		if d.c.Ret >= 0 {
			// The driver's filler writes no parameter for a
			// successful bpf call, so the event is discarded.
			return ErrDropped
		}
		d.putDyn(p, bpfIdxRes, uint64(d.c.Ret))
	case kOpenflags:
		d.putInt(p.Type, uint64(openFlags(a0)))
	case kOpenmode:
		d.putInt(p.Type, uint64(openMode(a0, a1)))
	case kCreatmode:
		d.putInt(p.Type, uint64(openMode(oCreat, a0)))
	case kCloneflags:
		d.putInt(p.Type, uint64(cloneFlags(a0)))
	case kFutexop:
		d.putInt(p.Type, uint64(futexOp(a0)))
	case kWhence:
		d.putInt(p.Type, uint64(lseekWhence(a0)))
	case kRlimitres:
		d.putInt(p.Type, uint64(rlimitResource(a0)))
	case kFcntlcmd:
		d.putInt(p.Type, uint64(fcntlCmd(a0)))
	case kProtflags:
		d.putInt(p.Type, uint64(protFlags(a0)))
	case kMmapflags:
		d.putInt(p.Type, uint64(mmapFlags(a0)))
	case kMountflags:
		v := a0
		if v&msMgcMsk == msMgcVal {
			v &^= msMgcMsk
		}
		d.putInt(p.Type, v)
	case kSemgetflags:
		d.putInt(p.Type, uint64(semgetFlags(a0)))
	case kSemctlcmd:
		d.putInt(p.Type, uint64(semctlCmd(a0)))
	case kAccessmode:
		d.putInt(p.Type, uint64(accessFlags(a0)))
	case kUnlinkatflags:
		d.putInt(p.Type, uint64(a0&atRemovedir))
	case kLinkatflags:
		d.putInt(p.Type, uint64(linkatFlags(a0)))
	case kChmodmode:
		d.putInt(p.Type, a0&0o7777)
	case kExecveatflags:
		d.putInt(p.Type, uint64(execveatFlags(a0)))
	case kFlockop:
		d.putInt(p.Type, a0&0xf)
	case kSockaddr:
		d.sockaddr(a0, int64(int32(a1)))
	case kFdsockaddr:
		if int32(a0) < 0 {
			d.enc.Empty()
			break
		}
		d.sockaddr(a1, int64(int32(d.val(f.op[2]))))
	case kTupleout:
		if d.c.Nr == sysConnect && int32(a0) < 0 {
			d.enc.Empty()
			break
		}
		d.tupleUser(int(int32(a0)), a1, int64(int32(d.val(f.op[2]))), false)
	case kTuplein:
		lenp := d.val(f.op[2])
		if d.c.Ret < 0 || a1 == 0 || lenp == 0 {
			d.enc.Empty()
			break
		}
		var b [4]byte
		if d.mem.readFull(d.c.PID, lenp, b[:]) != nil {
			return ErrDropped
		}
		d.tupleUser(int(int32(a0)), a1, int64(int32(binary.LittleEndian.Uint32(b[:]))), true)
	case kTupleaccept:
		d.tupleAccept(int(int32(a0)))
	case kMsgtupleout, kMsgtuplein:
		if err := d.loadMsg(a1); err != nil {
			return err
		}
		if f.kind == kMsgtuplein && d.c.Ret < 0 {
			d.enc.Empty()
			break
		}
		d.tupleUser(int(int32(a0)), d.msg.name, int64(d.msg.namelen), f.kind == kMsgtuplein)
	case kBacklog:
		d.loadBacklog(int(int32(a0)))
		var v uint64
		switch f.imm {
		case fPct:
			v = d.blog.pct
		case fLen:
			v = d.blog.len
		case fMax:
			v = d.blog.max
		}
		d.putInt(p.Type, v)
	case kFddev:
		var v uint64
		if int64(a0) >= 0 {
			v = d.fdDev(int(a0))
		}
		d.putInt(p.Type, v)
	case kVm:
		size, rss, swap := d.vm()
		v := size
		switch f.imm {
		case fRss:
			v = rss
		case fSwap:
			v = swap
		}
		d.putInt(p.Type, v)
	case kProc:
		return d.procField(p, int(f.imm))
	case kCloneflagsx:
		var v uint32
		if f.imm != fNone {
			v = cloneFlags(d.c.CloneFlags)
		}
		if err := d.loadProc(); err == nil && d.pinfo.inPidNS {
			v |= ppmClChildInPidNS
		}
		d.putInt(p.Type, uint64(v))
	case kExit:
		st := d.exitSt.status
		var v uint64
		switch f.imm {
		case fStatus:
			v = uint64(st)
		case fCode:
			v = uint64((st >> 8) & 0xff)
		case fSig:
			if sig := st & 0x7f; sig != 0 && sig != 0x7f {
				v = uint64(sig)
			}
		case fCore:
			if st&0x80 != 0 {
				v = 1
			}
		}
		d.putInt(p.Type, v)
	case kSignal:
		var v uint64
		switch f.imm {
		case fSpid:
			v = uint64(d.sigSt.spid)
		case fDpid:
			v = uint64(d.sigSt.dpid)
		case fSig:
			v = uint64(d.sigSt.sig)
		}
		d.putInt(p.Type, v)
	default:
		return fmt.Errorf("decode: unknown fetch kind %d", f.kind)
	}
	return nil
}

// putPath256 reproduces the driver's 256-byte staging of paths in open
// enter events: at most 255 bytes, "(NULL)" when the string cannot be read.
func (d *Decoder) putPath256(addr uint64) error {
	if addr == 0 {
		d.enc.String("(NULL)")
		return nil
	}
	s, err := d.mem.readString(d.c.PID, addr, d.scratch[:0], 256)
	if err != nil {
		d.enc.String("(NULL)")
		return nil
	}
	d.scratch = s[:0]
	c := d.c
	if len(s) < 255 {
		// Complete (not cut): the exit of this call may reuse it.
		c.path, c.pathAddr, c.pathOK = append(c.path[:0], s...), addr, true
	}
	if len(s) > 255 {
		s = s[:255]
	}
	d.enc.CString(s)
	return nil
}

// dirfd maps an int AT_FDCWD to the PPM value (-100) and leaves any other
// register value as it is, as the driver does.
func dirfd(v uint64) uint64 {
	if int32(v) == atFdcwd {
		return ppmAtFdcwd
	}
	return v
}

func (d *Decoder) timespec(addr uint64) (uint64, error) {
	var b [16]byte
	if d.mem.readFull(d.c.PID, addr, b[:]) != nil {
		return 0, ErrDropped
	}
	sec := binary.LittleEndian.Uint64(b[:])
	nsec := binary.LittleEndian.Uint64(b[8:])
	return sec*1e9 + nsec, nil
}

// loadFdPair reads the int[2] a pipe or socketpair call filled.
func (d *Decoder) loadFdPair(addr uint64) error {
	if d.fdpOK == 0 {
		var b [8]byte
		if d.mem.readFull(d.c.PID, addr, b[:]) != nil {
			d.fdpOK = -1
		} else {
			d.fdpair[0] = int32(binary.LittleEndian.Uint32(b[:]))
			d.fdpair[1] = int32(binary.LittleEndian.Uint32(b[4:]))
			d.fdpOK = 1
		}
	}
	if d.fdpOK < 0 {
		return ErrDropped
	}
	return nil
}

// pollfds writes an FDLIST from a pollfd array: every entry with its
// requested events (enter) or only entries with revents (exit).
func (d *Decoder) pollfds(addr, nfds uint64, enter bool) error {
	// The driver stages the array and the encoded list in one page.
	if nfds*8+2+10*nfds > 4096 {
		return ErrDropped
	}
	raw := d.scratch[:nfds*8]
	if nfds > 0 && d.mem.readFull(d.c.PID, addr, raw) != nil {
		return ErrDropped
	}
	m := d.enc.Start()
	b := d.enc.Buf()
	at := len(*b)
	*b = append(*b, 0, 0)
	var n uint16
	for i := uint64(0); i < nfds; i++ {
		e := raw[i*8:]
		fd := int32(binary.LittleEndian.Uint32(e))
		ev := binary.LittleEndian.Uint16(e[4:])
		rev := binary.LittleEndian.Uint16(e[6:])
		if !enter {
			if rev == 0 {
				continue
			}
			ev = rev
		}
		*b = binary.LittleEndian.AppendUint64(*b, uint64(int64(fd)))
		*b = binary.LittleEndian.AppendUint16(*b, pollEvents(ev))
		n++
	}
	binary.LittleEndian.PutUint16((*b)[at:], n)
	d.enc.End(m)
	return nil
}

// CloneFlags returns the native clone flags of a clone-family call at its
// entry: the first argument of clone, clone_args.flags of clone3 (read
// from tracee memory), and what fork and vfork imply.
func (d *Decoder) CloneFlags(c *Call) uint64 {
	switch c.Nr {
	case sysFork:
		return uint64(sigchld)
	case sysVfork:
		return cloneVM | cloneVfork | uint64(sigchld)
	case sysClone3:
		d.c = c
		d.mem.src = c.Mem
		var b [8]byte
		if d.mem.readFull(c.PID, c.Args[0], b[:]) != nil {
			return 0
		}
		return binary.LittleEndian.Uint64(b[:])
	}
	return c.Args[0]
}

// Native clone flags the tracer needs.
const (
	CloneVM     = cloneVM
	CloneVfork  = cloneVfork
	CloneThread = 0x10000
	CloneParent = 0x8000
	sigchld     = 17
	cloneVM     = 0x100
	cloneVfork  = 0x4000
	sysFork     = 57
	sysVfork    = 58
	sysClone3   = 435
)
