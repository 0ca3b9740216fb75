package decode

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"xtrace/event"
)

// iovState caches the iovec array of the current event (readv and writev
// exits use it for two parameters).
type iovState struct {
	state  int8 // 0 unread, 1 read, -1 fault or too large
	addr   uint64
	cnt    uint64
	remote []unix.RemoteIovec
}

// The driver copies the iovec array into a one-page staging area.
const stagingSize = 4096

func (d *Decoder) loadIov(addr, cnt uint64) error {
	s := &d.iov
	if s.state != 0 && s.addr == addr && s.cnt == cnt {
		if s.state < 0 {
			return ErrDropped
		}
		return nil
	}
	s.addr, s.cnt = addr, cnt
	s.state = -1
	if cnt >= 0xffffffff || cnt*16 >= stagingSize {
		return ErrDropped
	}
	raw := d.scratch[:cnt*16]
	if cnt > 0 && d.mem.readFull(d.c.PID, addr, raw) != nil {
		return ErrDropped
	}
	s.remote = s.remote[:0]
	for i := uint64(0); i < cnt; i++ {
		s.remote = append(s.remote, unix.RemoteIovec{
			Base: uintptr(binary.LittleEndian.Uint64(raw[i*16:])),
			Len:  int(binary.LittleEndian.Uint64(raw[i*16+8:])),
		})
	}
	s.state = 1
	return nil
}

// iovSize is the sum of the iov_len fields; for reads (withRet) it is cut
// to the return value, compared as unsigned as the driver does (so a
// failed call keeps the full sum).
func (d *Decoder) iovSize(addr, cnt uint64, withRet bool) (uint64, error) {
	if err := d.loadIov(addr, cnt); err != nil {
		return 0, err
	}
	var size uint64
	for _, r := range d.iov.remote {
		size += uint64(r.Len)
	}
	if withRet && size > uint64(d.c.Ret) {
		size = uint64(d.c.Ret)
	}
	return size, nil
}

// iovData gathers the buffers of an iovec array into one BYTEBUF cut to the
// snaplen: for reads (withRet) only what the call returned, and nothing
// when it returned <= 0; for writes what the buffers hold, whatever the
// call returned.
func (d *Decoder) iovData(addr, cnt uint64, withRet bool) error {
	if err := d.loadIov(addr, cnt); err != nil {
		return err
	}
	limit := int64(stagingSize - int(cnt)*16 - 1) // the driver's staging space
	if withRet {
		if d.c.Ret <= 0 || cnt == 0 {
			d.enc.Empty()
			return nil
		}
		if d.c.Ret < limit {
			limit = d.c.Ret
		}
	} else if cnt == 0 {
		d.enc.Empty()
		return nil
	}
	if s := int64(d.opts.Snaplen); limit > s {
		limit = s
	}
	if r := int64(d.room()); limit > r {
		limit = r
	}
	// Plan the copy: whole iovecs until the limit, then part of one.
	plan := d.mem.gremote[:0]
	var total int64
	for _, r := range d.iov.remote {
		if total >= limit {
			break
		}
		n := int64(r.Len)
		if n > limit-total {
			n = limit - total
		}
		if n > 0 {
			plan = append(plan, unix.RemoteIovec{Base: r.Base, Len: int(n)})
		}
		total += n
	}
	d.mem.gremote = plan
	buf := d.scratch[:total]
	n, err := d.mem.gather(d.c.PID, plan, buf)
	if total > 0 && (err != nil || int64(n) != total) {
		return ErrDropped
	}
	d.enc.Bytes(buf)
	return nil
}

// msgState caches the struct user_msghdr of the current event.
type msgState struct {
	state   int8
	name    uint64
	namelen int32
	iov     uint64
	iovlen  uint64
}

func (d *Decoder) loadMsg(addr uint64) error {
	s := &d.msg
	if s.state == 0 {
		var b [56]byte
		if d.mem.readFull(d.c.PID, addr, b[:]) != nil {
			s.state = -1
		} else {
			s.name = binary.LittleEndian.Uint64(b[0:])
			s.namelen = int32(binary.LittleEndian.Uint32(b[8:]))
			s.iov = binary.LittleEndian.Uint64(b[16:])
			s.iovlen = binary.LittleEndian.Uint64(b[24:])
			s.state = 1
		}
	}
	if s.state < 0 {
		return ErrDropped
	}
	return nil
}

// howState caches the struct open_how of an openat2 call.
type howState struct {
	state                int8
	flags, mode, resolve uint64
}

func (d *Decoder) loadHow(addr uint64) error {
	s := &d.how
	if s.state == 0 {
		var b [24]byte
		if d.mem.readFull(d.c.PID, addr, b[:]) != nil {
			s.state = -1
		} else {
			s.flags = binary.LittleEndian.Uint64(b[0:])
			s.mode = binary.LittleEndian.Uint64(b[8:])
			s.resolve = binary.LittleEndian.Uint64(b[16:])
			s.state = 1
		}
	}
	if s.state < 0 {
		return ErrDropped
	}
	return nil
}

// sembuf returns field i of the first two struct sembuf of a semop call
// (num, op, flg for each); missing entries are 0. Without operations the
// driver writes too few parameters and the event is discarded.
func (d *Decoder) sembuf(addr, nsops uint64, i int) (uint64, error) {
	if nsops == 0 || addr == 0 {
		return 0, ErrDropped
	}
	j := i / 3
	if uint64(j) >= nsops {
		return 0, nil
	}
	var b [6]byte
	if d.mem.readFull(d.c.PID, addr+uint64(j)*6, b[:]) != nil {
		return 0, ErrDropped
	}
	switch i % 3 {
	case 0:
		return uint64(binary.LittleEndian.Uint16(b[0:])), nil
	case 1:
		return uint64(int64(int16(binary.LittleEndian.Uint16(b[2:])))), nil
	}
	return uint64(semopFlags(binary.LittleEndian.Uint16(b[4:]))), nil
}

// quotaState caches the if_dqblk / if_dqinfo / format a quotactl exit
// reports.
type quotaState struct {
	loaded bool
	err    error
	dqblk  [9]uint64 // bhard, bsoft, curspace, ihard, isoft, curinodes, btime, itime, valid
	dqinfo [4]uint64 // bgrace, igrace, flags, valid
	fmt    uint64
}

func (d *Decoder) quotaField(k kind, cmdArg, addr uint64, i int) (uint64, error) {
	q := &d.quota
	cmd := quotactlCmd(cmdArg)
	if !q.loaded {
		q.loaded = true
		q.dqblk, q.dqinfo, q.fmt, q.err = [9]uint64{}, [4]uint64{}, ppmQfmtNotUsed, nil
		switch cmd {
		case ppmQGetquota, ppmQSetquota:
			var b [72]byte
			if d.mem.readFull(d.c.PID, addr, b[:]) != nil {
				q.err = ErrDropped
				break
			}
			for j := range q.dqblk {
				if j == 8 {
					q.dqblk[j] = uint64(binary.LittleEndian.Uint32(b[64:]))
				} else {
					q.dqblk[j] = binary.LittleEndian.Uint64(b[j*8:])
				}
			}
		case ppmQGetinfo, ppmQSetinfo:
			var b [24]byte
			if d.mem.readFull(d.c.PID, addr, b[:]) != nil {
				q.err = ErrDropped
				break
			}
			q.dqinfo[0] = binary.LittleEndian.Uint64(b[0:])
			q.dqinfo[1] = binary.LittleEndian.Uint64(b[8:])
			q.dqinfo[2] = uint64(binary.LittleEndian.Uint32(b[16:]))
			q.dqinfo[3] = uint64(binary.LittleEndian.Uint32(b[20:]))
		case ppmQGetfmt:
			var b [4]byte
			if d.mem.readFull(d.c.PID, addr, b[:]) != nil {
				q.err = ErrDropped
				break
			}
			q.fmt = uint64(quotactlFmt(uint64(binary.LittleEndian.Uint32(b[:]))))
		}
	}
	if q.err != nil {
		return 0, q.err
	}
	switch k {
	case kDqblk:
		// QIF_BLIMITS 1, QIF_SPACE 2, QIF_ILIMITS 4, QIF_BTIME 16, QIF_ITIME 32
		valid := q.dqblk[8]
		idx := [...]struct {
			field int
			bit   uint64
		}{{0, 1}, {1, 1}, {2, 2}, {3, 4}, {4, 4}, {6, 16}, {7, 32}}[i]
		if valid&idx.bit == 0 {
			return 0, nil
		}
		return q.dqblk[idx.field], nil
	case kDqinfo:
		// IIF_BGRACE 1, IIF_IGRACE 2, IIF_FLAGS 4
		if q.dqinfo[3]&(1<<i) == 0 {
			return 0, nil
		}
		return q.dqinfo[i], nil
	}
	return q.fmt, nil
}

// sockoptVal writes the DYN value of a socket option the way the driver's
// parse_sockopt does.
func (d *Decoder) sockoptVal(p *event.Param, level, name, addr uint64, optlen int64) error {
	if int32(level) == solSocket {
		switch sockoptKind[uint64(int32(name))] {
		case event.OptErrno:
			var b [4]byte
			if d.mem.readFull(d.c.PID, addr, b[:]) != nil {
				return ErrDropped
			}
			d.putDyn(p, sockoptIdxErrno, uint64(-int64(int32(binary.LittleEndian.Uint32(b[:])))))
			return nil
		case event.OptTimeval:
			var b [16]byte
			if d.mem.readFull(d.c.PID, addr, b[:]) != nil {
				return ErrDropped
			}
			ns := binary.LittleEndian.Uint64(b[:])*1e9 + binary.LittleEndian.Uint64(b[8:])*1000
			d.putDyn(p, sockoptIdxTime, ns)
			return nil
		case event.OptU64:
			var b [8]byte
			if d.mem.readFull(d.c.PID, addr, b[:]) != nil {
				return ErrDropped
			}
			d.putDyn(p, sockoptIdxUint64, binary.LittleEndian.Uint64(b[:]))
			return nil
		case event.OptU32:
			var b [4]byte
			if d.mem.readFull(d.c.PID, addr, b[:]) != nil {
				return ErrDropped
			}
			d.putDyn(p, sockoptIdxUint32, uint64(binary.LittleEndian.Uint32(b[:])))
			return nil
		}
	}
	if addr == 0 || optlen <= 0 {
		d.putDynBytes(sockoptIdxBytes, nil)
		return nil
	}
	if r := int64(d.room()); optlen > r {
		optlen = r
	}
	buf := d.scratch[:optlen]
	if d.mem.readFull(d.c.PID, addr, buf) != nil {
		return ErrDropped
	}
	d.putDynBytes(sockoptIdxBytes, buf)
	return nil
}

// ptraceData writes the data parameter of a ptrace exit: the word a PEEK
// request read, the signal of a resuming request, or the raw value.
func (d *Decoder) ptraceData(p *event.Param, req, data uint64) error {
	switch req {
	case 1, 2, 3: // PEEKTEXT, PEEKDATA, PEEKUSR
		var b [8]byte
		if d.mem.readFull(d.c.PID, data, b[:]) != nil {
			return ErrDropped
		}
		d.putDyn(p, ptraceIdxUint64, binary.LittleEndian.Uint64(b[:]))
	case 7, 9, 17, 24: // CONT, SINGLESTEP, DETACH, SYSCALL
		d.putDyn(p, ptraceIdxSigtype, data)
	default:
		d.putDyn(p, ptraceIdxUint64, data)
	}
	return nil
}
