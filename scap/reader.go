package scap

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/klauspost/compress/gzip"

	"xtrace/event"
)

// Reader reads a capture block by block. Create it with NewReader, which
// reads the first section's header; then call Next until it returns io.EOF.
// After the first error every call returns that error.
//
// Blocks are read straight into one large buffer and handed out as slices
// of it, so an event costs no copy between the file and the decoder.
type Reader struct {
	src     io.Reader
	srcErr  error  // sticky error of src
	buf     []byte // input read so far is buf[:wpos]
	rest    []byte // the unread part of it, which ends at wpos
	wpos    int
	off     int64 // offset of the next unread byte
	blkOff  int64 // offset of the block being decoded
	hdr     *Header
	section int
	err     error

	pending    bool // a block header was read but not its body
	pendingTyp uint32
	pendingLen uint32

	empty int // consecutive empty reads from src

	conv []byte // v1 event converted to v2, reused
	ev   Event

	// compat returns generic events as sysdig 0.29.3 reads them
	// (SetSysdigCompat).
	compat bool

	// pf reads (and inflates) the input ahead of Next on another
	// goroutine, or is nil; chunk is its buffer rest is in, big the
	// buffer of blocks larger than a chunk's head room.
	pf    *prefetcher
	chunk []byte
	big   []byte
	// gzip is set for compressed input (offsets are then decompressed
	// ones); copied counts the bytes fillPrefetched moved between
	// buffers, which stays linear in the input (TestLargeBlockBounds).
	gzip   bool
	copied int64
}

// readBufSize is the size of the read buffer: large enough that reads
// from a file are few and most blocks are whole in it. A block larger
// than the buffer grows it.
const readBufSize = 256 << 10

// NewReader returns a Reader for the capture in r, which may be
// gzip-compressed (one or several concatenated members). It reads the
// section header and the metadata blocks up to the first event.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{src: r, buf: make([]byte, readBufSize)}
	rd.fill(2)
	if rd.wpos >= 2 && rd.buf[0] == 0x1f && rd.buf[1] == 0x8b {
		// The bytes read so far are the start of the gzip stream.
		head := bytes.NewReader(append([]byte(nil), rd.buf[:rd.wpos]...))
		var in io.Reader = head
		if rd.srcErr == nil {
			in = io.MultiReader(head, r)
		} else if rd.srcErr != io.EOF {
			in = io.MultiReader(head, errReader{rd.srcErr})
		}
		zr, err := gzip.NewReader(bufio.NewReaderSize(in, 1<<16))
		if err != nil {
			return nil, &FormatError{Msg: "reading gzip header", Err: err}
		}
		// Inflating costs more than the rest of a filtered replay:
		// it runs on a goroutine of its own. (Plain input is not
		// read ahead that way: the read system calls cost less than
		// handing chunks between goroutines does.)
		rd.pf, rd.gzip = newPrefetcher(zr), true
		runtime.AddCleanup(rd, (*prefetcher).close, rd.pf)
		rd.src, rd.srcErr, rd.rest, rd.wpos = zr, nil, rd.buf[:0], 0
	}
	if err := rd.readSection(true); err != nil {
		rd.err = err
		rd.Close()
		return nil, err
	}
	return rd, nil
}

// Close releases what the Reader holds besides memory: the goroutine that
// reads and decompresses the input ahead of Next (it also goes away when
// the Reader is garbage collected). It does not close the underlying
// reader. Next returns an error after Close.
func (r *Reader) Close() error {
	if r.pf != nil {
		r.pf.close()
		r.pf = nil
	}
	if r.err == nil {
		r.err = errClosed
	}
	return nil
}

var errClosed = errors.New("scap: reader closed")

// errReader returns err from every Read.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// fill makes at least n bytes available in rest, reading from
// src; it returns false (with srcErr set) when the input ends or fails
// first. The buffer grows for blocks larger than it, by at most
// growStep at a time, so a corrupt length on a short input fails before
// the whole length is allocated.
func (r *Reader) fill(n int) bool {
	if r.pf != nil {
		return r.fillPrefetched(n)
	}
	const growStep = 1 << 20
	for len(r.rest) < n {
		if r.srcErr != nil {
			return false
		}
		rpos := r.wpos - len(r.rest)
		if len(r.buf)-rpos < n {
			if rpos > 0 {
				r.wpos = copy(r.buf, r.rest)
				rpos = 0
			}
			if len(r.buf) < n && r.wpos == len(r.buf) {
				grow := min(n-len(r.buf), max(len(r.buf), growStep))
				// Exactly this size (append would round up by a
				// quarter): the buffer stays within the block.
				grown := make([]byte, len(r.buf)+grow)
				copy(grown, r.buf[:r.wpos])
				r.buf = grown
			}
		}
		got, err := r.src.Read(r.buf[r.wpos:])
		r.wpos += got
		r.rest = r.buf[rpos:r.wpos]
		if err != nil {
			r.srcErr = err
		} else if got == 0 {
			r.empty++
			if r.empty >= 100 {
				r.srcErr = io.ErrNoProgress
			}
		} else {
			r.empty = 0
		}
	}
	return true
}

// Compressed reports whether the capture is gzip-compressed: offsets are
// then offsets in the decompressed stream.
func (r *Reader) Compressed() bool { return r.gzip }

// Header returns the metadata of the current section. A new section (a
// second SHB in the stream) replaces it; see Section.
func (r *Reader) Header() *Header { return r.hdr }

// Section returns the number of the current section, starting at 0. It
// changes when Next crosses a section header.
func (r *Reader) Section() int { return r.section }

// Offset returns the byte offset, in the decompressed stream, of the block
// read last.
func (r *Reader) Offset() int64 { return r.blkOff }

// Next returns the next event. At a clean end of the capture it returns
// io.EOF. Event types this version does not know are skipped, as sysdig
// skips them. The returned Event and its byte slices are reused by the
// next call.
func (r *Reader) Next() (*Event, error) {
	ev := r.nextFast()
	if ev == nil {
		if r.err != nil {
			return nil, r.err
		}
		var err error
		if ev, err = r.next(); err != nil {
			r.err = err
			return nil, err
		}
	}
	if ev.Type <= event.GenericX && !r.compat {
		ev.promote()
	}
	return ev, nil
}

// SetSysdigCompat decides how generic events that carry xtrace's extra
// parameters are returned: as sysdig 0.29.3 reads them (on: generic
// events with their ID only) or, by default, as the extended event type
// of their syscall, with its result and arguments (see [Event] and
// event.ExtendedType).
func (r *Reader) SetSysdigCompat(on bool) { r.compat = on }

func (r *Reader) next() (*Event, error) {
	for {
		typ, total, err := r.blockHeader()
		if err != nil {
			return nil, err
		}
		if typ == BlockSHB {
			r.pending, r.pendingTyp, r.pendingLen = true, typ, total
			if err := r.readSection(false); err != nil {
				return nil, err
			}
			r.section++
			continue
		}
		if !isEventBlock(typ) {
			return nil, r.formatErr(BlockName(typ), fmt.Sprintf("unexpected block type %#x after the first event", typ), nil)
		}
		v2 := typ == BlockEVv2 || typ == BlockEVFv2 || typ == BlockEVv2Big || typ == BlockEVFv2Big
		large := typ == BlockEVv2Big || typ == BlockEVFv2Big
		flagged := typ == BlockEVFv1 || typ == BlockEVFv2 || typ == BlockEVFv2Big
		hdrLen := uint32(evtHeaderLen)
		if !v2 {
			hdrLen -= 4
		}
		if total < 8+hdrLen+4 {
			return nil, r.formatErr(BlockName(typ), fmt.Sprintf("block length %d too short for an event", total), nil)
		}
		bodyLen := total - 8
		if !large && bodyLen > maxEventBlockBody {
			return nil, r.formatErr(BlockName(typ), fmt.Sprintf("event block length %d exceeds the %d-byte limit of non-large blocks", total, maxEventBlockBody+8), nil)
		}
		body, err := r.readBody(int(bodyLen), typ)
		if err != nil {
			return nil, err
		}
		pos := 2
		ev := &r.ev
		ev.Offset = r.blkOff
		ev.CPU = binary.LittleEndian.Uint16(body)
		ev.DumpFlags = 0
		if flagged {
			if len(body) < 6 {
				return nil, r.formatErr(BlockName(typ), "event block too short for its flags", nil)
			}
			ev.DumpFlags = binary.LittleEndian.Uint32(body[2:])
			pos = 6
		}
		raw := body[pos:]
		if len(raw) < int(hdrLen) {
			return nil, r.formatErr(BlockName(typ), "event block too short for an event header", nil)
		}
		if event.Type(binary.LittleEndian.Uint16(raw[20:])) >= event.SysdigTypes {
			continue
		}
		if !v2 {
			r.conv, err = convertV1(r.conv, raw)
			if err != nil {
				return nil, r.formatErr(BlockName(typ), err.Error(), nil)
			}
			raw = r.conv
		}
		if err := ev.decode(raw); err != nil {
			return nil, r.formatErr(BlockName(typ), err.Error(), nil)
		}
		return ev, nil
	}
}

// nextFast returns the next event when it is the common case: a plain or
// flagged v2 event block, whole in the buffer, of a known type with 2-byte
// parameter lengths, whose lengths all check out. Otherwise it returns nil
// having consumed nothing, and the general path (next) reads the block,
// reporting any error.
func (r *Reader) nextFast() *Event {
	b := r.rest
	// The smallest v2 event block: header, cpuid, event header, trailer,
	// rounded to 4. The fixed-size views below (h, eh) let the header
	// fields be read without a bounds check each.
	const minTotal = (8 + 2 + evtHeaderLen + 4 + 3) &^ 3
	if len(b) < minTotal || r.pending || r.err != nil {
		return nil
	}
	h := (*[minTotal]byte)(b)
	typ := binary.LittleEndian.Uint32(h[0:4])
	total := binary.LittleEndian.Uint32(h[4:8])
	if typ|1 != BlockEVFv2 || total%4 != 0 || total < minTotal || total > maxEventBlockBody+8 || int(total) > len(b) {
		return nil // not a plain or flagged v2 event block whole in b
	}
	var flags uint32
	var eh *[evtHeaderLen]byte
	hoff := uint32(8 + 2)
	if typ == BlockEVFv2 {
		if total < minTotal+4 {
			return nil
		}
		flags = binary.LittleEndian.Uint32(h[10:14])
		hoff = 8 + 2 + 4
		eh = (*[evtHeaderLen]byte)(h[14:])
	} else {
		eh = (*[evtHeaderLen]byte)(h[10:])
	}
	evLen := binary.LittleEndian.Uint32(eh[16:20])
	et := event.Type(binary.LittleEndian.Uint16(eh[20:22]))
	nparams := binary.LittleEndian.Uint32(eh[22:26])
	if et >= event.SysdigTypes || evLen < evtHeaderLen || evLen > total-hoff {
		return nil
	}
	pl := paramLayouts[et]
	if pl.large || nparams > (evLen-evtHeaderLen)/2 {
		return nil
	}
	load := min(int(nparams), int(pl.n), maxParams)
	raw := b[hoff : hoff+evLen]
	ev := &r.ev
	off := evtHeaderLen + 2*nparams
	lens := raw[evtHeaderLen:off]
	ps := ev.offs[:load+1]
	ps[0] = off
	for i := 1; i < len(ps); i++ {
		l := uint32(lens[2*i-2]) | uint32(lens[2*i-1])<<8
		if l > evLen-off {
			return nil
		}
		off += l
		ps[i] = off
	}
	ev.nparams = load
	ev.raw = raw
	ev.Offset = r.off
	ev.CPU = binary.LittleEndian.Uint16(h[8:10])
	ev.DumpFlags = flags
	ev.TS = binary.LittleEndian.Uint64(eh[0:8])
	ev.TID = int64(binary.LittleEndian.Uint64(eh[8:16]))
	ev.Type = et
	r.blkOff = r.off
	r.rest = b[total:]
	r.off += int64(total)
	return ev
}

// blockHeader returns the type and total length of the next block,
// io.EOF at a clean end.
func (r *Reader) blockHeader() (typ, total uint32, err error) {
	if r.pending {
		r.pending = false
		return r.pendingTyp, r.pendingLen, nil
	}
	r.blkOff = r.off
	if !r.fill(8) {
		got := len(r.rest)
		r.rest = r.rest[got:]
		r.off += int64(got)
		if got == 0 && r.srcErr == io.EOF {
			return 0, 0, io.EOF
		}
		return 0, 0, r.readErr("", "block header", 8, got, r.srcErr)
	}
	h := r.rest[:8]
	r.rest = r.rest[8:]
	r.off += 8
	typ = binary.LittleEndian.Uint32(h)
	total = binary.LittleEndian.Uint32(h[4:])
	if total < 12 || total%4 != 0 {
		return 0, 0, r.formatErr(BlockName(typ), fmt.Sprintf("invalid block length %d", total), nil)
	}
	if total > MaxBlockLen {
		return 0, 0, r.formatErr(BlockName(typ), fmt.Sprintf("block length %d exceeds the %d-byte limit", total, MaxBlockLen), ErrTooLarge)
	}
	return typ, total, nil
}

// readBody returns the next n bytes (a block body with its padding and
// trailer), a slice of the read buffer valid until the next read.
func (r *Reader) readBody(n int, typ uint32) ([]byte, error) {
	if !r.fill(n) {
		got := len(r.rest)
		r.rest = r.rest[got:]
		r.off += int64(got)
		err := r.srcErr
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, r.readErr(BlockName(typ), "block body", n, got, err)
	}
	body := r.rest[:n:n]
	r.rest = r.rest[n:]
	r.off += int64(n)
	return body, nil
}

func (r *Reader) readErr(block, what string, want, got int, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return r.formatErr(block, fmt.Sprintf("truncated: %s needs %d bytes, only %d left", what, want, got), ErrTruncated)
	}
	return r.formatErr(block, "reading "+what, err)
}

func (r *Reader) formatErr(block, msg string, err error) error {
	return &FormatError{Offset: r.blkOff, Decompressed: r.gzip, Block: block, Msg: msg, Err: err}
}

// readSection reads a section header block and the metadata that follows,
// stopping before the first event block.
func (r *Reader) readSection(first bool) error {
	typ, total, err := r.blockHeader()
	if err == io.EOF {
		return r.formatErr("", "empty file", ErrNotScap)
	}
	if err != nil {
		if first && errors.Is(err, ErrTruncated) {
			return r.formatErr("", "file too short for a section header", ErrNotScap)
		}
		if first {
			return r.formatErr("", "not a scap capture (no section header block)", ErrNotScap)
		}
		return err
	}
	if typ != BlockSHB {
		return r.formatErr("", fmt.Sprintf("not a scap capture: first block type %#x is not a section header", typ), ErrNotScap)
	}
	if total < 28 {
		return r.formatErr("SHB", fmt.Sprintf("section header length %d, want at least 28", total), nil)
	}
	body, err := r.readBody(int(total-8), typ)
	if err != nil {
		return err
	}
	if magic := binary.LittleEndian.Uint32(body); magic != byteOrderMagic {
		return r.formatErr("SHB", fmt.Sprintf("invalid byte-order magic %#x", magic), ErrNotScap)
	}
	h := &Header{
		Major: binary.LittleEndian.Uint16(body[4:]),
		Minor: binary.LittleEndian.Uint16(body[6:]),
	}
	if h.Major > 1 {
		return r.formatErr("SHB", fmt.Sprintf("unsupported format version %d.%d", h.Major, h.Minor), nil)
	}
	if tr := binary.LittleEndian.Uint32(body[len(body)-4:]); tr != total {
		return r.formatErr("SHB", fmt.Sprintf("block length %d does not match its trailer %d", total, tr), nil)
	}
	r.hdr = h
	var tids tidSet
	for {
		typ, total, err := r.blockHeader()
		if err == io.EOF {
			return r.formatErr("", "section has no event", ErrNoEvents)
		}
		if err != nil {
			return err
		}
		if isEventBlock(typ) || typ == BlockSHB {
			if typ == BlockSHB {
				return r.formatErr("SHB", "section has no event", ErrNoEvents)
			}
			r.pending, r.pendingTyp, r.pendingLen = true, typ, total
			return nil
		}
		name := BlockName(typ)
		body, err := r.readBody(int(total-8), typ)
		if err != nil {
			return err
		}
		if tr := binary.LittleEndian.Uint32(body[len(body)-4:]); tr != total {
			return r.formatErr(name, fmt.Sprintf("block length %d does not match its trailer %d", total, tr), nil)
		}
		body = body[:len(body)-4]
		var msg string
		switch name {
		case "MI":
			if len(body) != machineInfoSz {
				if l := len(body); l < machineInfoSz || l > machineInfoSz+3 {
					msg = fmt.Sprintf("machine info block body is %d bytes, want %d", l, machineInfoSz)
					break
				}
			}
			h.Machine, msg = parseMachineInfo(body)
		case "XT":
			h.Recorder = strings.TrimRight(string(body), "\x00")
		case "PL":
			h.Procs, msg = parseProcs(body, typ, h.Procs)
		case "FDL":
			var l FDList
			l, msg = parseFDList(body, typ)
			if msg == "" && !tids.has(h, l.TID) {
				msg = fmt.Sprintf("fd list references tid %d, which is not in the process list", l.TID)
			}
			h.FDs = append(h.FDs, l)
		case "IL":
			h.Interfaces, msg = parseInterfaces(body, typ)
			h.HasIL = true
		case "UL":
			h.Users, h.Groups = h.Users[:0], h.Groups[:0]
			h.Users, h.Groups, msg = parseUsers(body, typ, h.Users, h.Groups)
			h.HasUL = true
		default:
			// Unknown metadata blocks are skipped, as sysdig does.
		}
		if msg != "" {
			return r.formatErr(name, msg, nil)
		}
	}
}

// tidSet answers "is this tid in the process list" for FDL blocks, indexing
// the process entries read so far.
type tidSet struct {
	seen    map[uint64]bool
	indexed int
}

func (s *tidSet) has(h *Header, tid uint64) bool {
	if s.seen == nil {
		s.seen = make(map[uint64]bool, len(h.Procs))
	}
	for ; s.indexed < len(h.Procs); s.indexed++ {
		s.seen[uint64(h.Procs[s.indexed].TID)] = true
	}
	return s.seen[tid]
}
