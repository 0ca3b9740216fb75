package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"

	"xtrace/scap"
)

// File is one capture file being written: a header, then events. Events
// are collected in memory and reach the file when Commit is called, as
// whole blocks, in pieces of at most chunk bytes, so that a full disk costs
// at most one piece; on a failed write the file is cut back to its last
// clean point (a block boundary, or the end of the last complete gzip
// member) and stays readable.
//
// With members, a gzip file is made of several members: the header is one,
// and the current one is synced at each Commit and closed (a new one
// started) every second or 256 KiB of capture, so that a file being
// written, or left by a killed xtrace, decompresses up to its last closed
// member. Without members it is a single member, as sysdig -z writes.
type File struct {
	name    string
	path    string // name with symbolic links resolved
	created bool   // the file is new (not a device or fifo written as is)
	f       *os.File
	gz      *gzip.Writer
	members bool
	acc     bytes.Buffer
	sw      *scap.Writer
	good    int64 // file size at the last point where it reads cleanly
	off     int64 // bytes written to the file
	member  time.Time
	inMem   int
	// events counts the event blocks that reached the file (or the
	// gzip writer); goodEvents those before good; pending those in the
	// open gzip member.
	events, goodEvents, pending int64
	zoff                        zlibOffset
	err                         error
	done                        bool
}

// A gzip member is closed after memberEvery or memberBytes of capture,
// whichever comes first.
const (
	memberEvery = time.Second
	memberBytes = 256 << 10
)

// gzipLevel is the compression level of -z files. sysdig writes with
// zlib's default (6); klauspost's level 6 gives files about 3% larger than
// zlib's, its level 8 about 1% smaller at about zlib-6 speed (measured on
// a 1 M event capture: 9.89 MB at 6, 9.51 MB at 8, sysdig 9.64 MB).
const gzipLevel = 8

// chunk is the size of the pieces a commit writes, at block boundaries.
const chunk = 64 << 10

// Create creates the capture file name, mode 0600, and returns it ready
// for WriteHeader. See [createFile] for how: the capture is always a new
// file of the caller's, never a file that was there before.
func Create(name string, compress, members bool) (*File, error) {
	f, path, created, err := createFile(name)
	if err != nil {
		return nil, err
	}
	c := &File{name: name, path: path, created: created, f: f, members: members, member: time.Now()}
	if compress {
		c.gz, _ = gzip.NewWriterLevel(countWriter{c}, gzipLevel) // the level is valid
	}
	c.sw = scap.NewWriter(&c.acc)
	return c, nil
}

// maxSymlinks bounds the symbolic links createFile follows (the kernel's
// limit for one path).
const maxSymlinks = 40

// createFile creates the capture file name safely, returning the open
// file, the path it has (name with symbolic links resolved) and whether
// it is a new file (not a device or fifo that was there):
//
//   - The capture is written to a new file, created 0600 with O_EXCL under
//     a temporary name (.NAME.xtrace-*) in the target's directory, then
//     renamed over the target at once, before anything is written: from
//     then on the name holds the capture as it grows, so an interrupted
//     or killed xtrace leaves a capture that reads up to its last
//     committed event. A file that was there is replaced, not
//     overwritten: its owner, mode and other links never see the capture.
//   - A symbolic link is followed (the capture replaces the file it points
//     to) except, as the kernel's protected_symlinks does, a link in a
//     sticky world-writable directory (/tmp) owned by neither the caller
//     nor the directory's owner: that is an error.
//   - An existing device, fifo or socket (-w /dev/null, a pipe) is opened
//     and written as it is.
func createFile(name string) (f *os.File, path string, created bool, err error) {
	path = name
	for i := 0; ; i++ {
		fi, err := os.Lstat(path)
		if err != nil {
			break // created below (or the error comes from there)
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			if fi.IsDir() {
				return nil, "", false, fmt.Errorf("capture: %s is a directory", name)
			}
			if !fi.Mode().IsRegular() {
				f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NOFOLLOW, 0)
				if err != nil {
					return nil, "", false, fmt.Errorf("capture: %w", err)
				}
				return f, path, false, nil
			}
			break
		}
		if err := checkSymlink(path, fi); err != nil {
			return nil, "", false, err
		}
		if i == maxSymlinks {
			return nil, "", false, fmt.Errorf("capture: %s: too many levels of symbolic links", name)
		}
		link, err := os.Readlink(path)
		if err != nil {
			return nil, "", false, fmt.Errorf("capture: %w", err)
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".xtrace-*")
	if err != nil {
		return nil, "", false, fmt.Errorf("capture: creating %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, "", false, fmt.Errorf("capture: creating %s: %w", name, err)
	}
	return tmp, path, true, nil
}

// checkSymlink refuses the symbolic link path (described by fi) where the
// kernel's protected_symlinks would refuse to follow it: in a sticky
// world-writable directory, a link owned by neither the caller nor the
// directory's owner.
func checkSymlink(path string, fi os.FileInfo) error {
	dir := filepath.Dir(path)
	dfi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	if dfi.Mode()&os.ModeSticky == 0 || dfi.Mode().Perm()&0o002 == 0 {
		return nil
	}
	link, dirOwner := fileOwner(fi), fileOwner(dfi)
	if link == uint32(os.Geteuid()) || link == dirOwner {
		return nil
	}
	return fmt.Errorf("capture: refusing to follow %s, a symbolic link of uid %d in the sticky world-writable directory %s (as protected_symlinks would)", path, link, dir)
}

// fileOwner returns the uid owning the file fi describes.
func fileOwner(fi os.FileInfo) uint32 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Uid
	}
	return 0
}

// countWriter counts the (compressed) bytes reaching the file.
type countWriter struct{ c *File }

func (w countWriter) Write(p []byte) (int, error) {
	n, err := w.c.f.Write(p)
	w.c.off += int64(n)
	return n, err
}

// Name returns the file's name.
func (c *File) Name() string { return c.name }

// WriteHeader writes the section header and metadata blocks and commits
// them (as a gzip member of their own with members).
func (c *File) WriteHeader(h *scap.Header) error {
	before := c.sw.Bytes()
	if err := c.sw.WriteHeader(h); err != nil {
		return c.fail(err)
	}
	// sysdig writes the header in small pieces (none reaches zlib's
	// 8 KiB buffer).
	c.zoff.small(c.sw.Bytes() - before)
	return c.commit(true)
}

// WriteEvent adds one event (v2 layout) with its cpu and dump flags; it
// reaches the file at the next Commit.
func (c *File) WriteEvent(cpu uint16, flags uint32, raw []byte) error {
	if c.done || c.err != nil {
		return c.err
	}
	if err := c.sw.WriteRaw(cpu, flags, raw); err != nil {
		return c.fail(err)
	}
	// sysdig's scap_dump writes the block header, the cpu, the flags,
	// the event, the padding and the trailer in separate gzwrite calls.
	head := int64(8 + 2)
	if flags != 0 {
		head += 4
	}
	c.zoff.small(head)
	if n := int64(len(raw)); n >= zlibBuf {
		c.zoff.big(n)
	} else {
		c.zoff.small(n)
	}
	c.zoff.small(int64((4-(2+len(raw))%4)%4) + 4)
	return nil
}

// Commit moves the events added so far to the file.
func (c *File) Commit() error {
	if c.done {
		return c.err
	}
	return c.commit(false)
}

// commit writes the accumulated blocks; closeMember forces the end of the
// current gzip member (with members).
func (c *File) commit(closeMember bool) error {
	if c.err != nil {
		return c.err
	}
	if err := c.sw.Flush(); err != nil {
		return c.fail(err)
	}
	data := c.acc.Bytes()
	defer c.acc.Reset()
	for len(data) > 0 {
		n, events := 0, int64(0)
		for n < len(data) && n < chunk {
			if len(data)-n < 8 {
				n = len(data)
				break
			}
			switch binary.LittleEndian.Uint32(data[n:]) {
			case scap.BlockEVv2, scap.BlockEVFv2, scap.BlockEVv2Big, scap.BlockEVFv2Big:
				events++
			}
			n += int(binary.LittleEndian.Uint32(data[n+4:]))
		}
		if n > len(data) {
			n = len(data)
		}
		if err := c.put(data[:n], events); err != nil {
			return err
		}
		data = data[n:]
	}
	if c.gz == nil || !c.members {
		return nil
	}
	if closeMember || time.Since(c.member) >= memberEvery || c.inMem >= memberBytes {
		if err := c.gz.Close(); err != nil {
			return c.fail(err)
		}
		c.good, c.goodEvents, c.pending = c.off, c.goodEvents+c.pending, 0
		c.gz.Reset(countWriter{c})
		c.member, c.inMem = time.Now(), 0
		return nil
	}
	// Sync the member so that the file decompresses up to here.
	if err := c.gz.Flush(); err != nil {
		return c.fail(err)
	}
	return nil
}

// put writes whole blocks holding events events.
func (c *File) put(p []byte, events int64) error {
	c.events += events
	if c.gz == nil {
		if _, err := (countWriter{c}).Write(p); err != nil {
			return c.fail(err)
		}
		c.good, c.goodEvents = c.off, c.events
		return nil
	}
	c.inMem += len(p)
	c.pending += events
	if _, err := c.gz.Write(p); err != nil {
		return c.fail(err)
	}
	return nil
}

// fail remembers a write error and cuts the file back to its last clean
// point.
func (c *File) fail(err error) error {
	if c.err == nil {
		c.err = err
		if c.gz == nil || c.members {
			c.f.Truncate(c.good)
		}
	}
	return c.err
}

// Err returns the error that stopped the file, if any.
func (c *File) Err() error { return c.err }

// Offset returns what sysdig's scap_dump_get_offset (zlib's gzoffset)
// would report for this file, which -C compares with its limit: for a
// plain file the bytes zlib has passed to the file so far (it buffers 8
// KiB in transparent mode), for a gzip file the compressed bytes written.
func (c *File) Offset() int64 {
	if c.gz != nil {
		return c.off
	}
	return c.zoff.off
}

// Size returns the bytes written to the file so far.
func (c *File) Size() int64 { return c.off }

// Events returns the number of events committed to the file.
func (c *File) Events() int64 { return c.events }

// Kept returns how many events the file holds for sure (before its last
// clean point).
func (c *File) Kept() int64 { return c.goodEvents }

// Finish writes what is pending and ends the last gzip member; the file
// stays open. Later writes are ignored.
func (c *File) Finish() error {
	if c.done {
		return c.err
	}
	c.done = true
	if c.err != nil {
		return c.err
	}
	if err := c.commit(true); err != nil {
		return err
	}
	if c.gz != nil {
		if c.members {
			// commit closed the member and started a new, empty
			// one: drop it by not closing it again.
			c.gz = nil
			return nil
		}
		if err := c.gz.Close(); err != nil {
			return c.fail(err)
		}
		c.good, c.goodEvents = c.off, c.events
		c.gz = nil
	}
	return nil
}

// Close finishes and closes the file.
func (c *File) Close() error {
	err := c.Finish()
	if cerr := c.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("capture: closing %s: %w", c.name, cerr)
	}
	return err
}

// Created reports whether Create made a new file (rather than opening a
// device or fifo that was there).
func (c *File) Created() bool { return c.created }

// Abort closes the file and removes it if Create made it.
func (c *File) Abort() {
	c.f.Close()
	if c.created {
		os.Remove(c.path)
	}
}

// zlibBuf is zlib's gz buffer size (GZBUFSIZE): gzwrite copies writes
// smaller than this into its buffer and passes larger ones straight on.
const zlibBuf = 8192

// zlibOffset follows the file offset of a zlib gzFile opened "wbT"
// (transparent: no compression), which is how sysdig writes plain
// captures: a write smaller than the buffer is copied into it, and the
// buffer goes to the file when it is full and more bytes come; a larger
// write first empties the buffer, then goes to the file directly.
type zlibOffset struct {
	off  int64 // bytes in the file
	have int64 // bytes in the buffer
}

func (z *zlibOffset) small(n int64) {
	for n > 0 {
		cp := min(zlibBuf-z.have, n)
		z.have += cp
		n -= cp
		if n > 0 {
			z.off += z.have
			z.have = 0
		}
	}
}

func (z *zlibOffset) big(n int64) {
	z.off += z.have + n
	z.have = 0
}
