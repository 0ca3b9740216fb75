package export

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"

	"xtrace/field"
)

// perfetto writes the Chrome trace-event JSON that ui.perfetto.dev opens:
// a track per thread, grouped by process, with one complete ("X") slice
// per syscall from its enter to its exit, instant events for calls without
// an exit, and an async slice per process for its lifetime.
type perfetto struct {
	w     *bufio.Writer
	c     io.Writer
	t0    uint64
	first bool
	buf   []byte
	label []byte // a slice's name, scratch
	// threads maps tids to their process and last name.
	threads map[int64]perfettoThread
	lastTS  uint64
}

// The positions of the columns the timeline reads, resolved once.
var (
	pfSys = struct{ pid, tid, proc, ts, syscall, errno, category, dur, args int }{
		index(syscallCols, "pid"), index(syscallCols, "tid"), index(syscallCols, "proc"),
		index(syscallCols, "ts"), index(syscallCols, "syscall"), index(syscallCols, "errno"),
		index(syscallCols, "category"), index(syscallCols, "dur"), index(syscallCols, "args"),
	}
	// pfArgs are the columns a slice carries in its args, in order.
	pfArgs = indices(syscallCols, "res", "errno", "failed", "fd", "fd_name", "path", "bytes")
	pfProc = struct{ pid, name, exe, exitStatus, signal, start, end, args int }{
		index(procCols, "pid"), index(procCols, "name"), index(procCols, "exe"),
		index(procCols, "exit_status"), index(procCols, "signal"), index(procCols, "start"),
		index(procCols, "end"), index(procCols, "args"),
	}
)

// indices returns the positions of the columns named in cols.
func indices(cols []Column, names ...string) []int {
	is := make([]int, len(names))
	for i, n := range names {
		is[i] = index(cols, n)
	}
	return is
}

type perfettoThread struct {
	pid  int64
	name string
}

// NewPerfetto returns a Sink writing a Perfetto (Chrome trace-event) JSON
// timeline to w. Times are microseconds since the first event of the
// capture, whose absolute time (ns) is in "otherData".
func NewPerfetto(w io.Writer) Sink {
	p := &perfetto{w: bufio.NewWriterSize(w, 1<<16), c: w, first: true,
		threads: make(map[int64]perfettoThread)}
	p.w.WriteString(`{"displayTimeUnit":"ns","traceEvents":[`)
	return p
}

// Begin takes the time of the capture's first event.
func (p *perfetto) Begin(ts uint64) { p.t0 = ts }

// appendMicros appends ts (ns) as microseconds since t0 with three
// decimals.
func (p *perfetto) appendMicros(b []byte, ts uint64) []byte {
	var rel uint64
	if ts > p.t0 {
		rel = ts - p.t0
	}
	return appendNSAsMicros(b, rel)
}

func appendNSAsMicros(b []byte, ns uint64) []byte {
	b = strconv.AppendUint(b, ns/1000, 10)
	f := ns % 1000
	b = append(b, '.', byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10))
	return b
}

func (p *perfetto) start(b []byte) []byte {
	if !p.first {
		b = append(b, ",\n"...)
	}
	p.first = false
	return b
}

func (p *perfetto) Syscall(vals []Value) error {
	pid, tid := &vals[pfSys.pid], &vals[pfSys.tid]
	if pid.Null || tid.Null {
		return nil
	}
	if name := &vals[pfSys.proc]; !name.Null {
		if t, ok := p.threads[tid.Int]; !ok || t.pid != pid.Int || t.name != string(name.Buf) {
			p.threads[tid.Int] = perfettoThread{pid.Int, string(name.Buf)}
		}
	}
	ts := vals[pfSys.ts].Uint
	b := p.start(p.buf[:0])
	b = append(b, `{"name":`...)
	label := append(p.label[:0], vals[pfSys.syscall].Buf...)
	if e := &vals[pfSys.errno]; !e.Null {
		label = append(append(append(label, " ("...), e.Buf...), ')')
	}
	p.label = label
	b = field.AppendJSONString(b, label)
	b = append(b, `,"cat":`...)
	b = field.AppendJSONString(b, vals[pfSys.category].Buf)
	if d := &vals[pfSys.dur]; !d.Null {
		b = append(b, `,"ph":"X","ts":`...)
		b = p.appendMicros(b, ts)
		b = append(b, `,"dur":`...)
		b = appendNSAsMicros(b, d.Uint)
		if end := ts + d.Uint; end > p.lastTS {
			p.lastTS = end
		}
	} else {
		b = append(b, `,"ph":"i","s":"t","ts":`...)
		b = p.appendMicros(b, ts)
	}
	if ts > p.lastTS {
		p.lastTS = ts
	}
	b = append(b, `,"pid":`...)
	b = strconv.AppendInt(b, pid.Int, 10)
	b = append(b, `,"tid":`...)
	b = strconv.AppendInt(b, tid.Int, 10)
	b = append(b, `,"args":{`...)
	n := 0
	for _, i := range pfArgs {
		x := &vals[i]
		if x.Null {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = field.AppendJSONString(b, syscallCols[i].Name)
		b = append(b, ':')
		b = appendJSONValue(b, syscallCols[i].Type, x)
	}
	if a := &vals[pfSys.args]; !a.Null && len(a.Buf) > 2 {
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, `"args":`...)
		b = append(b, a.Buf...)
	}
	b = append(b, "}}"...)
	p.buf = b
	if _, err := p.w.Write(b); err != nil {
		return fmt.Errorf("export: writing perfetto: %w", err)
	}
	return nil
}

func (p *perfetto) Process(vals []Value) error {
	pid := &vals[pfProc.pid]
	if pid.Null {
		return nil
	}
	name := string(vals[pfProc.exe].Buf)
	if name == "" {
		name = string(vals[pfProc.name].Buf)
	}
	label := name
	if x := &vals[pfProc.exitStatus]; !x.Null {
		label += " (exit " + strconv.FormatInt(x.Int, 10) + ")"
	}
	if s := &vals[pfProc.signal]; !s.Null {
		label += " (" + string(s.Buf) + ")"
	}
	b := p.start(p.buf[:0])
	b = append(b, `{"ph":"M","name":"process_name","pid":`...)
	b = strconv.AppendInt(b, pid.Int, 10)
	b = append(b, `,"args":{"name":`...)
	b = field.AppendJSONString(b, name)
	b = append(b, "}}"...)
	// The lifetime, as an async slice on the process' own track.
	start, end := vals[pfProc.start].Uint, p.lastTS
	if e := &vals[pfProc.end]; !e.Null {
		end = e.Uint
	}
	for _, ph := range []string{"b", "e"} {
		ts := start
		if ph == "e" {
			ts = max(end, start)
		}
		b = append(b, ",\n"...)
		b = append(b, `{"ph":"`...)
		b = append(b, ph...)
		b = append(b, `","cat":"process","name":`...)
		b = field.AppendJSONString(b, label)
		b = append(b, `,"id":`...)
		b = strconv.AppendInt(b, pid.Int, 10)
		b = append(b, `,"pid":`...)
		b = strconv.AppendInt(b, pid.Int, 10)
		b = append(b, `,"tid":`...)
		b = strconv.AppendInt(b, pid.Int, 10)
		b = append(b, `,"ts":`...)
		b = p.appendMicros(b, ts)
		if ph == "b" {
			b = append(b, `,"args":{"args":`...)
			b = append(b, orJSON(&vals[pfProc.args], "null")...)
			b = append(b, `,"exit_status":`...)
			b = append(b, orJSONInt(&vals[pfProc.exitStatus])...)
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	p.buf = b
	if _, err := p.w.Write(b); err != nil {
		return fmt.Errorf("export: writing perfetto: %w", err)
	}
	return nil
}

func orJSON(v *Value, null string) []byte {
	if v.Null {
		return []byte(null)
	}
	return v.Buf
}

func orJSONInt(v *Value) []byte {
	if v.Null {
		return []byte("null")
	}
	return strconv.AppendInt(nil, v.Int, 10)
}

func (p *perfetto) Close() error {
	tids := make([]int64, 0, len(p.threads))
	for tid := range p.threads {
		tids = append(tids, tid)
	}
	sort.Slice(tids, func(i, j int) bool { return tids[i] < tids[j] })
	for _, tid := range tids {
		t := p.threads[tid]
		b := p.start(p.buf[:0])
		b = append(b, `{"ph":"M","name":"thread_name","pid":`...)
		b = strconv.AppendInt(b, t.pid, 10)
		b = append(b, `,"tid":`...)
		b = strconv.AppendInt(b, tid, 10)
		b = append(b, `,"args":{"name":`...)
		b = field.AppendJSONString(b, t.name)
		b = append(b, "}}"...)
		p.buf = b
		p.w.Write(b)
	}
	fmt.Fprintf(p.w, "\n],\"otherData\":{\"xtrace_schema_version\":%d,\"xtrace_start_ns\":%d}}\n", SchemaVersion, p.t0)
	err := p.w.Flush()
	if c, ok := p.c.(io.Closer); ok {
		if err2 := c.Close(); err == nil {
			err = err2
		}
	}
	if err != nil {
		return fmt.Errorf("export: writing perfetto: %w", err)
	}
	return nil
}
