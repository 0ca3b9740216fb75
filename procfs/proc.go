package procfs

import (
	"fmt"

	"golang.org/x/sys/unix"

	"xtrace/scap"
)

// Buffer sizes of scap's thread info: readlink and string limits follow
// them so that values are cut where sysdig cuts them.
const (
	scapMaxPath = 1024 // SCAP_MAX_PATH_SIZE
	scapMaxArgs = 4096 // SCAP_MAX_ARGS_SIZE
	scapMaxEnv  = 4096 // SCAP_MAX_ENV_SIZE
)

// threadFlags are the PPM clone flags scap gives every thread that is not
// its process' main thread: CLONE_THREAD|CLONE_FILES, so that sinsp
// resolves its fds through the main thread.
const threadFlags = 0x2000 | 0x1

// procShared caches what every thread of one process shares (the mm-wide
// command line, environment and executable, and the process-wide fd
// limit), so that the snapshot reads them once per process.
type procShared struct {
	pid     int
	valid   bool
	exePath string
	exe     string
	args    string
	env     string
	fdLimit int64
	exeSt   unix.Stat_t
	exeStOK bool
}

// procReader holds the scratch state of reading thread entries.
type procReader struct {
	st  status
	sf  statFields
	cur procShared
}

// readProc reads the PL entry of thread tid of process pid from its
// directory dirfd (/proc/PID for a main thread, /proc/PID/task/TID for
// the others) into p. It returns ErrNoProcess for threads scap skips: kernel
// threads (no executable and an empty command line), zombies, and threads
// that vanished. Values that cannot be read (permissions) are left at
// their defaults instead of dropping the thread, as scap would.
func (fs *FS) readProc(pr *procReader, dirfd, pid, tid int, p *scap.Proc) error {
	sh := &pr.cur
	if sh.pid != pid {
		*sh = procShared{pid: pid}
	}
	if !sh.valid {
		if err := fs.readShared(dirfd, tid, sh); err != nil {
			return err
		}
	}

	b, err := fs.readOneAt(dirfd, "status", 0)
	if err != nil {
		return ErrNoProcess
	}
	st := &pr.st
	parseStatus(b, st)

	*p = scap.Proc{
		TID:      int64(tid),
		PID:      int64(tid),
		PTID:     int64(uint32(0xffffffff)),
		Comm:     string(st.name),
		Exe:      sh.exe,
		ExePath:  sh.exePath,
		Args:     sh.args,
		Env:      sh.env,
		FDLimit:  sh.fdLimit,
		UID:      0xffffffff,
		VMSizeKB: st.vmSize,
		VMRSSKB:  st.vmRSS,
		VMSwapKB: st.vmSwap,
		LoginUID: -1,
	}
	if st.hasTgid {
		p.PID = st.tgid
	}
	if st.hasPPid {
		p.PTID = st.ppid
	}
	if st.hasUid {
		p.UID = st.euid
	}
	if st.hasGid {
		p.GID = st.egid
	}
	// scap takes the second NSpid/NStgid/NSpgid value: the id in the
	// first nested namespace.
	p.VTID, p.VPID = p.TID, p.PID
	if st.nsPidN >= 2 {
		p.VTID = st.nsPid2
	}
	if st.nsTgidN >= 2 {
		p.VPID = st.nsTgid2
	}
	if st.nsPgidN >= 2 {
		p.VPGID = st.nsPgid2
	}
	if p.PID != p.TID {
		p.Flags = threadFlags
	}

	if b, err := fs.readOneAt(dirfd, "stat", 0); err == nil {
		sf := &pr.sf
		parseStat(b, sf)
		if sf.ok {
			p.PFMajor = sf.majFlt
			p.PFMinor = sf.minFlt
			p.SID = sf.session
			if p.VPGID == 0 {
				p.VPGID = sf.pgrp
			}
		}
	}
	if l, err := fs.readlinkAt(dirfd, "cwd", scapMaxPath); err == nil {
		p.Cwd = string(l)
	}
	if l, err := fs.readlinkAt(dirfd, "root", scapMaxPath); err == nil {
		p.Root = string(l)
	}
	version := fs.cgroups() // before readAt: it reuses the same buffer
	if b, err := fs.readOneAt(dirfd, "cgroup", 0); err == nil {
		fs.cg = appendCgroups(fs.cg[:0], b, version)
		p.Cgroups = string(fs.cg)
	}
	if b, err := fs.readOneAt(dirfd, "loginuid", 0); err == nil {
		if v, ok := atoi(cstr(trimSpace(b))); ok {
			p.LoginUID = int32(v)
		}
	}
	if sh.exeStOK {
		c := creds{uid: st.fsuid, gid: st.fsgid, groups: st.groups, capEff: st.capEff}
		p.ExeWritable = exeWritable(&sh.exeSt, &c, func() bool { return readOnlyFile(dirfd, "root"+sh.exePath) })
	}
	return nil
}

// readShared reads the per-process values through thread tid's directory.
func (fs *FS) readShared(dirfd, tid int, sh *procShared) error {
	exeOK := false
	if l, err := fs.readlinkAt(dirfd, "exe", scapMaxPath-1); err == nil && len(l) > 0 {
		sh.exePath = string(l)
		exeOK = true
	}
	b, err := fs.readOneAt(dirfd, "cmdline", scapMaxArgs-1)
	if err != nil {
		return ErrNoProcess
	}
	if !exeOK && len(b) == 0 {
		// A kernel thread or a zombie.
		return ErrNoProcess
	}
	if len(b) > 0 {
		exeLen := len(cstr(b))
		exe := b[:exeLen]
		if len(exe) > scapMaxPath-1 {
			exe = exe[:scapMaxPath-1]
		}
		sh.exe = string(exe)
		if exeLen < len(b) {
			exeLen++
		}
		sh.args = string(b[exeLen:])
	}
	if b, err := fs.readOneAt(dirfd, "environ", scapMaxEnv); err == nil && len(b) > 0 {
		b[len(b)-1] = 0
		sh.env = string(b)
	}
	sh.fdLimit = fs.fdLimit(dirfd, tid)
	// scap stats the executable through the process' root: /proc/PID/root
	// followed by the exe link's text. A deleted executable ("... (deleted)")
	// is not found and so not writable.
	if err := unix.Fstatat(dirfd, "root"+sh.exePath, &sh.exeSt, 0); err == nil {
		sh.exeStOK = true
	}
	sh.valid = true
	return nil
}

// fdLimit returns the RLIMIT_NOFILE soft limit of tid, or -1 when it is not
// known. On the live /proc it asks prlimit(2) as scap does; when that is
// not permitted, or for a fixture tree, it reads the limits file.
func (fs *FS) fdLimit(dirfd, tid int) int64 {
	if fs.live {
		var rl unix.Rlimit
		if err := unix.Prlimit(tid, unix.RLIMIT_NOFILE, nil, &rl); err == nil {
			return int64(rl.Cur)
		}
	}
	b, err := fs.readOneAt(dirfd, "limits", 0)
	if err != nil {
		return -1
	}
	return parseLimitsNoFile(b)
}

// parseLimitsNoFile returns the soft "Max open files" limit of a
// /proc/PID/limits text (-1 when unlimited or missing).
func parseLimitsNoFile(b []byte) int64 {
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if !hasPrefix(line, "Max open files") {
			continue
		}
		w, _ := nextWord(line[len("Max open files"):])
		if v, ok := atou(w); ok {
			return int64(v)
		}
		return -1
	}
	return -1
}

// cgroups returns the cgroup version scap assumes, from /proc/filesystems.
func (fs *FS) cgroups() int {
	if fs.cgroupVersion == 0 {
		if b, err := fs.readFile("filesystems"); err == nil {
			fs.cgroupVersion = cgroupVersionOf(b)
		}
		if fs.cgroupVersion == 0 {
			fs.cgroupVersion = -1
		}
	}
	return fs.cgroupVersion
}

// readFile reads a file below the proc root.
func (fs *FS) readFile(name string) ([]byte, error) {
	return fs.readAt(unix.AT_FDCWD, fs.root+"/"+name, 0)
}

// creds are the credentials the kernel checks file access with.
type creds struct {
	uid, gid uint32
	groups   []uint32
	capEff   uint64
}

// exeWritable reports whether a task with credentials c may write (or,
// owning it, chmod) the file described by st, as the kernel driver decides
// PPM_EXE_WRITABLE: the owner, or CAP_FOWNER, always; otherwise write
// permission (CAP_DAC_OVERRIDE, or the group or other write bit) on a
// writable mount. ACLs and security modules are not consulted.
func exeWritable(st *unix.Stat_t, c *creds, readOnly func() bool) bool {
	if st.Uid == c.uid || c.capEff&capFowner != 0 {
		return true
	}
	var bit uint32 = 0o002
	if st.Gid == c.gid {
		bit = 0o020
	} else {
		for _, g := range c.groups {
			if g == st.Gid {
				bit = 0o020
				break
			}
		}
	}
	if c.capEff&capDACOverride == 0 && st.Mode&bit == 0 {
		return false
	}
	return !readOnly()
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// ReadProc reads thread tid of process pid as a process-list entry, with
// the values and the limits scap gives it. It fails for kernel threads,
// zombies and tasks that do not exist. Use [FS.Proc] to read many.
func ReadProc(pid, tid int) (scap.Proc, error) {
	var p scap.Proc
	err := NewFS("").Proc(pid, tid, &p)
	return p, err
}

// Proc reads thread tid of process pid into p; see [ReadProc].
func (fs *FS) Proc(pid, tid int, p *scap.Proc) error {
	dir := fs.root + "/" + itoa(pid)
	if tid != pid {
		dir += "/task/" + itoa(tid)
	}
	dirfd, err := openDir(dir)
	if err != nil {
		return fmt.Errorf("procfs: reading thread %d of process %d: %w", tid, pid, noProcess(err))
	}
	defer unix.Close(dirfd)
	var pr procReader
	if err := fs.readProc(&pr, dirfd, pid, tid, p); err != nil {
		return fmt.Errorf("procfs: reading thread %d of process %d: %w", tid, pid, err)
	}
	return nil
}
