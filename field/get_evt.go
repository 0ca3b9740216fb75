package field

import (
	"strconv"
	"time"

	"xtrace/event"
	"xtrace/inspect"
)

// Getters of the evt class. Each stores the value in f.val and reports
// whether there is one, following filterchecks.cpp
// (sinsp_filter_check_gen_event and sinsp_filter_check_event).

func isExit(e *inspect.Event) bool { return e.Type&1 == 1 }

func flags(e *inspect.Event) event.Flags {
	if e.Info == nil {
		return 0
	}
	return e.Info.Flags
}

func category(e *inspect.Event) event.Category {
	if e.Info == nil {
		return event.CatUnknown
	}
	return e.Info.Category
}

// paramRaw returns the bytes of the first parameter called name.
func paramRaw(e *inspect.Event, name string) ([]byte, bool) {
	i := e.ParamIndex(name)
	if i < 0 {
		return nil, false
	}
	return e.Param(i), true
}

// paramInt64 decodes the first parameter called name as a little-endian
// signed integer of its stored width.
func paramInt64(e *inspect.Event, name string) (int64, bool) {
	i := e.ParamIndex(name)
	if i < 0 {
		return 0, false
	}
	return e.ParamInt(i)
}

// resultIndex gives, per event type, the index of the parameter holding
// the return value (event.Desc.Result); -1 when there is none.
var resultIndex = func() (idx [event.NumTypes]int8) {
	for t := event.Type(0); t < event.NumTypes; t++ {
		idx[t] = -1
		if d := event.Info(t); d != nil {
			idx[t] = int8(d.Result())
		}
	}
	return idx
}()

// result returns the return value of an exit event (its "res" parameter,
// or the "fd" parameter of an exit event that creates an fd) and the
// parameter's index; ok is false when the event has none.
func result(e *inspect.Event) (v int64, i int, ok bool) {
	if e.Type >= event.NumTypes {
		return 0, -1, false
	}
	i = int(resultIndex[e.Type])
	if i < 0 || i >= e.NumParams() {
		return 0, -1, false
	}
	v, _ = e.ParamInt(i)
	return v, i, true
}

// latency is sinsp's thread latency for the event: exit time minus the
// thread's last enter time, 0 on enter events and when no enter was seen.
func latency(e *inspect.Event) uint64 { return e.Latency() }

// hasTinfo reports whether sinsp's parser attached a thread to the event.
func hasTinfo(e *inspect.Event) bool { return e.HasParserThread() }

func getEvtNum(f *Field, e *inspect.Event) bool { return f.setUint(e.Num) }

// appendClock appends ts as sysdig's ts_to_string: optional date, then
// HH:MM:SS, optional .nnnnnnnnn, with the zone offset of the current date.
func (f *Field) appendClock(dst []byte, ts uint64, date, ns bool) []byte {
	sec := int64(ts/1e9) + f.tzOff
	if date {
		day := sec - ((sec%86400)+86400)%86400
		t := time.Unix(day, 0).UTC()
		y, m, d := t.Date()
		dst = appendPadded(dst, uint64(y), 4)
		dst = append(dst, '-')
		dst = appendPadded(dst, uint64(m), 2)
		dst = append(dst, '-')
		dst = appendPadded(dst, uint64(d), 2)
		dst = append(dst, ' ')
	}
	s := ((sec % 86400) + 86400) % 86400
	dst = appendPadded(dst, uint64(s/3600), 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, uint64(s%3600/60), 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, uint64(s%60), 2)
	if ns {
		dst = append(dst, '.')
		dst = appendPadded(dst, ts%1e9, 9)
	}
	return dst
}

func getEvtTime(f *Field, e *inspect.Event) bool {
	f.buf = f.appendClock(f.buf[:0], e.TS, false, true)
	return f.setBuf()
}

func getEvtTimeS(f *Field, e *inspect.Event) bool {
	f.buf = f.appendClock(f.buf[:0], e.TS, false, false)
	return f.setBuf()
}

func getEvtTimeIso8601(f *Field, e *inspect.Event) bool {
	t := time.Unix(int64(e.TS/1e9), 0).UTC()
	f.buf = t.AppendFormat(f.buf[:0], "2006-01-02T15:04:05")
	f.buf = append(f.buf, '.')
	f.buf = appendPadded(f.buf, e.TS%1e9, 9)
	f.buf = append(f.buf, "+0000"...)
	return f.setBuf()
}

func getEvtDatetime(f *Field, e *inspect.Event) bool {
	f.buf = f.appendClock(f.buf[:0], e.TS, true, true)
	return f.setBuf()
}

func getEvtDatetimeS(f *Field, e *inspect.Event) bool {
	f.buf = f.appendClock(f.buf[:0], e.TS, true, false)
	return f.setBuf()
}

func getEvtRawtime(f *Field, e *inspect.Event) bool   { return f.setUint(e.TS) }
func getEvtRawtimeS(f *Field, e *inspect.Event) bool  { return f.setUint(e.TS / 1e9) }
func getEvtRawtimeNs(f *Field, e *inspect.Event) bool { return f.setUint(e.TS % 1e9) }

func reltime(e *inspect.Event) uint64 {
	in := e.Inspector()
	if in == nil {
		return 0
	}
	return e.TS - in.FirstTS()
}

func getEvtReltime(f *Field, e *inspect.Event) bool   { return f.setUint(reltime(e)) }
func getEvtReltimeS(f *Field, e *inspect.Event) bool  { return f.setUint(reltime(e) / 1e9) }
func getEvtReltimeNs(f *Field, e *inspect.Event) bool { return f.setUint(reltime(e) % 1e9) }

func getEvtLatency(f *Field, e *inspect.Event) bool {
	if !hasTinfo(e) {
		return f.setUint(0)
	}
	if category(e)&event.CatInternal != 0 {
		return false
	}
	return f.setUint(latency(e))
}

func getEvtLatencyS(f *Field, e *inspect.Event) bool {
	if !getEvtLatency(f, e) {
		return false
	}
	return f.setUint(f.val.Uint / 1e9)
}

func getEvtLatencyNs(f *Field, e *inspect.Event) bool {
	if !getEvtLatency(f, e) {
		return false
	}
	return f.setUint(f.val.Uint % 1e9)
}

// getEvtLatencyQuantized is sysdig's log10 bucket of the latency scaled by
// a screen width that is -1 outside its curses views: 1 for any non-zero
// latency below 100 s, 0 above (the conversion of -1.0 to an unsigned
// integer wraps).
func getEvtLatencyQuantized(f *Field, e *inspect.Event) bool {
	if !hasTinfo(e) || category(e)&event.CatInternal != 0 {
		return false
	}
	l := latency(e)
	switch {
	case l == 0:
		return false
	case l >= 1e11:
		return f.setUint(0)
	}
	return f.setUint(1)
}

func getEvtLatencyHuman(f *Field, e *inspect.Event) bool {
	if !hasTinfo(e) {
		// sysdig repeats the last text this field produced.
		return f.setBuf()
	}
	if category(e)&event.CatInternal != 0 {
		return false
	}
	f.buf = AppendDuration(f.buf[:0], latency(e))
	return f.setBuf()
}

// AppendDuration appends a nanosecond interval the way sysdig's
// human-readable latency is written: "835ns", "2.99us", "15us", "1.20ms",
// "25ms", "1.05s", "2:05", "01:02:03".
func AppendDuration(dst []byte, ns uint64) []byte {
	u := func(v uint64) []byte { return strconv.AppendUint(dst, uint64(uint32(v)), 10) }
	switch {
	case ns >= 3600*1e9:
		dst = appendPadded(dst, uint64(uint32(ns/(3600*1e9))), 2)
		dst = append(dst, ':')
		dst = appendPadded(dst, uint64(uint32(ns/(60*1e9)%60)), 2)
		dst = append(dst, ':')
		return appendPadded(dst, uint64(uint32(ns/1e9%60)), 2)
	case ns >= 60*1e9:
		dst = u(ns / (60 * 1e9))
		dst = append(dst, ':')
		return strconv.AppendUint(dst, uint64(uint32(ns/1e9%60)), 10)
	case ns >= 1e9:
		dst = u(ns / 1e9)
		dst = append(dst, '.')
		dst = appendPadded(dst, ns%1e9/1e7, 2)
		return append(dst, 's')
	case ns >= 1e7:
		dst = u(ns / 1e6)
		return append(dst, "ms"...)
	case ns >= 1e6:
		dst = u(ns / 1e6)
		dst = append(dst, '.')
		dst = appendPadded(dst, ns%1e6/1e4, 2)
		return append(dst, "ms"...)
	case ns >= 1e4:
		dst = u(ns / 1e3)
		return append(dst, "us"...)
	case ns >= 1e3:
		dst = u(ns / 1e3)
		dst = append(dst, '.')
		dst = appendPadded(dst, ns%1e3/10, 2)
		return append(dst, "us"...)
	}
	dst = u(ns)
	return append(dst, "ns"...)
}

// delta returns the time since the previous event this handle saw (0 for
// the first one) and remembers the event's time.
func (f *Field) delta(e *inspect.Event) uint64 {
	if f.prevTS == 0 {
		f.prevTS = e.TS
		return 0
	}
	d := e.TS - f.prevTS
	f.prevTS = e.TS
	return d
}

func getEvtDeltatime(f *Field, e *inspect.Event) bool  { return f.setUint(f.delta(e)) }
func getEvtDeltatimeS(f *Field, e *inspect.Event) bool { return f.setUint(f.delta(e) / 1e9) }
func getEvtDeltatimeNs(f *Field, e *inspect.Event) bool {
	return f.setUint(f.delta(e) % 1e9)
}

// getEvtOutputtime renders the time column of the default line per -t.
func getEvtOutputtime(f *Field, e *inspect.Event) bool {
	b := f.buf[:0]
	switch f.o.Time {
	case 'a':
		// sysdig does not pad the fraction here.
		b = strconv.AppendUint(b, e.TS/1e9, 10)
		b = append(b, '.')
		b = strconv.AppendUint(b, e.TS%1e9, 10)
	case 'r':
		r := reltime(e)
		b = strconv.AppendUint(b, r/1e9, 10)
		b = append(b, '.')
		b = appendPadded(b, r%1e9, 9)
	case 'd':
		l := latency(e)
		b = strconv.AppendUint(b, l/1e9, 10)
		b = append(b, '.')
		b = appendPadded(b, l%1e9, 9)
	case 'D':
		if f.prevTS == 0 {
			f.prevTS = e.TS
		}
		d := e.TS - f.prevTS
		f.prevTS = e.TS
		b = strconv.AppendUint(b, d/1e9, 10)
		b = append(b, '.')
		b = appendPadded(b, d%1e9, 9)
	default:
		b = f.appendClock(b, e.TS, false, true)
	}
	f.buf = b
	return f.setBuf()
}

func getEvtDir(f *Field, e *inspect.Event) bool {
	if EvtIsExit(e) {
		return f.setString("<")
	}
	return f.setString(">")
}

func getEvtType(f *Field, e *inspect.Event) bool { return f.setString(EvtType(e)) }

func getEvtTypeIs(f *Field, e *inspect.Event) bool {
	t := int(e.Type)
	return f.setUint(b2u(t == f.evt1 || t == f.evt2))
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func getSyscallType(f *Field, e *inspect.Event) bool {
	if e.Type == event.Switch || flags(e)&event.SkipParseReset != 0 {
		return false
	}
	return f.setString(e.TypeName())
}

// categoryName is evt.category: the category name, or for I/O events the
// class of the fd they work on.
func categoryName(e *inspect.Event) string {
	if e.Info == nil {
		return "unknown"
	}
	if e.Type == event.GenericE || e.Type == event.GenericX {
		return scCategory(e)
	}
	c := e.Info.Category
	if !c.IsIO() {
		return c.String()
	}
	fd := e.FD
	if fd == nil {
		return "unknown"
	}
	switch fd.Type {
	case inspect.FDFile, inspect.FDFileV2, inspect.FDDirectory:
		return "file"
	case inspect.FDIPv4Sock, inspect.FDIPv6Sock, inspect.FDIPv4Serv, inspect.FDIPv6Serv:
		return "net"
	case inspect.FDFIFO, inspect.FDUnixSock, inspect.FDEvent, inspect.FDSignalFD, inspect.FDInotify:
		return "ipc"
	}
	return "unknown"
}

func getEvtCategory(f *Field, e *inspect.Event) bool { return f.setString(categoryName(e)) }

func getEvtCpu(f *Field, e *inspect.Event) bool { return f.setInt(int64(int16(e.CPU))) }

func getEvtArgs(f *Field, e *inspect.Event) bool {
	f.buf = e.AppendArgs(f.buf[:0], &f.o.Render)
	return f.setBuf()
}

// getEvtInfo is evt.args, or the decoded line of a syslog write.
func getEvtInfo(f *Field, e *inspect.Event) bool {
	f.buf = e.AppendInfo(f.buf[:0], &f.o.Render)
	return f.setBuf()
}

// renderParam renders parameter i as evt.arg does: the resolved text when
// there is one (fd name, errno name, flag names), else the value.
func (f *Field) renderParam(e *inspect.Event, i int) {
	var val []byte
	val, f.res = e.AppendParam(f.buf[:0], f.res[:0], i, &f.o.Render)
	if len(f.res) > 0 {
		f.buf = append(val[:0], f.res...)
		return
	}
	f.buf = val
}

func getEvtArg(f *Field, e *inspect.Event) bool {
	i := f.argIndex
	if i < 0 {
		i = e.ParamIndex(f.argName)
		if i < 0 {
			return false
		}
	} else if i >= e.NumParams() {
		return false
	}
	f.renderParam(e, i)
	return f.setBuf()
}

func getEvtRawarg(f *Field, e *inspect.Event) bool {
	raw, ok := paramRaw(e, f.argName)
	if !ok {
		return false
	}
	return f.setRaw(raw)
}

// setRaw interprets raw parameter bytes as the handle's type, the way
// sysdig reads a parameter through a pointer of its declared type: short
// parameters are zero-extended, longer ones truncated.
func (f *Field) setRaw(raw []byte) bool {
	switch KindOf(f.typ) {
	case KindInt, KindUint, KindBool:
		var u uint64
		for i := len(raw) - 1; i >= 0; i-- {
			if i < 8 {
				u = u<<8 | uint64(raw[i])
			}
		}
		size := f.typ.Size()
		switch f.typ {
		case event.PTBool:
			size = 4
		}
		if size > 0 && size < 8 {
			u &= 1<<(8*size) - 1
		}
		if KindOf(f.typ) == KindInt {
			switch size {
			case 1:
				return f.setInt(int64(int8(u)))
			case 2:
				return f.setInt(int64(int16(u)))
			case 4:
				return f.setInt(int64(int32(u)))
			}
			return f.setInt(int64(u))
		}
		if f.typ == event.PTBool {
			return f.setBool(u != 0)
		}
		return f.setUint(u)
	case KindIP:
		if len(raw) >= 16 && f.typ != event.PTIPv4Addr {
			return f.setIP(raw[:16])
		}
		if len(raw) >= 4 {
			return f.setIP(raw[:4])
		}
		return false
	case KindFloat:
		if len(raw) < 8 {
			return false
		}
		var u uint64
		for i := 7; i >= 0; i-- {
			u = u<<8 | uint64(raw[i])
		}
		f.val.Float = float64frombits(u)
		return true
	case KindString:
		// A C string: up to the first NUL.
		for i, c := range raw {
			if c == 0 {
				raw = raw[:i]
				break
			}
		}
		return f.setString(bytesView(raw))
	}
	return f.setString(bytesView(raw))
}

func getEvtBuffer(f *Field, e *inspect.Event) bool {
	i := e.ParamIndex("data")
	if i < 0 {
		return false
	}
	if f.compare {
		return f.setString(bytesView(e.Param(i)))
	}
	f.buf, f.res = e.AppendParam(f.buf[:0], f.res[:0], i, &f.o.Render)
	return f.setBuf()
}

// buflen is evt.buflen: the non-negative result of an exit I/O event whose
// fd is known.
func buflen(e *inspect.Event) (uint64, bool) {
	if e.FD == nil || !category(e).IsIO() || !isExit(e) || e.NumParams() == 0 {
		return 0, false
	}
	v, ok := e.ParamInt(0)
	if !ok || v < 0 {
		return 0, false
	}
	return uint64(v), true
}

func getEvtBuflen(f *Field, e *inspect.Event) bool {
	v, ok := buflen(e)
	return ok && f.setUint(v)
}

func buflenIf(f *Field, e *inspect.Event, cat event.Category, fdTypes ...inspect.FDType) bool {
	if cat != 0 && category(e) != cat {
		return false
	}
	if len(fdTypes) > 0 {
		if e.FD == nil {
			return false
		}
		match := false
		for _, t := range fdTypes {
			match = match || e.FD.Type == t
		}
		if !match {
			return false
		}
	}
	return getEvtBuflen(f, e)
}

var netFDs = []inspect.FDType{inspect.FDIPv4Sock, inspect.FDIPv6Sock, inspect.FDIPv4Serv, inspect.FDIPv6Serv}
var fileFDs = []inspect.FDType{inspect.FDFile, inspect.FDFileV2}

func getEvtBuflenIn(f *Field, e *inspect.Event) bool  { return buflenIf(f, e, event.CatIORead) }
func getEvtBuflenOut(f *Field, e *inspect.Event) bool { return buflenIf(f, e, event.CatIOWrite) }
func getEvtBuflenFile(f *Field, e *inspect.Event) bool {
	return buflenIf(f, e, 0, fileFDs...)
}
func getEvtBuflenFileIn(f *Field, e *inspect.Event) bool {
	return buflenIf(f, e, event.CatIORead, fileFDs...)
}
func getEvtBuflenFileOut(f *Field, e *inspect.Event) bool {
	return buflenIf(f, e, event.CatIOWrite, fileFDs...)
}
func getEvtBuflenNet(f *Field, e *inspect.Event) bool { return buflenIf(f, e, 0, netFDs...) }
func getEvtBuflenNetIn(f *Field, e *inspect.Event) bool {
	return buflenIf(f, e, event.CatIORead, netFDs...)
}
func getEvtBuflenNetOut(f *Field, e *inspect.Event) bool {
	return buflenIf(f, e, event.CatIOWrite, netFDs...)
}

func getEvtRes(f *Field, e *inspect.Event) bool {
	v, i, ok := result(e)
	if !ok {
		return false
	}
	if v >= 0 {
		return f.setString("SUCCESS")
	}
	f.renderParam(e, i)
	return f.setBuf()
}

func getEvtRawres(f *Field, e *inspect.Event) bool {
	v, ok := EvtRawres(e)
	return ok && f.setInt(v)
}

func getEvtFailed(f *Field, e *inspect.Event) bool { return f.setBool(EvtFailed(e)) }

func getEvtIsIo(f *Field, e *inspect.Event) bool {
	return f.setBool(flags(e)&(event.ReadsFromFD|event.WritesToFD) != 0)
}

func getEvtIsIoRead(f *Field, e *inspect.Event) bool {
	return f.setBool(flags(e)&event.ReadsFromFD != 0)
}

func getEvtIsIoWrite(f *Field, e *inspect.Event) bool {
	return f.setBool(flags(e)&event.WritesToFD != 0)
}

func getEvtIoDir(f *Field, e *inspect.Event) bool {
	switch fl := flags(e); {
	case fl&event.WritesToFD != 0:
		return f.setString("write")
	case fl&event.ReadsFromFD != 0:
		return f.setString("read")
	}
	return false
}

func getEvtIsWait(f *Field, e *inspect.Event) bool { return f.setBool(flags(e)&event.Waits != 0) }

func getEvtWaitLatency(f *Field, e *inspect.Event) bool {
	if flags(e)&event.Waits == 0 || !isExit(e) {
		return false
	}
	return f.setUint(latency(e))
}

func getEvtIsSyslog(f *Field, e *inspect.Event) bool {
	return f.setBool(flags(e)&event.WritesToFD != 0 && e.FD != nil && containsStr(e.FD.Name, "/dev/log"))
}

func getEvtCount(f *Field, e *inspect.Event) bool { return f.setUint(1) }

// errorCount is 1 for failed exit events, no value otherwise.
func errorCount(f *Field, e *inspect.Event) bool {
	v, _, ok := result(e)
	return ok && v < 0 && f.setUint(1)
}

func getEvtCountError(f *Field, e *inspect.Event) bool { return errorCount(f, e) }

// fdClass groups fd types for the evt.count.error.* fields.
func fdClass(t inspect.FDType) byte {
	switch t {
	case inspect.FDFile, inspect.FDFileV2, inspect.FDDirectory:
		return 'f'
	case inspect.FDIPv4Sock, inspect.FDIPv6Sock, inspect.FDIPv4Serv, inspect.FDIPv6Serv, inspect.FDUnixSock:
		return 'n'
	}
	return 'o'
}

func getEvtCountErrorFile(f *Field, e *inspect.Event) bool {
	if e.FD != nil {
		return fdClass(e.FD.Type) == 'f' && errorCount(f, e)
	}
	return creatorClass(e) == 'f' && errorCount(f, e)
}

func getEvtCountErrorNet(f *Field, e *inspect.Event) bool {
	if e.FD != nil {
		return fdClass(e.FD.Type) == 'n' && errorCount(f, e)
	}
	return creatorClass(e) == 'n' && errorCount(f, e)
}

func getEvtCountErrorMemory(f *Field, e *inspect.Event) bool {
	return category(e) == event.CatMemory && errorCount(f, e)
}

func getEvtCountErrorOther(f *Field, e *inspect.Event) bool {
	if e.FD != nil {
		return fdClass(e.FD.Type) == 'o' && errorCount(f, e)
	}
	return creatorClass(e) == 'o' && category(e) != event.CatMemory && errorCount(f, e)
}

func getEvtCountExit(f *Field, e *inspect.Event) bool { return isExit(e) && f.setUint(1) }

func getEvtCountProcinfo(f *Field, e *inspect.Event) bool {
	return e.Type == event.ProcInfo && e.Thread != nil && e.Thread.IsMain() && f.setUint(1)
}

func getEvtCountThreadinfo(f *Field, e *inspect.Event) bool {
	return e.Type == event.ProcInfo && f.setUint(1)
}

// getEvtAround has no value: filters compare evt.around specially.
func getEvtAround(f *Field, e *inspect.Event) bool { return false }

// openFlags returns the flags and mode parameters of an open-like event
// that evt.is_open_* read (open exit, openat enter, openat2 and the new
// openat exit), by parameter name.
func openFlags(e *inspect.Event) (flags, mode uint64, ok bool) {
	if !openLike.has(e.Type) {
		return 0, 0, false
	}
	fi, mi := e.ParamIndex("flags"), e.ParamIndex("mode")
	if fi < 0 {
		return 0, 0, false
	}
	fl, _ := e.ParamUint(fi)
	var m uint64
	if mi >= 0 {
		m, _ = e.ParamUint(mi)
	}
	return fl, m, true
}

// PPM open flags as the event tables encode them.
const (
	ppmORdonly  = 1 << 0
	ppmOWronly  = 1 << 1
	ppmOCreat   = 1 << 2
	ppmOTmpfile = 1 << 14
	ppmSIxusr   = 0100
	ppmSIxgrp   = 010
	ppmSIxoth   = 01
)

func getEvtIsOpenRead(f *Field, e *inspect.Event) bool {
	fl, _, _ := openFlags(e)
	return f.setBool(fl&ppmORdonly != 0)
}

func getEvtIsOpenWrite(f *Field, e *inspect.Event) bool {
	fl, _, _ := openFlags(e)
	return f.setBool(fl&ppmOWronly != 0)
}

func getEvtIsOpenExec(f *Field, e *inspect.Event) bool {
	const exec = ppmSIxusr | ppmSIxgrp | ppmSIxoth
	if fl, m, ok := openFlags(e); ok {
		return f.setBool(fl&(ppmOTmpfile|ppmOCreat) != 0 && m&exec != 0)
	}
	if creatExit.has(e.Type) {
		if i := e.ParamIndex("mode"); i >= 0 {
			m, _ := e.ParamUint(i)
			return f.setBool(m&exec != 0)
		}
	}
	return f.setBool(false)
}

func containsStr(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
