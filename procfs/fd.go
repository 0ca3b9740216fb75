package procfs

import (
	"fmt"
	"sync"

	"golang.org/x/sys/unix"

	"xtrace/event"
	"xtrace/scap"
)

// scapMaxFDName is the longest fd name scap keeps (a 1024-byte buffer with
// its NUL).
const scapMaxFDName = scapMaxPath - 1

// fdScratch is the reusable state of one fd-table scan.
type fdScratch struct {
	names []numName
	st    unix.Stat_t
}

// fdTable resolves what classifying one process' fds needs at most once:
// its socket table and its mount devices.
type fdTable struct {
	fs         *FS
	pdirfd     int
	net        *netTable
	mounts     map[uint32]uint32
	mountsDone bool
	// sock, when set, looks sockets up instead of net (one-fd reads).
	sock func(ino uint64, fd *scap.FD) bool
}

func (t *fdTable) socket(ino uint64, fd *scap.FD) bool {
	if t.sock != nil {
		return t.sock(ino, fd)
	}
	if t.net == nil {
		t.net = t.fs.netFor(t.pdirfd)
	}
	e, ok := t.net.lookup(t.fs, t.pdirfd, ino)
	if ok {
		e.fill(fd)
	}
	return ok
}

func (t *fdTable) dev(mntID uint32) uint32 {
	if !t.mountsDone {
		t.mounts = t.fs.mountDevs(t.pdirfd)
		t.mountsDone = true
	}
	return t.mounts[mntID]
}

// readFDs appends the fd table of the process whose directory is pdirfd to
// dst, in fd order, classifying each entry with classifyFD. Entries that
// vanish while being read are skipped.
func (fs *FS) readFDs(sc *fdScratch, pdirfd int, dst []scap.FD) ([]scap.FD, error) {
	fddir, err := openDirAt(pdirfd, "fd")
	if err != nil {
		return dst, err
	}
	defer unix.Close(fddir)
	sc.names, err = fs.numericNames(fddir, sc.names[:0])
	if err != nil {
		return dst, err
	}
	t := fdTable{fs: fs, pdirfd: pdirfd}
	for _, nn := range sc.names {
		var fd scap.FD
		if fs.classifyFD(&t, fddir, nn.name, nn.n, &sc.st, &fd) {
			dst = append(dst, fd)
		}
	}
	return dst, nil
}

// classifyFD fills fd from /proc/PID/fd/name as scap classifies it, and
// reports whether the fd is listed:
//
//	fd link mode           FDL type         name / payload
//	FIFO                   FIFO             link text ("pipe:[N]", N is the ino)
//	regular, block, char   FILE_V2          link text; flags and mnt_id from fdinfo
//	directory              DIRECTORY        link text
//	socket "socket:[N]"    by inode N in the process' /proc/PID/net tables:
//	                       IPv4/IPv6 SOCK (local→remote) or SERVSOCK
//	                       (remote address 0), UNIX_SOCK, NETLINK; not
//	                       found: not listed
//	socket, other text     UNSUPPORTED      link text
//	anything else          EVENT, SIGNALFD, EVENTPOLL, INOTIFY, TIMERFD by
//	                       the anon inode name, else UNSUPPORTED; name empty
//
// The ino is the target's (st_ino), the pipe's or the socket's. Named
// FIFOs take their ino from the fd rather than from a stat of the link
// text, so one that was deleted is still listed.
func (fs *FS) classifyFD(t *fdTable, fddir int, name string, num uint64, st *unix.Stat_t, fd *scap.FD) bool {
	if err := unix.Fstatat(fddir, name, st, 0); err != nil {
		return false
	}
	link, err := fs.readlinkAt(fddir, name, scapMaxPath)
	if err != nil || len(link) == 0 {
		return false
	}
	if len(link) > scapMaxFDName {
		link = link[:scapMaxFDName]
	}
	*fd = scap.FD{Num: int64(num), Ino: st.Ino}
	mode := st.Mode & unix.S_IFMT
	switch {
	case hasPrefix(link, "anon_inode:"):
		// Anon inodes have no file type bits (newer kernels report them
		// as regular files); scap recognises them by their link text.
		fd.Type = anonType(link)
	case mode == unix.S_IFIFO:
		fd.Type = scap.FDFIFO
		fd.Name = string(link)
		if ino, ok := bracketNum(link, "pipe:"); ok {
			fd.Ino = ino
		}
	case mode == unix.S_IFREG || mode == unix.S_IFBLK || mode == unix.S_IFCHR || mode == unix.S_IFLNK:
		fd.Type = scap.FDFileV2
		fd.Name = string(link)
		if flags, mntID, ok := fs.fdinfo(t.pdirfd, name); ok {
			fd.OpenFlags = flags
			if mntID != 0 {
				fd.Dev = t.dev(mntID)
			}
		}
	case mode == unix.S_IFDIR:
		fd.Type = scap.FDDirectory
		fd.Name = string(link)
	case mode == unix.S_IFSOCK:
		ino, ok := bracketNum(link, "socket:")
		if !ok {
			fd.Type = scap.FDUnsupported
			fd.Name = string(link)
			break
		}
		if !t.socket(ino, fd) {
			return false
		}
		fd.Ino = ino
	default:
		fd.Type = anonType(link)
	}
	return true
}

// anonType classifies an anon inode by its link text.
func anonType(link []byte) uint8 {
	switch string(link) {
	case "anon_inode:[eventfd]":
		return scap.FDEvent
	case "anon_inode:[signalfd]":
		return scap.FDSignalFD
	case "anon_inode:[eventpoll]":
		return scap.FDEventPoll
	case "anon_inode:inotify":
		return scap.FDInotify
	case "anon_inode:[timerfd]":
		return scap.FDTimerFD
	}
	return scap.FDUnsupported
}

// fdinfo reads the open flags (converted to PPM) and the mount id of fd
// name from /proc/PID/fdinfo.
func (fs *FS) fdinfo(pdirfd int, name string) (flags, mntID uint32, ok bool) {
	b, err := fs.readOneAt(pdirfd, "fdinfo/"+name, 0)
	if err != nil {
		return 0, 0, false
	}
	flags, mntID = parseFdinfo(b)
	return flags, mntID, true
}

// parseFdinfo returns the PPM open flags and the mount id of an fdinfo
// text.
func parseFdinfo(b []byte) (flags, mntID uint32) {
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		switch {
		case hasPrefix(line, "flags:\t"):
			w, _ := nextWord(line[len("flags:\t"):])
			if v, ok := octu(w); ok {
				flags = OpenFlagsToPPM(v)
			}
		case hasPrefix(line, "mnt_id:\t"):
			if v, ok := leadingUint(line[len("mnt_id:\t"):]); ok {
				mntID = uint32(v)
			}
		}
	}
	return flags, mntID
}

// mountDevs returns mnt_id → device number (kernel new_encode_dev form, as
// the driver's open exit dev) for the mount namespace of the process
// directory pdirfd, read once per namespace per snapshot.
func (fs *FS) mountDevs(pdirfd int) map[uint32]uint32 {
	key := nsInode(fs, pdirfd, "ns/mnt", "mnt:")
	if m, ok := fs.mounts[key]; ok && key != 0 {
		return m
	}
	m := map[uint32]uint32{}
	if b, err := fs.readAt(pdirfd, "mountinfo", 0); err == nil {
		parseMountinfo(b, m)
	}
	if key != 0 {
		if fs.mounts == nil {
			fs.mounts = map[uint64]map[uint32]uint32{}
		}
		fs.mounts[key] = m
	}
	return m
}

// parseMountinfo adds "mount_id parent major:minor ..." lines to m.
func parseMountinfo(b []byte, m map[uint32]uint32) {
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		id, rest := nextWord(line)
		_, rest = nextWord(rest)
		mm, _ := nextWord(rest)
		mid, ok := atou(id)
		if !ok {
			continue
		}
		colon := -1
		for i, c := range mm {
			if c == ':' {
				colon = i
				break
			}
		}
		if colon < 0 {
			continue
		}
		major, ok1 := atou(mm[:colon])
		minor, ok2 := atou(mm[colon+1:])
		if !ok1 || !ok2 {
			continue
		}
		m[uint32(mid)] = EncodeDev(uint32(major), uint32(minor))
	}
}

// EncodeDev packs a device number the way the kernel's new_encode_dev
// does, which is what the driver writes in dev parameters.
func EncodeDev(major, minor uint32) uint32 {
	return minor&0xff | major<<8 | (minor&^0xff)<<12
}

// nsInode returns the inode of the namespace link name ("ns/net") of the
// process directory pdirfd, or 0 when it cannot be read.
func nsInode(fs *FS, pdirfd int, name, prefix string) uint64 {
	l, err := fs.readlinkAt(pdirfd, name, 64)
	if err != nil {
		return 0
	}
	v, _ := bracketNum(l, prefix)
	return v
}

// openFlag maps one native open(2) flag test to the PPM file_flags entry
// scap sets for it. The tests are any-bit tests, as scap's are: O_SYNC and
// O_TMPFILE span several bits, so O_DSYNC alone also sets PPM O_SYNC and
// O_DIRECTORY alone also sets PPM O_TMPFILE. O_LARGEFILE is 0 in the C
// library scap is built against on 64-bit targets, as in x/sys/unix, so the
// FDL never carries it.
type openFlag struct {
	native uint64
	name   string
}

var openFlagTests = []openFlag{
	{unix.O_CREAT, "O_CREAT"},
	{unix.O_TMPFILE, "O_TMPFILE"},
	{unix.O_APPEND, "O_APPEND"},
	{unix.O_DSYNC, "O_DSYNC"},
	{unix.O_EXCL, "O_EXCL"},
	{unix.O_NONBLOCK, "O_NONBLOCK"},
	{unix.O_SYNC, "O_SYNC"},
	{unix.O_TRUNC, "O_TRUNC"},
	{unix.O_DIRECT, "O_DIRECT"},
	{unix.O_DIRECTORY, "O_DIRECTORY"},
	{unix.O_LARGEFILE, "O_LARGEFILE"},
	{unix.O_CLOEXEC, "O_CLOEXEC"},
}

// openFlagConv is openFlagTests with the PPM values looked up in the
// event package's file_flags table.
type openFlagConv struct {
	rdonly, wronly, rdwr uint32
	bits                 []flagBit
}

// flagBit maps a native flag test to the PPM bit it sets.
type flagBit struct {
	native uint64
	ppm    uint32
}

var openFlagTable = sync.OnceValue(func() *openFlagConv {
	ft := event.FlagTableByName("file_flags")
	val := func(name string) uint32 {
		if ft != nil {
			for _, e := range ft.Entries {
				if e.Name == name {
					return e.Value
				}
			}
		}
		return 0
	}
	c := &openFlagConv{rdonly: val("O_RDONLY"), wronly: val("O_WRONLY"), rdwr: val("O_RDWR")}
	for _, f := range openFlagTests {
		if f.native != 0 {
			c.bits = append(c.bits, flagBit{f.native, val(f.name)})
		}
	}
	return c
})

// OpenFlagsToPPM converts native open flags, as /proc/PID/fdinfo shows
// them, to the PPM file_flags value scap stores in FDL entries. Its tests
// are any-bit tests: O_DSYNC alone also sets PPM O_SYNC, O_DIRECTORY alone
// also sets PPM O_TMPFILE. O_LARGEFILE is never set on 64-bit targets (the
// C library defines it as 0 there), unlike in the driver's open events.
func OpenFlagsToPPM(native uint64) uint32 {
	c := openFlagTable()
	var r uint32
	switch native & unix.O_ACCMODE {
	case unix.O_WRONLY:
		r = c.wronly
	case unix.O_RDWR:
		r = c.rdwr
	default:
		r = c.rdonly
	}
	for _, b := range c.bits {
		if native&b.native != 0 {
			r |= b.ppm
		}
	}
	return r
}

// ReadFDs reads the fd table of process pid as fd-list entries, in fd
// order. Use [FS.FDs] to read many.
func ReadFDs(pid int) ([]scap.FD, error) {
	return NewFS("").FDs(pid, nil)
}

// FDs appends the fd table of process pid to dst; see [ReadFDs]. Sockets
// are resolved through the process' own /proc/PID/net tables, read afresh
// on every call.
func (fs *FS) FDs(pid int, dst []scap.FD) ([]scap.FD, error) {
	fs.resetCaches()
	defer fs.resetCaches()
	dirfd, err := openDir(fs.root + "/" + itoa(pid))
	if err != nil {
		return dst, fmt.Errorf("procfs: reading fds of process %d: %w", pid, noProcess(err))
	}
	defer unix.Close(dirfd)
	var sc fdScratch
	dst, err = fs.readFDs(&sc, dirfd, dst)
	if err != nil {
		return dst, fmt.Errorf("procfs: reading fds of process %d: %w", pid, noProcess(err))
	}
	return dst, nil
}

// FD reads fd num of process pid into fd as the snapshot would list it,
// and reports whether it is listed (false for fds that are not open and for
// sockets of families scap does not resolve). It reads the net tables only
// up to the socket it looks for, which makes it the cheap way to learn one
// socket's addresses.
func (fs *FS) FD(pid, num int, fd *scap.FD) (bool, error) {
	fs.resetCaches()
	defer fs.resetCaches()
	dirfd, err := openDir(fs.root + "/" + itoa(pid))
	if err != nil {
		return false, fmt.Errorf("procfs: reading fd %d of process %d: %w", num, pid, noProcess(err))
	}
	defer unix.Close(dirfd)
	fddir, err := openDirAt(dirfd, "fd")
	if err != nil {
		return false, fmt.Errorf("procfs: reading fd %d of process %d: %w", num, pid, noProcess(err))
	}
	defer unix.Close(fddir)
	t := fdTable{fs: fs, pdirfd: dirfd, sock: func(ino uint64, out *scap.FD) bool {
		return fs.findSocket(dirfd, ino, out)
	}}
	var st unix.Stat_t
	return fs.classifyFD(&t, fddir, itoa(num), uint64(num), &st, fd), nil
}
