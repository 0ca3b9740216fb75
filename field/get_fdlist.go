package field

import (
	"encoding/binary"
	"strconv"

	"xtrace/event"
	"xtrace/inspect"
)

// Getters of the fdlist class: the fds argument of poll and ppoll
// (sinsp_filter_check_fdlist). The argument is a 16-bit count followed by
// one 64-bit fd and 16-bit flags per entry.

// fdlistParam gives, per event type, the index of its FDLIST parameter
// (poll and ppoll in both directions), -1 when it has none.
var fdlistParam = func() (idx [event.NumTypes]int8) {
	for t := event.Type(0); t < event.NumTypes; t++ {
		idx[t] = -1
		for i, p := range event.Info(t).Params {
			if p.Type == event.PTFDList {
				idx[t] = int8(i)
				break
			}
		}
	}
	return idx
}()

// eachPollFD calls fn with every fd of a poll event's fds argument and
// its table entry (nil when unknown); fn appends to f.buf and reports
// whether it appended a value (a comma follows each value). ok is false
// for other events.
func (f *Field) eachPollFD(e *inspect.Event, fn func(fd int64, fdi *inspect.FD) bool) bool {
	i := -1
	if e.Type < event.NumTypes {
		i = int(fdlistParam[e.Type])
	}
	if i < 0 || i >= e.NumParams() || e.Thread == nil {
		return false
	}
	p := e.Param(i)
	if len(p) < 2 {
		return false
	}
	n := int(binary.LittleEndian.Uint16(p))
	f.buf = f.buf[:0]
	for j, pos := 0, 2; j < n && pos+8 <= len(p); j, pos = j+1, pos+10 {
		fd := int64(binary.LittleEndian.Uint64(p[pos:]))
		var fdi *inspect.FD
		if fds := e.Thread.FDs(); fds != nil {
			fdi = fds.Get(fd)
		}
		if fn(fd, fdi) {
			f.buf = append(f.buf, ',')
		}
	}
	if len(f.buf) == 0 {
		return false
	}
	if f.buf[len(f.buf)-1] == ',' {
		f.buf = f.buf[:len(f.buf)-1]
	}
	return f.setBuf()
}

func getFdlistNums(f *Field, e *inspect.Event) bool {
	return f.eachPollFD(e, func(fd int64, _ *inspect.FD) bool {
		f.buf = strconv.AppendInt(f.buf, fd, 10)
		return true
	})
}

func getFdlistNames(f *Field, e *inspect.Event) bool {
	return f.eachPollFD(e, func(_ int64, fdi *inspect.FD) bool {
		if fdi == nil || fdi.Name == "" {
			f.buf = append(f.buf, "<NA>"...)
		} else {
			f.buf = append(f.buf, fdi.Name...)
		}
		return true
	})
}

func getFdlistCips(f *Field, e *inspect.Event) bool {
	return f.eachPollFD(e, func(_ int64, fdi *inspect.FD) bool {
		if fdi == nil {
			return false
		}
		switch fdi.Type {
		case inspect.FDIPv4Sock:
			f.buf = inspect.AppendIP(f.buf, fdi.SIP[:4])
		case inspect.FDIPv6Sock:
			f.buf = inspect.AppendIP(f.buf, fdi.SIP[:])
		default:
			return false
		}
		return true
	})
}

func getFdlistSips(f *Field, e *inspect.Event) bool {
	return f.eachPollFD(e, func(_ int64, fdi *inspect.FD) bool {
		if fdi == nil {
			return false
		}
		switch fdi.Type {
		case inspect.FDIPv4Sock:
			f.buf = inspect.AppendIP(f.buf, fdi.DIP[:4])
		case inspect.FDIPv6Sock:
			f.buf = inspect.AppendIP(f.buf, fdi.DIP[:])
		case inspect.FDIPv4Serv:
			f.buf = inspect.AppendIP(f.buf, fdi.SIP[:4])
		case inspect.FDIPv6Serv:
			// sysdig prints an IPv6 server address as IPv4.
			f.buf = inspect.AppendIP(f.buf, fdi.SIP[:4])
		default:
			return false
		}
		return true
	})
}

func getFdlistCports(f *Field, e *inspect.Event) bool {
	return f.eachPollFD(e, func(_ int64, fdi *inspect.FD) bool {
		if fdi == nil || (fdi.Type != inspect.FDIPv4Sock && fdi.Type != inspect.FDIPv6Sock) {
			return false
		}
		f.buf = strconv.AppendUint(f.buf, uint64(fdi.SPort), 10)
		return true
	})
}

func getFdlistSports(f *Field, e *inspect.Event) bool {
	return f.eachPollFD(e, func(_ int64, fdi *inspect.FD) bool {
		if fdi == nil || (fdi.Type != inspect.FDIPv4Sock && fdi.Type != inspect.FDIPv6Sock) {
			return false
		}
		f.buf = strconv.AppendUint(f.buf, uint64(fdi.DPort), 10)
		return true
	})
}
