package export

import (
	"fmt"
	"slices"

	"xtrace/event"
	"xtrace/field"
	"xtrace/inspect"
)

// Value is one cell of a row. Buf holds the bytes of string, bytes and JSON
// values; it belongs to the row and is reused for the next one.
type Value struct {
	Null bool
	Int  int64
	Uint uint64
	Bool bool
	Buf  []byte
}

// Sink receives rows. The values are only valid during the call.
type Sink interface {
	// Syscall writes one syscall row (SyscallColumns order).
	Syscall(vals []Value) error
	// Process writes one process row (ProcColumns order); process rows
	// come after every syscall row.
	Process(vals []Value) error
	// Close finishes the output.
	Close() error
}

// Options select what an Exporter writes.
type Options struct {
	// Filter keeps the syscall rows whose exit event (enter event, for
	// calls without an exit in the capture) it matches; nil keeps all.
	// It is evaluated as sysdig -d does, after the state engine has
	// seen the event.
	Filter func(*inspect.Event) bool
	// Data fills the data column with the calls' buffers.
	Data bool
}

// Exporter merges the events of a capture into syscall rows and keeps the
// process table. Feed it every processed event in order with Event, then
// call Close.
type Exporter struct {
	opts Options
	sink Sink

	// handles holds the field handle of each syscall column (nil for
	// export-only ones); phandles those of the process columns.
	handles  []*field.Field
	phandles []*field.Field

	pending map[int64]*pending
	procs   map[int64]*proc
	order   []int64 // pids in order of appearance

	row      []Value // scratch row
	val, res []byte  // parameter rendering scratch
	mbuf     []byte  // the exit's args members
	// Column indices the merge reads; pargs is the process table's args.
	dur, rs, ts, args, pargs int
	rows                     uint64
	begun                    bool
}

// pending is a syscall whose enter event was seen and whose exit has not
// come yet.
type pending struct {
	// interrupted holds the calls a signal handler interrupted, innermost
	// last: their exit comes after the handler's own calls.
	interrupted []*pending
	used        bool
	typ         event.Type
	ts          uint64
	match       bool
	vals        []Value
	args        []byte // JSON members, without braces
}

// proc is one row of the process table.
type proc struct {
	vals     []Value
	start    uint64
	end      uint64
	exited   bool
	exitCode int64
	signal   string
}

// New returns an Exporter writing to sink.
func New(sink Sink, o Options) (*Exporter, error) {
	x := &Exporter{
		opts:    o,
		sink:    sink,
		pending: make(map[int64]*pending),
		procs:   make(map[int64]*proc),
		row:     make([]Value, len(syscallCols)),
		dur:     index(syscallCols, "dur"),
		rs:      index(syscallCols, "res"),
		ts:      index(syscallCols, "ts"),
		args:    index(syscallCols, "args"),
		pargs:   index(procCols, "args"),
	}
	fo := &field.Options{Render: inspect.RenderOptions{Full: true}}
	var err error
	if x.handles, err = lookupAll(syscallCols, fo); err != nil {
		return nil, err
	}
	if x.phandles, err = lookupAll(procCols, fo); err != nil {
		return nil, err
	}
	return x, nil
}

func lookupAll(cols []Column, fo *field.Options) ([]*field.Field, error) {
	hs := make([]*field.Field, len(cols))
	for i, c := range cols {
		if c.Field == "" {
			continue
		}
		h, err := field.Lookup(c.Field, fo)
		if err != nil {
			return nil, fmt.Errorf("export: column %s: %w", c.Name, err)
		}
		hs[i] = h
	}
	return hs, nil
}

// Rows returns the number of syscall rows written so far.
func (x *Exporter) Rows() uint64 { return x.rows }

// hasExit reports whether events of enter type t have an exit event: the
// table marks the exit of enter-only events (procexit, signaldeliver, ...)
// unused.
func hasExit(t event.Type) bool {
	d := event.Info(t + 1)
	return d != nil && d.Flags&event.Unused == 0
}

// Event takes one processed event.
func (x *Exporter) Event(e *inspect.Event) error {
	if e.Info == nil || e.Info.Category&event.CatInternal != 0 || e.FilteredOut() || e.Consumed() {
		return nil
	}
	if !x.begun {
		x.begun = true
		if b, ok := x.sink.(interface{ Begin(ts uint64) }); ok {
			b.Begin(e.TS)
		}
	}
	x.noteProcess(e)
	p := x.pending[e.TID]
	if e.Type == event.SignalDeliver && p != nil && p.used {
		// A handler runs inside the pending call (the in-process agent
		// records it so: one call, the handler's calls before its
		// exit; ptrace writes the call's exit first): keep the call
		// for its exit instead of ending it unfinished at the
		// handler's first call.
		// The call moves aside whole; the thread gets a fresh pending.
		next := &pending{vals: make([]Value, len(syscallCols)), interrupted: append(p.interrupted, p)}
		p.interrupted = nil
		x.pending[e.TID], p = next, next
	}
	if e.Info.Dir == event.Enter {
		if p != nil && p.used {
			// The call never returned (exit_group, a thread killed
			// in it, a capture cut short).
			if err := x.flush(p); err != nil {
				return err
			}
		}
		if !hasExit(e.Type) {
			if !x.match(e) {
				return nil
			}
			clearVals(x.row)
			x.fill(x.row, e, false)
			x.setArgs(x.row, e, nil)
			return x.emit(x.row)
		}
		if p == nil {
			p = &pending{vals: make([]Value, len(syscallCols))}
			x.pending[e.TID] = p
		}
		p.used, p.typ, p.ts = true, e.Type, e.TS
		p.match = x.match(e)
		clearVals(p.vals)
		x.fill(p.vals, e, false)
		p.args = x.appendArgMembers(p.args[:0], e)
		return nil
	}
	paired := p != nil && p.used && p.typ+1 == e.Type
	if paired {
		p.used = false
	} else if n := 0; p != nil && !p.used {
		if n = len(p.interrupted); n > 0 && p.interrupted[n-1].typ+1 == e.Type {
			// The exit of the call a handler interrupted.
			p = p.interrupted[n-1]
			x.pending[e.TID].interrupted = x.pending[e.TID].interrupted[:n-1]
			paired, p.used = true, false
		}
	}
	if !x.match(e) {
		return nil
	}
	row := x.row
	clearVals(row)
	if paired {
		copyVals(row, p.vals)
	}
	x.fill(row, e, true)
	if paired {
		x.setArgs(row, e, p)
		ts := &row[x.ts]
		ts.Null, ts.Uint = false, p.ts
	} else {
		x.setArgs(row, e, nil)
	}
	return x.emit(row)
}

func (x *Exporter) match(e *inspect.Event) bool {
	return x.opts.Filter == nil || x.opts.Filter(e)
}

// flush writes a pending call that has no exit: its result and duration
// stay null.
func (x *Exporter) flush(p *pending) error {
	p.used = false
	if !p.match {
		return nil
	}
	row := x.row
	clearVals(row)
	copyVals(row, p.vals)
	a := append(row[x.args].Buf[:0], '{')
	a = append(a, p.args...)
	row[x.args] = Value{Buf: append(a, '}')}
	return x.emit(row)
}

func (x *Exporter) emit(row []Value) error {
	x.rows++
	return x.sink.Syscall(row)
}

// fill sets the columns of row that event e has a value for; exit says
// whether e is the exit of the call (enter values already in row stay
// where e has none).
func (x *Exporter) fill(row []Value, e *inspect.Event, exit bool) {
	for i := range syscallCols {
		c := &syscallCols[i]
		v := &row[i]
		switch c.src {
		case fromField, fromFailedField, fromEnterTime:
			if c.src == fromFailedField && !field.EvtFailed(e) {
				continue
			}
			if !exit && (i == x.dur || i == x.rs) {
				continue
			}
			x.extract(v, x.handles[i], e)
		case fromData:
			// evt.buffer's parameter, raw: the field renders it
			// for printing.
			if x.opts.Data {
				if j := e.ParamIndex("data"); j >= 0 {
					v.Buf, v.Null = append(v.Buf[:0], e.Param(j)...), false
				}
			}
		case fromPath:
			if buf, ok := x.appendPath(v.Buf[:0], e); ok {
				v.Buf, v.Null = buf, false
			}
		}
	}
	if !exit {
		// An enter event's latency is 0, not the call's.
		row[x.dur].Null = true
	}
}

// extract sets v from field handle h on e, leaving v as it is when the
// field has no value.
func (x *Exporter) extract(v *Value, h *field.Field, e *inspect.Event) {
	fv, ok := h.Extract(e)
	if !ok {
		return
	}
	v.Null = false
	switch fv.Kind {
	case field.KindInt:
		v.Int = fv.Int
	case field.KindUint:
		v.Uint = fv.Uint
	case field.KindBool:
		v.Bool = fv.Uint != 0
	case field.KindFloat:
		v.Buf = fmt.Appendf(v.Buf[:0], "%g", fv.Float)
	case field.KindIP:
		v.Buf, _, _ = h.AppendValueText(v.Buf[:0], fv)
	default:
		if fv.Str == "<NA>" {
			// sysdig's rendering of a missing value.
			v.Null = true
			return
		}
		v.Buf = append(v.Buf[:0], fv.Str...)
	}
}

// setArgs fills the args column: the enter's members not repeated by e,
// then e's.
func (x *Exporter) setArgs(row []Value, e *inspect.Event, p *pending) {
	v := &row[x.args]
	a := append(v.Buf[:0], '{')
	if p != nil {
		// Enter members the exit does not repeat.
		a = x.appendEnterMembers(a, p, e.Info.Params[:min(e.NumParams(), len(e.Info.Params))])
	}
	x.mbuf = x.appendArgMembers(x.mbuf[:0], e)
	if len(x.mbuf) > 0 && len(a) > 1 {
		a = append(a, ',')
	}
	a = append(a, x.mbuf...)
	a = append(a, '}')
	v.Buf, v.Null = a, false
}

// appendEnterMembers copies the members of p.args whose parameter the
// exit does not have.
func (x *Exporter) appendEnterMembers(dst []byte, p *pending, exit []event.Param) []byte {
	first := true
	for b := p.args; len(b) > 0; {
		name, text, rest := nextMember(b)
		b = rest
		if named(exit, name) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, text...)
	}
	return dst
}

// named reports whether ps has a parameter called name that argsParam
// would keep.
func named(ps []event.Param, name []byte) bool {
	for i := range ps {
		if ps[i].Name == string(name) && ps[i].Type != event.PTByteBuf {
			return true
		}
	}
	return false
}

// nextMember splits the first `"name":value` off JSON object members
// written by appendArgMembers (names are plain parameter names; values
// are numbers, literals or strings), and returns the rest after its comma.
func nextMember(b []byte) (name, text, rest []byte) {
	j := 1
	for j < len(b) && b[j] != '"' {
		j++
	}
	name = b[1:min(j, len(b))]
	k := j + 2
	if k < len(b) && b[k] == '"' {
		for k++; k < len(b) && b[k] != '"'; k++ {
			if b[k] == '\\' {
				k++
			}
		}
		k++
	} else {
		for k < len(b) && b[k] != ',' {
			k++
		}
	}
	k = min(k, len(b))
	text = b[:k]
	if k < len(b) {
		k++ // the comma
	}
	return name, text, b[k:]
}

func clearVals(vs []Value) {
	for i := range vs {
		vs[i] = Value{Null: true, Buf: vs[i].Buf[:0]}
	}
}

func copyVals(dst, src []Value) {
	for i := range src {
		b := append(dst[i].Buf[:0], src[i].Buf...)
		dst[i] = src[i]
		dst[i].Buf = b
	}
}

// noteProcess keeps the process table current with e.
func (x *Exporter) noteProcess(e *inspect.Event) {
	t := e.Thread
	if t == nil || t.PID < 0 {
		return
	}
	pr := x.procs[t.PID]
	if pr == nil {
		pr = &proc{vals: make([]Value, len(procCols)), start: e.TS}
		clearVals(pr.vals)
		if m := t.Main(); m != nil && m.CloneTS != 0 && m.CloneTS <= e.TS {
			pr.start = m.CloneTS
		}
		x.procs[t.PID] = pr
		x.order = append(x.order, t.PID)
		x.procFields(pr, e)
	} else if e.Info.Flags&event.ModifiesState != 0 && (e.Info.Dir == event.Exit || !hasExit(e.Type)) {
		x.procFields(pr, e)
	}
	if (e.Type == event.ProcExit1E || e.Type == event.ProcExitE) && t.TID == t.PID {
		pr.end, pr.exited = e.TS, true
		if i := e.ParamIndex("ret"); i >= 0 {
			pr.exitCode, _ = e.ParamInt(i)
		}
		pr.signal = ""
		if i := e.ParamIndex("sig"); i >= 0 {
			if s, ok := e.ParamUint(i); ok && s != 0 {
				pr.signal = event.SignalName(int(s))
			}
		}
	}
}

// procFields extracts the field columns of the process table from e.
func (x *Exporter) procFields(pr *proc, e *inspect.Event) {
	for i, h := range x.phandles {
		if h != nil {
			x.extract(&pr.vals[i], h, e)
		}
	}
	if i := x.pargs; i >= 0 {
		if m := e.Thread.Main(); m != nil {
			a := append(pr.vals[i].Buf[:0], '[')
			for j, s := range m.Args {
				if j > 0 {
					a = append(a, ',')
				}
				a = field.AppendJSONString(a, s)
			}
			pr.vals[i].Buf, pr.vals[i].Null = append(a, ']'), false
		}
	}
}

// Close writes the calls still pending, the process table, and closes the
// sink.
func (x *Exporter) Close() error {
	tids := make([]int64, 0, len(x.pending))
	for tid, p := range x.pending {
		if p.used || len(p.interrupted) > 0 {
			tids = append(tids, tid)
		}
	}
	slices.Sort(tids)
	for _, tid := range tids {
		p := x.pending[tid]
		for _, q := range append(p.interrupted, p) {
			if q.used {
				if err := x.flush(q); err != nil {
					return err
				}
			}
		}
	}
	for _, pid := range x.order {
		pr := x.procs[pid]
		for i := range procCols {
			v := &pr.vals[i]
			switch procCols[i].src {
			case fromProcStart:
				v.Null, v.Uint = false, pr.start
			case fromProcEnd:
				v.Null, v.Uint = !pr.exited, pr.end
			case fromProcExit:
				v.Null, v.Int = !pr.exited, pr.exitCode
			case fromProcSignal:
				v.Null = pr.signal == ""
				v.Buf = append(v.Buf[:0], pr.signal...)
			}
		}
		if err := x.sink.Process(pr.vals); err != nil {
			return err
		}
	}
	return x.sink.Close()
}
