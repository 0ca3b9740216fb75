package decode

import (
	"bytes"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"xtrace/event"
	"xtrace/internal/linux"
	"xtrace/procfs"
)

// procHandles are the kernel handles kept per traced process.
type procHandles struct {
	fdDir  int // O_PATH fd of /proc/PID/fd, or -1
	statm  int // fd of /proc/PID/statm, or -1
	pidfd  int // pidfd, or -1
	status int // fd of /proc/PID/status, or -1
}

// procReader reads /proc for the decoder. It keeps a few fds per process
// so that frequent lookups (the device of an opened file, the vm counters
// of mmap) cost one system call.
type procReader struct {
	root    string
	procs   map[int]*procHandles
	path    []byte // NUL-terminated path scratch
	buf     []byte
	st      unix.Stat_t
	hasSwap bool
	cg      cgroupNames
	fs      *procfs.FS
}

func (r *procReader) init(root string) {
	r.root = root
	r.procs = map[int]*procHandles{}
	r.buf = make([]byte, 0, 8192)
	r.hasSwap = HasSwap(root)
	r.cg.init(root)
	r.fs = procfs.NewFS(root)
}

// HasSwap reports whether the machine has swap, as the decoder decides
// whether to read vm_swap at all: <procRoot>/swaps ("/proc" when empty)
// lists a device. Without swap, vm_swap is 0.
func HasSwap(procRoot string) bool {
	if procRoot == "" {
		procRoot = "/proc"
	}
	b, err := os.ReadFile(procRoot + "/swaps")
	return err == nil && bytes.Count(b, []byte("\n")) > 1
}

func (r *procReader) handles(pid int) *procHandles {
	h := r.procs[pid]
	if h == nil {
		h = &procHandles{fdDir: -1, statm: -1, pidfd: -1, status: -1}
		r.procs[pid] = h
	}
	return h
}

func (h *procHandles) close() {
	for _, fd := range []int{h.fdDir, h.statm, h.pidfd, h.status} {
		if fd >= 0 {
			linux.Close(fd)
		}
	}
	h.fdDir, h.statm, h.pidfd, h.status = -1, -1, -1, -1
}

func (r *procReader) forget(pid int) {
	if h := r.procs[pid]; h != nil {
		h.close()
		delete(r.procs, pid)
	}
}

// exec drops what a new image invalidates (nothing so far: the /proc
// entries follow the pid), kept as the place to do it.
func (r *procReader) exec(pid int) {}

func (r *procReader) closeAll() {
	for pid := range r.procs {
		r.forget(pid)
	}
}

// pidPath builds "<root>/<pid>/<name>" NUL-terminated in r.path.
func (r *procReader) pidPath(pid int, name string) []byte {
	p := append(r.path[:0], r.root...)
	p = append(p, '/')
	p = strconv.AppendInt(p, int64(pid), 10)
	p = append(p, '/')
	p = append(p, name...)
	p = append(p, 0)
	r.path = p
	return p
}

func (r *procReader) open(pid int, name string, flags int) int {
	p := r.pidPath(pid, name)
	fd, err := unix.Open(string(p[:len(p)-1]), flags|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}

// fdStat stats fd number fd of process pid through /proc/PID/fd.
func (r *procReader) fdStat(pid, fd int) bool {
	h := r.handles(pid)
	if h.fdDir < 0 {
		h.fdDir = r.open(pid, "fd", unix.O_PATH|unix.O_DIRECTORY)
		if h.fdDir < 0 {
			return false
		}
	}
	p := strconv.AppendInt(r.path[:0], int64(fd), 10)
	p = append(p, 0)
	r.path = p
	return linux.Fstatat(h.fdDir, p, &r.st, 0) == nil
}

// dup returns a copy of fd number fd of process pid (pidfd_getfd, which
// the tracer may do to its tracees), or -1.
func (r *procReader) dup(pid, fd int) int {
	if fd < 0 {
		return -1
	}
	h := r.handles(pid)
	if h.pidfd < 0 {
		p, err := linux.PidfdOpen(pid)
		if err != nil {
			return -1
		}
		h.pidfd = p
	}
	n, err := linux.PidfdGetfd(h.pidfd, fd)
	if err != nil {
		return -1
	}
	return n
}

// fdStat stats fd number fd of process pid: on a duplicate (three cheap
// system calls, half the cost of a stat through /proc/PID/fd/N), or
// through /proc when duplicating is not allowed.
func (r *procReader) fdStatDup(pid, fd int) bool {
	if n := r.dup(pid, fd); n >= 0 {
		err := linux.Fstat(n, &r.st)
		linux.Close(n)
		return err == nil
	}
	return r.fdStat(pid, fd)
}

// fdDev returns the device of fd as the driver encodes it (the low 32
// bits of st_dev, new_encode_dev format), 0 when unknown.
func (r *procReader) fdDev(pid, fd int) uint64 {
	if fd < 0 || !r.fdStatDup(pid, fd) {
		return 0
	}
	return uint64(uint32(r.st.Dev))
}

// fdIno returns the inode of fd, 0 when unknown.
func (r *procReader) fdIno(pid, fd int) uint64 {
	if fd < 0 || !r.fdStatDup(pid, fd) {
		return 0
	}
	return r.st.Ino
}

// vm returns the vm_size, vm_rss and vm_swap counters (KiB) of process
// pid, from /proc/PID/statm (kept open) and, when the machine has swap,
// /proc/PID/status.
func (r *procReader) vm(pid int) (size, rss, swap uint64) {
	h := r.handles(pid)
	if h.statm < 0 {
		h.statm = r.open(pid, "statm", unix.O_RDONLY)
		if h.statm < 0 {
			return 0, 0, 0
		}
	}
	b := r.buf[:cap(r.buf)]
	n, err := linux.Pread(h.statm, b[:256], 0)
	if err != nil || n <= 0 {
		return 0, 0, 0
	}
	b = b[:n]
	pages, rest := atou(b)
	res, _ := atou(skipSpace(rest))
	size, rss = pages*4, res*4
	if r.hasSwap {
		if h.status < 0 {
			h.status = r.open(pid, "status", unix.O_RDONLY)
		}
		if h.status >= 0 {
			b = r.buf[:cap(r.buf)]
			if n, err := linux.Pread(h.status, b, 0); err == nil && n > 0 {
				if v, ok := statusField(b[:n], "VmSwap:"); ok {
					swap, _ = atou(v)
				}
			}
		}
	}
	return size, rss, swap
}

// readFile reads a whole /proc file into dst.
func readFile(path string, dst []byte) []byte {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return dst[:0]
	}
	defer unix.Close(fd)
	dst = dst[:0]
	for {
		if cap(dst)-len(dst) < 4096 {
			nd := make([]byte, len(dst), 2*cap(dst)+4096)
			copy(nd, dst)
			dst = nd
		}
		n, err := unix.Read(fd, dst[len(dst):cap(dst)])
		if n <= 0 || err != nil {
			return dst
		}
		dst = dst[:len(dst)+n]
	}
}

// atou parses a decimal at the start of b.
func atou(b []byte) (uint64, []byte) {
	var v uint64
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		v = v*10 + uint64(b[i]-'0')
		i++
	}
	return v, b[i:]
}

func atoi(b []byte) int64 {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	v, _ := atou(b)
	if neg {
		return -int64(v)
	}
	return int64(v)
}

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

// statusField returns the value of "Key:" in a /proc status file.
func statusField(b []byte, key string) ([]byte, bool) {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if bytes.HasPrefix(line, []byte(key)) {
			return skipSpace(line[len(key):]), true
		}
	}
	return nil, false
}

// procInfo holds what the clone and execve exit events report about the
// emitting thread, read once per event through procfs.
type procInfo struct {
	loaded  bool
	err     error
	task    procfs.Task
	cmdline []byte // exe, NUL, args (a failed execve's own argv)
	exeLen  int    // bytes of cmdline that form exe (with its NUL)
	env     []byte
	cgroups []byte
	inPidNS bool
}

// loadProc reads /proc for the emitting thread of the current event.
func (d *Decoder) loadProc() error {
	pi := &d.pinfo
	if pi.loaded {
		return pi.err
	}
	pi.loaded = true
	c := d.c
	flow := FlowOf(c.Nr)
	want := procfs.TaskArgs
	if flow == FlowExec {
		want = procfs.TaskExecve
	}
	want &^= procfs.TaskCgroups // the driver's list, rendered below
	// The thread's own reading of its /proc entries at the call, when
	// the source has it; else /proc now (the thread is held at the exit).
	var files *procfs.TaskFiles
	if f := c.Facts; f != nil {
		if tf, ok := f.Task(); ok && tf.Covers(want|procfs.TaskCgroups) {
			files = tf
		}
	}
	var cg []byte
	if files != nil {
		pi.err = d.proc.fs.TaskFrom(files, c.PID, c.TID, want, &pi.task)
		cg = files.Files[procfs.FileCgroup]
	} else {
		pi.err = d.proc.fs.Task(c.PID, c.TID, want, &pi.task)
		cg = readFile(d.proc.root+"/"+strconv.Itoa(c.PID)+"/cgroup", d.proc.buf)
	}
	if pi.err != nil {
		pi.err = ErrDropped
		return pi.err
	}
	t := &pi.task
	pi.inPidNS = t.VTID != int64(c.TID)
	pi.cgroups = d.proc.cg.render(cg, pi.cgroups[:0])

	// exe and args: for a failed execve the driver takes them (and env)
	// from the call's own argv and envp, otherwise from the argument
	// area of the (new) image.
	pi.cmdline = pi.cmdline[:0]
	if c.Ret < 0 && flow == FlowExec {
		argv, envp := c.Args[1], c.Args[2]
		if c.Nr == unix.SYS_EXECVEAT {
			argv, envp = c.Args[2], c.Args[3]
		}
		pi.cmdline = d.accumulate(argv, pi.cmdline)
		pi.env = d.accumulate(envp, pi.env[:0])
		pi.exeLen = bytes.IndexByte(pi.cmdline, 0) + 1
		if pi.exeLen <= 0 {
			pi.exeLen = len(pi.cmdline)
		}
		t.ExeWritable = false
		return nil
	}
	pi.cmdline = append(pi.cmdline, t.Exe...)
	pi.exeLen = len(pi.cmdline)
	if len(t.Args) > 0 || len(t.Exe) > 0 {
		pi.cmdline = append(pi.cmdline, 0)
		pi.exeLen++
	}
	pi.cmdline = append(pi.cmdline, t.Args...)
	pi.env = append(pi.env[:0], t.Env...)
	return nil
}

// capPage cuts a /proc argument or environment area to one page and
// forces its last byte to NUL.
func capPage(b []byte) []byte {
	if len(b) > pageSize {
		b = b[:pageSize]
	}
	if len(b) > 0 {
		b[len(b)-1] = 0
	}
	return b
}

// accumulate concatenates the NUL-terminated strings of a NULL-terminated
// argv/envp array (a failed execve's own arguments), NULs included; the
// driver gives up (empty result) beyond one page.
func (d *Decoder) accumulate(arr uint64, dst []byte) []byte {
	if arr == 0 {
		return dst
	}
	for i := uint64(0); ; i++ {
		var p [8]byte
		if d.mem.readFull(d.c.PID, arr+8*i, p[:]) != nil {
			return dst[:0]
		}
		s := uint64(uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16 | uint64(p[3])<<24 |
			uint64(p[4])<<32 | uint64(p[5])<<40 | uint64(p[6])<<48 | uint64(p[7])<<56)
		if s == 0 {
			return dst
		}
		avail := pageSize - len(dst)
		if avail < 1 {
			return dst[:0]
		}
		str, err := d.mem.readString(d.c.PID, s, d.scratch[:0], avail)
		if err != nil || len(str) >= avail {
			return dst[:0]
		}
		dst = append(dst, str...)
		dst = append(dst, 0)
	}
}

// procField writes one clone/execve exit parameter.
func (d *Decoder) procField(p *event.Param, field int) error {
	if err := d.loadProc(); err != nil {
		return err
	}
	pi := &d.pinfo
	t := &pi.task
	c := d.c
	failedClone := c.Ret < 0 && FlowOf(c.Nr) == FlowClone
	switch field {
	case fExe:
		if failedClone {
			d.enc.String("")
			break
		}
		d.enc.CString(trimNUL(pi.cmdline[:pi.exeLen]))
	case fArgs:
		if failedClone {
			d.enc.Bytes(nil)
			break
		}
		d.enc.Bytes(pi.cmdline[pi.exeLen:])
	case fTid:
		d.putInt(p.Type, uint64(c.TID))
	case fPid:
		d.putInt(p.Type, uint64(c.PID))
	case fPtid:
		// The driver reports real_parent->pid, a thread id; /proc has
		// the parent's process id. The tracer knows the creating
		// thread, which is right as long as the process was not
		// reparented since.
		ptid := t.PTID
		if c.Parent != 0 && int64(c.ParentPID) == t.PTID {
			ptid = int64(c.Parent)
		}
		d.putInt(p.Type, uint64(ptid))
	case fCwd:
		d.enc.String("")
	case fFdlimit:
		d.putInt(p.Type, uint64(t.FDLimit))
	case fPgftmaj:
		d.putInt(p.Type, t.PFMajor)
	case fPgftmin:
		d.putInt(p.Type, t.PFMinor)
	case fVmsize:
		d.putInt(p.Type, d.hideVM(uint64(t.VMSizeKB)))
	case fVmrss:
		d.putInt(p.Type, uint64(t.VMRSSKB))
	case fVmswap:
		d.putInt(p.Type, uint64(t.VMSwapKB))
	case fComm:
		d.enc.CString(t.Comm)
	case fCgroups:
		d.enc.Bytes(pi.cgroups)
	case fEuid:
		d.putInt(p.Type, uint64(t.UID))
	case fEgid:
		d.putInt(p.Type, uint64(t.GID))
	case fVtid:
		d.putInt(p.Type, uint64(t.VTID))
	case fVpid:
		d.putInt(p.Type, uint64(t.VPID))
	case fEnv:
		env := pi.env
		if d.opts.StripEnv != nil {
			d.env = d.opts.StripEnv(d.env[:0], env)
			env = d.env
		}
		d.enc.Bytes(env)
	case fTty:
		d.putInt(p.Type, uint64(int64(t.TTY)))
	case fPgid:
		d.putInt(p.Type, uint64(t.VPGID))
	case fLoginuid:
		d.putInt(p.Type, uint64(int64(t.LoginUID)))
	case fExeflags:
		var v uint64
		if t.ExeWritable {
			v = 1 // PPM_EXE_WRITABLE
		}
		d.putInt(p.Type, v)
	}
	return nil
}

func trimNUL(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// cgroupNames renders /proc/PID/cgroup the way the driver lists cgroups:
// one "subsys=path" entry per controller compiled into the kernel, in
// the kernel's subsystem order (the order of /proc/cgroups), each followed
// by a NUL. Controllers on the unified (v2) hierarchy take the v2 path.
type cgroupNames struct {
	once  sync.Once
	root  string
	names []string // kernel subsystem names ("io", not the legacy "blkio")
	hier  []int    // hierarchy id of each, 0 = unified
}

func (g *cgroupNames) init(root string) { g.root = root }

func (g *cgroupNames) load() {
	b, err := os.ReadFile(g.root + "/cgroups")
	if err != nil {
		return
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		f := bytes.Fields(line)
		if len(f) < 2 {
			continue
		}
		name := string(f[0])
		if name == "blkio" {
			name = "io"
		}
		h, _ := strconv.Atoi(string(f[1]))
		g.names = append(g.names, name)
		g.hier = append(g.hier, h)
	}
}

func (g *cgroupNames) render(cg []byte, dst []byte) []byte {
	g.once.Do(g.load)
	dst = dst[:0]
	for i, name := range g.names {
		path := []byte("/")
		for _, line := range bytes.Split(cg, []byte("\n")) {
			// "hier:controllers:path"
			c1 := bytes.IndexByte(line, ':')
			if c1 < 0 {
				continue
			}
			c2 := bytes.IndexByte(line[c1+1:], ':')
			if c2 < 0 {
				continue
			}
			h, _ := strconv.Atoi(string(line[:c1]))
			if h == g.hier[i] {
				path = line[c1+1+c2+1:]
				break
			}
		}
		dst = append(dst, name...)
		dst = append(dst, '=')
		dst = append(dst, path...)
		dst = append(dst, 0)
	}
	return dst
}
