// Package format prints events the way sysdig does: the default line, -p
// format strings, -j JSON, the -t time modes and the -S summary.
package format

import (
	"strconv"
	"time"

	"xtrace/inspect"
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
}

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
	dst = strconv.AppendUint(dst, e.Num, 10)
	dst = append(dst, ' ')
	dst = d.appendTime(dst, e)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, uint64(e.CPU), 10)
	dst = append(dst, ' ')
	dst = append(dst, e.ProcName()...)
	dst = append(dst, " ("...)
	dst = strconv.AppendInt(dst, e.TID, 10)
	dst = append(dst, ") "...)
	if e.Info != nil {
		dst = append(dst, e.Info.Dir.String()...)
	}
	dst = append(dst, ' ')
	dst = append(dst, e.TypeName()...)
	dst = append(dst, ' ')
	dst = e.AppendInfo(dst, &d.opts.Render)
	return append(dst, '\n')
}

func (d *Default) appendTime(dst []byte, e *inspect.Event) []byte {
	ts := e.TS
	switch d.opts.Time {
	case TimeAbsolute:
		dst = strconv.AppendUint(dst, ts/1e9, 10)
		dst = append(dst, '.')
		return strconv.AppendUint(dst, ts%1e9, 10)
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
	dst = strconv.AppendUint(dst, ns/1e9, 10)
	dst = append(dst, '.')
	return appendPad9(dst, ns%1e9)
}

func appendPad9(dst []byte, v uint64) []byte {
	var b [9]byte
	for i := 8; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, b[:]...)
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
	h, m, s := day/3600, (day/60)%60, day%60
	dst = append(dst, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	if frac {
		dst = append(dst, '.')
		dst = appendPad9(dst, ts%1e9)
	}
	return dst
}
