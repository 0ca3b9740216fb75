package scap

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"xtrace/event"
)

// Writer writes a capture in the layout sysdig 0.29.3 writes: SHB 1.2, MI,
// IL v2, UL v2, PL v9, FDL v2, then EV v2 blocks (EVF v2 for flagged
// events, the large variants for large-payload event types). Every block is
// handed to the underlying writer whole; call Flush to push buffered blocks
// out and Close at the end. After the first error every call returns it.
type Writer struct {
	w      *bufio.Writer
	blk    []byte // block being assembled, reused
	err    error
	events int64
	bytes  int64
}

// NewWriter returns a Writer that writes to w. Nothing is written until
// WriteHeader.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 1<<16)}
}

// Events returns the number of event blocks written so far.
func (w *Writer) Events() int64 { return w.events }

// Bytes returns the number of bytes written so far (before any
// compression the underlying writer applies).
func (w *Writer) Bytes() int64 { return w.bytes }

// WriteHeader writes the section header and the metadata blocks of h. The
// SHB version is always 1.2. Blocks for empty parts are left out, except
// that an FDL block is written for every fd list in h.
func (w *Writer) WriteHeader(h *Header) error {
	if w.err != nil {
		return w.err
	}
	b := w.begin(BlockSHB)
	b = binary.LittleEndian.AppendUint32(b, byteOrderMagic)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint64(b, ^uint64(0))
	w.end(b)
	if h == nil {
		return w.err
	}
	if h.Recorder != "" {
		w.end(append(w.begin(BlockXtrace), h.Recorder...))
	}
	if h.Machine != nil {
		w.end(appendMachineInfo(w.begin(BlockMI), h.Machine))
	}
	if len(h.Interfaces) > 0 || h.HasIL {
		w.end(appendInterfaces(w.begin(BlockILv2), h.Interfaces))
	}
	if len(h.Users) > 0 || len(h.Groups) > 0 || h.HasUL {
		w.end(appendUsers(w.begin(BlockULv2), h.Users, h.Groups))
	}
	if len(h.Procs) > 0 {
		b := w.begin(BlockPLv9)
		for i := range h.Procs {
			b = appendProc(b, &h.Procs[i])
		}
		w.end(b)
	}
	for i := range h.FDs {
		b := w.begin(BlockFDLv2)
		b = binary.LittleEndian.AppendUint64(b, h.FDs[i].TID)
		for j := range h.FDs[i].FDs {
			b = appendFD(b, &h.FDs[i].FDs[j])
		}
		w.end(b)
	}
	return w.err
}

// WriteEvent writes an event read from a capture, keeping its cpu and dump
// flags.
func (w *Writer) WriteEvent(ev *Event) error {
	return w.WriteRaw(ev.CPU, ev.DumpFlags, ev.Raw())
}

// WriteRaw writes one event given in v2 layout (header with nparams, length
// array, values; see Encoder). A non-zero flags value selects an EVF block.
func (w *Writer) WriteRaw(cpu uint16, flags uint32, raw []byte) error {
	if w.err != nil {
		return w.err
	}
	if len(raw) < evtHeaderLen {
		return w.fail(errors.New("scap: event shorter than its header"))
	}
	typ := event.Type(binary.LittleEndian.Uint16(raw[20:]))
	large := false
	if d := event.Info(typ); d != nil && d.Flags&event.LargePayload != 0 {
		large = true
	}
	if !large && len(raw) > maxEventLen-4*boolInt(flags != 0) {
		return w.fail(fmt.Errorf("scap: %s event of %d bytes exceeds the %d-byte block limit", typeName(typ), len(raw), maxEventLen))
	}
	var bt uint32
	switch {
	case flags == 0 && !large:
		bt = BlockEVv2
	case flags == 0:
		bt = BlockEVv2Big
	case !large:
		bt = BlockEVFv2
	default:
		bt = BlockEVFv2Big
	}
	b := w.begin(bt)
	b = binary.LittleEndian.AppendUint16(b, cpu)
	if flags != 0 {
		b = binary.LittleEndian.AppendUint32(b, flags)
	}
	b = append(b, raw...)
	w.end(b)
	w.events++
	return w.err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Flush writes buffered blocks to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.w.Flush(); err != nil {
		return w.fail(fmt.Errorf("scap: writing: %w", err))
	}
	return nil
}

// Close flushes the writer. It does not close the underlying writer.
func (w *Writer) Close() error { return w.Flush() }

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return w.err
}

// begin starts a block of type t in the reusable buffer.
func (w *Writer) begin(t uint32) []byte {
	b := w.blk[:0]
	b = binary.LittleEndian.AppendUint32(b, t)
	return binary.LittleEndian.AppendUint32(b, 0)
}

// end pads the block, fills in both lengths and writes it.
func (w *Writer) end(b []byte) {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	total := uint32(len(b) + 4)
	binary.LittleEndian.PutUint32(b[4:], total)
	b = binary.LittleEndian.AppendUint32(b, total)
	w.blk = b
	if w.err != nil {
		return
	}
	if _, err := w.w.Write(b); err != nil {
		w.fail(fmt.Errorf("scap: writing: %w", err))
		return
	}
	w.bytes += int64(len(b))
}

func appendStr16(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func appendMachineInfo(b []byte, mi *MachineInfo) []byte {
	b = binary.LittleEndian.AppendUint32(b, mi.NumCPUs)
	b = binary.LittleEndian.AppendUint64(b, mi.MemoryBytes)
	b = binary.LittleEndian.AppendUint64(b, mi.MaxPID)
	var host [128]byte
	copy(host[:127], mi.Hostname)
	b = append(b, host[:]...)
	for _, r := range mi.Reserved {
		b = binary.LittleEndian.AppendUint64(b, r)
	}
	return b
}

func appendInterfaces(b []byte, ifs []Interface) []byte {
	// IPv4 entries first, then IPv6, as sysdig writes them.
	for pass := 0; pass < 2; pass++ {
		for i := range ifs {
			itf := &ifs[i]
			v6 := itf.Type == IfIPv6
			if v6 != (pass == 1) {
				continue
			}
			alen := 4
			if v6 {
				alen = 16
			}
			b = binary.LittleEndian.AppendUint32(b, uint32(4+3*alen+8+len(itf.Name)))
			b = binary.LittleEndian.AppendUint16(b, itf.Type)
			b = binary.LittleEndian.AppendUint16(b, uint16(len(itf.Name)))
			b = appendIP(b, itf.Addr, alen)
			b = appendIP(b, itf.Netmask, alen)
			b = appendIP(b, itf.Bcast, alen)
			b = binary.LittleEndian.AppendUint64(b, itf.LinkSpeed)
			b = append(b, itf.Name...)
		}
	}
	return b
}

// appendIP appends exactly n bytes of ip (zero-filled if shorter).
func appendIP(b, ip []byte, n int) []byte {
	var z [16]byte
	copy(z[:n], ip)
	return append(b, z[:n]...)
}

func appendUsers(b []byte, users []User, groups []Group) []byte {
	for i := range users {
		u := &users[i]
		start := len(b)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = append(b, 0)
		b = binary.LittleEndian.AppendUint32(b, u.UID)
		b = binary.LittleEndian.AppendUint32(b, u.GID)
		b = appendStrMax(b, u.Name, maxCredLen-1)
		b = appendStrMax(b, u.HomeDir, maxCredLen-1)
		b = appendStrMax(b, u.Shell, maxCredLen-1)
		binary.LittleEndian.PutUint32(b[start:], uint32(len(b)-start))
	}
	for i := range groups {
		g := &groups[i]
		start := len(b)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = append(b, 1)
		b = binary.LittleEndian.AppendUint32(b, g.GID)
		b = appendStrMax(b, g.Name, maxCredLen-1)
		binary.LittleEndian.PutUint32(b[start:], uint32(len(b)-start))
	}
	return b
}

func appendProc(b []byte, p *Proc) []byte {
	start := len(b)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint64(b, uint64(p.TID))
	b = binary.LittleEndian.AppendUint64(b, uint64(p.PID))
	b = binary.LittleEndian.AppendUint64(b, uint64(p.PTID))
	b = binary.LittleEndian.AppendUint64(b, uint64(p.SID))
	b = binary.LittleEndian.AppendUint64(b, uint64(p.VPGID))
	b = appendStrMax(b, p.Comm, maxPathLen)
	b = appendStrMax(b, p.Exe, maxPathLen)
	b = appendStrMax(b, p.ExePath, maxPathLen)
	b = appendStrMax(b, p.Args, maxArgsLen)
	b = appendStrMax(b, p.Cwd, maxPathLen)
	b = binary.LittleEndian.AppendUint64(b, uint64(p.FDLimit))
	b = binary.LittleEndian.AppendUint32(b, p.Flags)
	b = binary.LittleEndian.AppendUint32(b, p.UID)
	b = binary.LittleEndian.AppendUint32(b, p.GID)
	b = binary.LittleEndian.AppendUint32(b, p.VMSizeKB)
	b = binary.LittleEndian.AppendUint32(b, p.VMRSSKB)
	b = binary.LittleEndian.AppendUint32(b, p.VMSwapKB)
	b = binary.LittleEndian.AppendUint64(b, p.PFMajor)
	b = binary.LittleEndian.AppendUint64(b, p.PFMinor)
	b = appendStrMax(b, p.Env, maxArgsLen)
	b = binary.LittleEndian.AppendUint64(b, uint64(p.VTID))
	b = binary.LittleEndian.AppendUint64(b, uint64(p.VPID))
	b = appendStrMax(b, p.Cgroups, maxArgsLen)
	b = appendStrMax(b, p.Root, maxPathLen)
	b = binary.LittleEndian.AppendUint32(b, uint32(p.LoginUID))
	if p.ExeWritable {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	binary.LittleEndian.PutUint32(b[start:], uint32(len(b)-start))
	return b
}

func appendFD(b []byte, fd *FD) []byte {
	start := len(b)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint64(b, uint64(fd.Num))
	b = binary.LittleEndian.AppendUint64(b, fd.Ino)
	b = append(b, fd.Type)
	switch fd.Type {
	case FDIPv4Sock:
		b = appendIP(b, fd.SIP, 4)
		b = appendIP(b, fd.DIP, 4)
		b = binary.LittleEndian.AppendUint16(b, fd.SPort)
		b = binary.LittleEndian.AppendUint16(b, fd.DPort)
		b = append(b, fd.L4Proto)
	case FDIPv4Serv:
		b = appendIP(b, fd.SIP, 4)
		b = binary.LittleEndian.AppendUint16(b, fd.SPort)
		b = append(b, fd.L4Proto)
	case FDIPv6Sock:
		b = appendIP(b, fd.SIP, 16)
		b = appendIP(b, fd.DIP, 16)
		b = binary.LittleEndian.AppendUint16(b, fd.SPort)
		b = binary.LittleEndian.AppendUint16(b, fd.DPort)
		b = append(b, fd.L4Proto)
	case FDIPv6Serv:
		b = appendIP(b, fd.SIP, 16)
		b = binary.LittleEndian.AppendUint16(b, fd.SPort)
		b = append(b, fd.L4Proto)
	case FDUnixSock:
		b = binary.LittleEndian.AppendUint64(b, fd.Source)
		b = binary.LittleEndian.AppendUint64(b, fd.Dest)
		b = appendStrMax(b, fd.Name, maxFDNameLen-1)
	case FDFileV2:
		b = binary.LittleEndian.AppendUint32(b, fd.OpenFlags)
		b = appendStrMax(b, fd.Name, maxFDNameLen-1)
		b = binary.LittleEndian.AppendUint32(b, fd.Dev)
	case FDUnknown:
	default:
		b = appendStrMax(b, fd.Name, maxFDNameLen-1)
	}
	binary.LittleEndian.PutUint32(b[start:], uint32(len(b)-start))
	return b
}

// appendStrMax appends a u16-length string cut to at most max bytes, the
// longest readers accept.
func appendStrMax(b []byte, s string, max int) []byte {
	if len(s) > max {
		s = s[:max]
	}
	return appendStr16(b, s)
}
