package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
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

// Create creates (or truncates) the file name with mode 0600 and returns
// it, ready for WriteHeader.
func Create(name string, compress, members bool) (*File, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	c := &File{name: name, f: f, members: members, member: time.Now()}
	if compress {
		c.gz, _ = gzip.NewWriterLevel(countWriter{c}, gzipLevel) // the level is valid
	}
	c.sw = scap.NewWriter(&c.acc)
	return c, nil
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
		err = fmt.Errorf("closing %s: %w", c.name, cerr)
	}
	return err
}

// Abort closes and removes the file.
func (c *File) Abort() {
	c.f.Close()
	os.Remove(c.name)
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
