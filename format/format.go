// Package format prints events the way sysdig does: the default line, -p
// format strings, -j JSON, the -t time modes and the -S summary.
package format

import (
	"time"

	"xtrace/inspect"
	"xtrace/scap"
)

// TimeMode is the -t time column mode.
type TimeMode byte

const (
	TimeHuman    TimeMode = 'h' // HH:MM:SS.nnnnnnnnn, local time (default)
	TimeAbsolute TimeMode = 'a' // seconds.nanoseconds since the epoch
	TimeRelative TimeMode = 'r' // since the first event read
	TimeLatency  TimeMode = 'd' // enter→exit latency on exit events
	TimeDelta    TimeMode = 'D' // since the previous printed event
)

// Options configure a printer.
type Options struct {
	Time   TimeMode
	Render inspect.RenderOptions
	// Loc is the zone for human times (time.Local when nil).
	Loc *time.Location
	// Marks shows what xtrace's recorder marked an event with, which
	// sysdig's output has no place for: "[injected]" at the end of the
	// default line and "evt.injected":true in -j objects for calls
	// xtrace --inject failed (off with --sysdig-compat).
	Marks bool
}

// injected reports whether e is a call --inject decided (EVF flag
// scap.FlagInjected).
func injected(e *inspect.Event) bool { return e.DumpFlags&scap.FlagInjected != 0 }

// Default prints the default event line:
//
//	%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.info
type Default struct {
	opts   Options
	buf    []byte
	prevTS uint64
	clock  clock
}

// NewDefault returns a default-line printer.
func NewDefault(o Options) *Default {
	if o.Time == 0 {
		o.Time = TimeHuman
	}
	d := &Default{opts: o}
	d.clock.loc = o.Loc
	if d.clock.loc == nil {
		d.clock.loc = time.Local
	}
	return d
}

// Append appends the line for e (with its final newline) to dst.
func (d *Default) Append(dst []byte, e *inspect.Event) []byte {
	dst = appendUint(dst, e.Num)
	dst = append(dst, ' ')
	dst = d.appendTime(dst, e)
	dst = append(dst, ' ')
	dst = appendUint(dst, uint64(e.CPU))
	dst = append(dst, ' ')
	dst = append(dst, e.ProcName()...)
	dst = append(dst, " ("...)
	dst = appendInt(dst, e.TID)
	dst = append(dst, ") "...)
	if e.Info != nil {
		dst = append(dst, e.Info.Dir.String()...)
	}
	dst = append(dst, ' ')
	dst = append(dst, e.TypeName()...)
	dst = append(dst, ' ')
	dst = e.AppendInfo(dst, &d.opts.Render)
	if d.opts.Marks && injected(e) {
		dst = append(dst, "[injected]"...)
	}
	return append(dst, '\n')
}

// digitPairs holds "00" to "99".
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// appendUint is strconv.AppendUint(dst, v, 10) without its layers: the
// default line has three numbers.
func appendUint(dst []byte, v uint64) []byte {
	if v < 10 {
		return append(dst, byte('0'+v))
	}
	var b [20]byte
	i := len(b)
	for v >= 100 {
		q := v / 100
		r := v - q*100
		i -= 2
		b[i], b[i+1] = digitPairs[2*r], digitPairs[2*r+1]
		v = q
	}
	if v >= 10 {
		i -= 2
		b[i], b[i+1] = digitPairs[2*v], digitPairs[2*v+1]
	} else {
		i--
		b[i] = byte('0' + v)
	}
	return append(dst, b[i:]...)
}

func appendInt(dst []byte, v int64) []byte {
	if v < 0 {
		return appendUint(append(dst, '-'), uint64(-v))
	}
	return appendUint(dst, uint64(v))
}

func (d *Default) appendTime(dst []byte, e *inspect.Event) []byte {
	ts := e.TS
	switch d.opts.Time {
	case TimeAbsolute:
		dst = appendUint(dst, ts/1e9)
		dst = append(dst, '.')
		return appendUint(dst, ts%1e9)
	case TimeRelative:
		return appendSecNs(dst, ts-e.Inspector().FirstTS())
	case TimeLatency:
		if e.EnterTS != 0 && e.EnterTS <= ts {
			return appendSecNs(dst, ts-e.EnterTS)
		}
		return appendSecNs(dst, 0)
	case TimeDelta:
		var delta uint64
		if d.prevTS != 0 {
			delta = ts - d.prevTS
		}
		d.prevTS = ts
		return appendSecNs(dst, delta)
	}
	return d.clock.appendHMS(dst, ts, true)
}

// appendSecNs appends ns as S.nnnnnnnnn.
func appendSecNs(dst []byte, ns uint64) []byte {
	dst = appendUint(dst, ns/1e9)
	dst = append(dst, '.')
	return appendPad9(dst, ns%1e9)
}

// appendPad9 appends v (below 1e9) as 9 digits.
func appendPad9(dst []byte, v uint64) []byte {
	var b [9]byte
	putPad9(&b, v)
	return append(dst, b[:]...)
}

func putPad9(b *[9]byte, v uint64) {
	b[8] = byte('0' + v%10)
	v /= 10
	for i := 6; i >= 0; i -= 2 {
		r := v % 100
		v /= 100
		b[i], b[i+1] = digitPairs[2*r], digitPairs[2*r+1]
	}
}

// clock converts timestamps to local wall-clock time, caching the zone
// offset of the current hour so that most events need no time.Time.
type clock struct {
	loc       *time.Location
	hourStart int64 // unix seconds of the cached hour, in UTC
	offset    int64 // zone offset in seconds valid for that hour
	valid     bool
}

func (c *clock) appendHMS(dst []byte, ts uint64, frac bool) []byte {
	sec := int64(ts / 1e9)
	if !c.valid || sec < c.hourStart || sec >= c.hourStart+3600 {
		c.hourStart = sec - sec%3600
		_, off := time.Unix(sec, 0).In(c.loc).Zone()
		c.offset = int64(off)
		c.valid = true
		// A zone change inside the hour is rare; re-check at its end.
		if _, off2 := time.Unix(c.hourStart+3599, 0).In(c.loc).Zone(); off2 != off {
			c.valid = false
		}
	}
	local := sec + c.offset
	day := ((local % 86400) + 86400) % 86400
	h, m, sc := day/3600, (day/60)%60, day%60
	var b [18]byte // HH:MM:SS.nnnnnnnnn
	b[0], b[1], b[2] = digitPairs[2*h], digitPairs[2*h+1], ':'
	b[3], b[4], b[5] = digitPairs[2*m], digitPairs[2*m+1], ':'
	b[6], b[7] = digitPairs[2*sc], digitPairs[2*sc+1]
	if !frac {
		return append(dst, b[:8]...)
	}
	b[8] = '.'
	putPad9((*[9]byte)(b[9:]), ts%1e9)
	return append(dst, b[:]...)
}
