package scap

import (
	"errors"
	"fmt"
)

// Block types. The 0x…ABCD values are pre-release aliases that old
// captures may contain: they are read, never written.
const (
	BlockSHB = 0x0A0D0D0A // section header

	BlockMI    = 0x201 // machine info
	BlockMIInt = 0x8002ABCD

	BlockPLv1    = 0x202 // process list, by version
	BlockPLv1Int = 0x8000ABCD
	BlockPLv2    = 0x207
	BlockPLv2Int = 0x8013ABCD
	BlockPLv3    = 0x209
	BlockPLv3Int = 0x8014ABCD
	BlockPLv4    = 0x210
	BlockPLv5    = 0x211
	BlockPLv6    = 0x212
	BlockPLv7    = 0x213
	BlockPLv8    = 0x214
	BlockPLv9    = 0x215

	BlockFDLv1    = 0x203 // fd list
	BlockFDLv1Int = 0x8001ABCD
	BlockFDLv2    = 0x218

	BlockEVv1     = 0x204 // event without nparams
	BlockEVv1Int  = 0x8010ABCD
	BlockEVFv1    = 0x208 // event with flags, without nparams
	BlockEVv2     = 0x216 // event
	BlockEVFv2    = 0x217 // event with flags
	BlockEVv2Big  = 0x221 // event with 32-bit param lengths
	BlockEVFv2Big = 0x222

	// BlockXtrace is xtrace's own metadata block (Header.Recorder), a
	// type no sysdig version uses: sysdig and tshark skip it before the
	// first event.
	BlockXtrace = 0x58540001

	BlockILv1    = 0x205 // interface list
	BlockILv1Int = 0x8011ABCD
	BlockILv2    = 0x219

	BlockULv1    = 0x206 // user list
	BlockULv1Int = 0x8012ABCD
	BlockULv2    = 0x220
)

// byteOrderMagic is the SHB's byte-order magic as read little-endian.
const byteOrderMagic = 0x1A2B3C4D

// maxEventBlockBody is the largest body (block length minus the 8-byte
// header) sysdig accepts for a non-large event block.
const maxEventBlockBody = 1 << 16

// MaxBlockLen is the largest block, header and trailer included, a
// Reader accepts; a longer declared length is an error before any of the
// block is read. sysdig 0.29.3 (libscap of March 2022) bounds non-large
// event blocks at 64 KiB (READER_BUF_SIZE, see maxEventBlockBody) and
// reads every other block with one gzread call, which refuses lengths
// over INT_MAX ("request does not fit in an int"): 2 GiB is its limit.
// xtrace follows the first and lowers the second to 256 MiB, so that the
// memory one block costs stays bounded (a Reader holds at most one
// block, plus its read-ahead); the largest blocks sysdig writes (process
// lists, container JSON events) are a few MiB.
const MaxBlockLen = 256 << 20

// maxEventLen is the largest event (header, lengths and values) that fits
// in a non-large event block.
const maxEventLen = maxEventBlockBody - 4 /* trailer */ - 2 /* cpuid */

// isEventBlock reports whether t is one of the event block types.
func isEventBlock(t uint32) bool {
	switch t {
	case BlockEVv1, BlockEVv1Int, BlockEVFv1, BlockEVv2, BlockEVFv2, BlockEVv2Big, BlockEVFv2Big:
		return true
	}
	return false
}

// BlockName returns a short name for a block type, for error messages.
func BlockName(t uint32) string {
	switch t {
	case BlockSHB:
		return "SHB"
	case BlockMI, BlockMIInt:
		return "MI"
	case BlockPLv1, BlockPLv1Int, BlockPLv2, BlockPLv2Int, BlockPLv3, BlockPLv3Int,
		BlockPLv4, BlockPLv5, BlockPLv6, BlockPLv7, BlockPLv8, BlockPLv9:
		return "PL"
	case BlockFDLv1, BlockFDLv1Int, BlockFDLv2:
		return "FDL"
	case BlockILv1, BlockILv1Int, BlockILv2:
		return "IL"
	case BlockULv1, BlockULv1Int, BlockULv2:
		return "UL"
	case BlockEVv1, BlockEVv1Int, BlockEVv2, BlockEVv2Big:
		return "EV"
	case BlockEVFv1, BlockEVFv2, BlockEVFv2Big:
		return "EVF"
	case BlockXtrace:
		return "XT"
	}
	return fmt.Sprintf("block type %#x", t)
}

var (
	// ErrTruncated is matched (with errors.Is) by every error about a
	// capture that ends in the middle of a block.
	ErrTruncated = errors.New("capture is truncated")
	// ErrNotScap is matched by the error for input that does not start
	// with a section header block.
	ErrNotScap = errors.New("not a scap capture")
	// ErrNoEvents is matched when a section holds no event block.
	ErrNoEvents = errors.New("no events in file")
	// ErrTooLarge is matched when a block declares a length over
	// MaxBlockLen.
	ErrTooLarge = errors.New("block too large")
)

// FormatError reports a malformed capture: which block, where, and what.
type FormatError struct {
	// Offset is the byte offset of the block in the capture stream: in
	// the decompressed stream for a gzip capture (see Decompressed).
	Offset int64
	// Decompressed is set when the capture is gzip-compressed: Offset
	// then counts decompressed bytes, and Error says so.
	Decompressed bool
	// Block names the block kind ("PL", "EV", ...) or is empty before the
	// first block.
	Block string
	// Msg says what is wrong.
	Msg string
	// Err is the underlying cause, if any (ErrTruncated, an I/O error).
	Err error
}

func (e *FormatError) Error() string {
	s := fmt.Sprintf("scap: offset %d", e.Offset)
	if e.Decompressed {
		s += " of the decompressed stream"
	}
	if e.Block != "" {
		s += " (" + e.Block + " block)"
	}
	s += ": " + e.Msg
	if e.Err != nil && !errors.Is(e.Err, ErrTruncated) && !errors.Is(e.Err, ErrNotScap) && !errors.Is(e.Err, ErrNoEvents) && !errors.Is(e.Err, ErrTooLarge) {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }
