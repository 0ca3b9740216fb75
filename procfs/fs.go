package procfs

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// FS reads one proc mount. It keeps its buffers between calls, so a
// recorder that holds one FS reads /proc without allocating per call beyond
// the strings it returns. An FS is not safe for concurrent use.
type FS struct {
	root string // proc mount point, no trailing slash
	live bool   // root is this system's /proc: syscalls on pids are allowed

	file []byte // file contents, reused by readAt
	link []byte // readlink target, reused by readlinkAt
	dir  []byte // getdents buffer
	cg   []byte // cgroup list being built
	path []byte // path being built

	cgroupVersion int // 0 until /proc/filesystems was read

	st status     // Task scratch
	sf statFields // Task scratch

	// Per-snapshot caches, reset by resetCaches.
	nets   map[uint64]*netTable         // by network namespace inode
	mounts map[uint64]map[uint32]uint32 // by mount namespace inode: mnt_id → encoded dev
}

// NewFS returns an FS for the proc mount at root ("/proc" when empty).
// Pid-directed system calls (prlimit) are used only when root is this
// system's /proc; for any other root (a fixture tree) their values come from
// files under root.
func NewFS(root string) *FS {
	if root == "" {
		root = "/proc"
	}
	for len(root) > 1 && root[len(root)-1] == '/' {
		root = root[:len(root)-1]
	}
	fs := &FS{
		root: root,
		live: root == "/proc",
		file: make([]byte, 0, 8192),
		link: make([]byte, 4096),
		dir:  make([]byte, 8192),
	}
	return fs
}

// Root returns the proc mount point fs reads.
func (fs *FS) Root() string { return fs.root }

func (fs *FS) resetCaches() {
	fs.nets = nil
	fs.mounts = nil
}

// ErrNoProcess is matched (with errors.Is) by the errors of reads of a
// process or thread that does not exist, has exited (also a zombie), or is
// a kernel thread: there is no user-space state to read. The snapshot
// leaves such tasks out, as scap does.
var ErrNoProcess = errors.New("procfs: no such user process")

// noProcess returns err marked as ErrNoProcess when it says that a /proc
// entry does not exist.
func noProcess(err error) error {
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("%w (%w)", ErrNoProcess, err)
	}
	return err
}

// openDir opens a directory below the proc root (or an absolute path) for
// use with the *At helpers.
func openDir(path string) (int, error) {
	for {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		return fd, err
	}
}

func openDirAt(dirfd int, name string) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		return fd, err
	}
}

// readAt reads at most max bytes (0: no limit) of the file name relative to
// dirfd into fs.file and returns them. The result is valid until the next
// read.
func (fs *FS) readAt(dirfd int, name string, max int) ([]byte, error) {
	return fs.read(dirfd, name, max, false)
}

// readOneAt is readAt for files the kernel produces in one piece: the
// per-process files made by a single show function (status, stat, cgroup,
// limits, loginuid, comm, fdinfo) and cmdline and environ, whose read loops
// until the buffer is full. For those a short read is the end of the file,
// which saves a read(2). Multi-record files (net tables, mountinfo) return
// about a page per read and must be read with readAt.
func (fs *FS) readOneAt(dirfd int, name string, max int) ([]byte, error) {
	return fs.read(dirfd, name, max, true)
}

func (fs *FS) read(dirfd int, name string, max int, oneShot bool) ([]byte, error) {
	var fd int
	var err error
	for {
		fd, err = unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	b := fs.file[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		room := b[len(b):cap(b)]
		if max > 0 && len(b)+len(room) > max {
			room = room[:max-len(b)]
		}
		if len(room) == 0 {
			break
		}
		n, rerr := unix.Read(fd, room)
		if rerr == unix.EINTR {
			continue
		}
		if rerr != nil {
			unix.Close(fd)
			fs.file = b
			return nil, rerr
		}
		if n <= 0 {
			break
		}
		b = b[:len(b)+n]
		if oneShot && n < len(room) {
			break
		}
	}
	unix.Close(fd)
	fs.file = b
	return b, nil
}

// readlinkAt returns the target of the link name relative to dirfd, cut to
// at most max bytes as readlink(2) into a max-byte buffer does. The result
// is valid until the next readlinkAt.
func (fs *FS) readlinkAt(dirfd int, name string, max int) ([]byte, error) {
	for {
		n, err := unix.Readlinkat(dirfd, name, fs.link)
		if err != nil {
			return nil, err
		}
		if n < len(fs.link) || len(fs.link) >= max {
			if n > max {
				n = max
			}
			return fs.link[:n], nil
		}
		fs.link = make([]byte, 2*len(fs.link))
	}
}

// eachDirent calls fn with the name of every entry of the open directory
// dirfd ("." and ".." excluded). The name is only valid during the call.
func (fs *FS) eachDirent(dirfd int, fn func(name []byte)) error {
	for {
		n, err := unix.Getdents(dirfd, fs.dir)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n <= 0 {
			return nil
		}
		buf := fs.dir[:n]
		for len(buf) >= 19 {
			// struct linux_dirent64: u64 ino, i64 off, u16 reclen, u8 type, name
			reclen := int(buf[16]) | int(buf[17])<<8
			if reclen < 19 || reclen > len(buf) {
				break
			}
			name := buf[19:reclen]
			for i, c := range name {
				if c == 0 {
					name = name[:i]
					break
				}
			}
			buf = buf[reclen:]
			if len(name) == 0 || name[0] == '.' && (len(name) == 1 || len(name) == 2 && name[1] == '.') {
				continue
			}
			fn(name)
		}
	}
}

// numericNames appends the all-digit entries of the open directory dirfd
// to dst as (number, name) pairs in numeric order: the order /proc lists
// pids, tids and fds in, which fixture trees on other file systems do not
// keep.
func (fs *FS) numericNames(dirfd int, dst []numName) ([]numName, error) {
	start := len(dst)
	err := fs.eachDirent(dirfd, func(name []byte) {
		v, ok := atou(name)
		if !ok {
			return
		}
		dst = append(dst, numName{n: v, name: string(name)})
	})
	added := dst[start:]
	if !slices.IsSortedFunc(added, cmpNumName) {
		slices.SortFunc(added, cmpNumName)
	}
	return dst, err
}

func cmpNumName(a, b numName) int { return cmp.Compare(a.n, b.n) }

type numName struct {
	n    uint64
	name string
}

func itoa(v int) string { return strconv.Itoa(v) }
