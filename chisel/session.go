package chisel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"xtrace/field"
	"xtrace/inspect"
)

// Options describe the replay the chisels run in: where they write and the
// command-line settings the host API reports.
type Options struct {
	// Out receives everything chisels print: print() output, tables and
	// the lines of an event formatter. Required.
	Out io.Writer
	// Err receives the diagnostics sysdig prints before it goes on (such
	// as a bad get_thread_table filter at the end of the capture). Nil
	// discards them.
	Err io.Writer
	// Buffer is the buffer format chosen on the command line (-A, -x, -X,
	// -b). While it is inspect.BufNormal a chisel may pick another one
	// with sysdig.setOutputFormat, as in sysdig.
	Buffer inspect.BufferFormat
	// JSON is -j (sysdig.getOutputFormat() returns "json").
	JSON bool
	// PrintContainer is -pc (sysdig.isPrintContainerData()).
	PrintContainer bool
	// Filter is the command-line filter (sysdig.getFilter()).
	Filter string
	// Source is the capture file (sysdig.getEvtSourceName()).
	Source string
	// Live reports a live capture (sysdig.isLive()); false when replaying.
	Live bool
	// TTY reports whether Out is a terminal (sysdig.isTTY()).
	TTY bool
	// Loc is the zone of time fields (time.Local when nil).
	Loc *time.Location
	// Time is the -t mode evt.outputtime follows ('h' when 0).
	Time byte
	// Allow are the side effects the chisels may have
	// (--chisel-allow); none when 0.
	Allow Perm
}

// host is the state the chisels of a session share: the output, the
// render options (a chisel may change the buffer format for everyone, as
// sysdig's set_output_format changes the inspector's), the capture state.
type host struct {
	opts Options
	// fieldOpts is shared by every field, filter and formatter of the
	// session; its Render.Buffer follows sysdig.setOutputFormat.
	fieldOpts field.Options
	in        *inspect.Inspector
	// started is set by CaptureStart: machine info becomes available.
	started bool
	// firstTS and lastTS are the first and last event timestamps seen.
	firstTS, lastTS uint64
	snaplen         int
	werr            error
	// nextRun is the command line a chisel asked to run after this one
	// (sysdig.runApp), "" when none.
	nextRun string
}

// Write writes chisel output, remembering the first error.
func (h *host) Write(p []byte) (int, error) {
	if h.werr != nil {
		return 0, h.werr
	}
	n, err := h.opts.Out.Write(p)
	if err != nil {
		h.werr = fmt.Errorf("chisel: writing output: %w", err)
	}
	return n, err
}

// diag writes a diagnostic line to Err.
func (h *host) diag(msg string) {
	if h.opts.Err != nil {
		fmt.Fprintln(h.opts.Err, msg)
	}
}

// Session runs the chisels given for one replay, in command-line order.
// They share the output and the capture's state. A Session is used from
// one goroutine.
type Session struct {
	reg     *Registry
	h       *host
	mu      sync.Mutex // guards chisels against WatchHung
	chisels []*Chisel
	ended   bool
}

// Chisel is one running chisel. After its onInit called chisel.exec, it
// runs the chisel it handed over to (as sysdig does, the name in error
// messages becomes that chisel's).
type Chisel struct {
	rt *runtime
}

// Name returns the name of the chisel that runs.
func (c *Chisel) Name() string { return c.rt.src.name }

// NewSession returns a session that finds chisels in reg.
func NewSession(reg *Registry, opts Options) *Session {
	h := &host{opts: opts}
	h.fieldOpts.Render.Buffer = opts.Buffer
	h.fieldOpts.Loc = opts.Loc
	h.fieldOpts.Time = opts.Time
	if h.fieldOpts.Time == 0 {
		h.fieldOpts.Time = 'h'
	}
	// sysdig does not cut buffers at 80 characters when chisels run.
	h.fieldOpts.Render.Full = true
	return &Session{reg: reg, h: h}
}

// Add loads the chisel called name (or the script at path name), gives it
// its arguments and initialises it: argString is split with [SplitArgs],
// each value goes to onSetArg and all of them to onInit, and a chisel.exec
// in onInit hands over to the named chisel with the given arguments.
//
// Errors: [ErrNotFound] ("can't open file NAME"), *[ArgError] for argument
// count and quoting problems, *[APIError] and *[Error] for failures in the
// script. A chisel that asked xtrace to exit (common.parseNumericInput on
// bad input) gives an error matching [ErrExit]; its message is already
// printed.
func (s *Session) Add(name, argString string) error {
	src, err := s.reg.find(name)
	if err != nil {
		return err
	}
	return s.addSource(src, argString)
}

// addSource is Add for a script already found.
func (s *Session) addSource(src *source, argString string) error {
	info, err := s.reg.info(src)
	if err != nil {
		return err
	}
	vals, err := SplitArgs(info.Name, argString)
	if err != nil {
		return &ArgError{Chisel: info.Name, Msg: err.Error()}
	}
	rt, err := s.start(src, info, vals, 0)
	if err != nil {
		return err
	}
	rt.park()
	s.mu.Lock()
	s.chisels = append(s.chisels, &Chisel{rt: rt})
	s.mu.Unlock()
	return nil
}

// maxExecDepth bounds chains of chisel.exec.
const maxExecDepth = 8

// start makes a runtime for src, passes vals to it and runs onInit,
// following chisel.exec.
func (s *Session) start(src *source, info *Info, vals []string, depth int) (*runtime, error) {
	if err := checkArgCount(info, len(vals)); err != nil {
		return nil, err
	}
	prog, err := s.reg.program(src)
	if err != nil {
		return nil, err
	}
	rt := newRuntime(src, s.h, s.reg)
	if _, err := rt.load(prog); err != nil {
		return nil, err
	}
	args := rt.vm.NewObject()
	for i, v := range vals {
		a := info.Args[i]
		must(args.Set(a.Name, v))
		if rt.onSetArg == nil {
			continue
		}
		res, err := rt.call("onSetArg", rt.onSetArg, rt.vm.ToValue(a.Name), rt.vm.ToValue(v))
		if err != nil {
			return nil, err
		}
		if isFalse(res) {
			return nil, &ArgError{Chisel: info.Name, Msg: fmt.Sprintf("set_arg() for chisel %s failed.", info.Name)}
		}
	}
	if rt.onInit != nil {
		res, err := rt.call("onInit", rt.onInit, args)
		if err != nil {
			return nil, err
		}
		if rt.execName == "" && isFalse(res) {
			return nil, &APIError{Msg: fmt.Sprintf("init() for chisel %s failed.", info.Name)}
		}
	}
	if rt.execName == "" {
		return rt, nil
	}
	if depth >= maxExecDepth {
		return nil, &Error{File: src.path, Callback: "onInit", Msg: "chisel.exec nested too deeply"}
	}
	next, err := s.reg.find(rt.execName)
	if err != nil {
		return nil, err
	}
	nextInfo, err := s.reg.info(next)
	if err != nil {
		return nil, err
	}
	return s.start(next, nextInfo, rt.execArgs, depth+1)
}

// ErrExit is matched by the error of a chisel that asked xtrace to stop
// with a successful status.
var ErrExit = errExit

// CaptureStart tells the chisels that reading starts: in is the state
// they query (thread table, machine info). It calls onCaptureStart.
func (s *Session) CaptureStart(in *inspect.Inspector) error {
	s.h.in = in
	s.h.started = true
	for _, c := range s.chisels {
		rt := c.rt
		if rt.onCaptureStart == nil {
			continue
		}
		res, err := rt.call("onCaptureStart", rt.onCaptureStart)
		if err != nil {
			return err
		}
		if isFalse(res) {
			return &APIError{Msg: fmt.Sprintf("init() for chisel %s failed.", rt.src.name)}
		}
	}
	return nil
}

// WatchHung guards against a chisel that never returns: once ctx is done
// (Ctrl-C), a callback that is still the same running call grace later is
// interrupted, and fails with an error naming the chisel, the callback and
// the event, so that xtrace ends instead of hanging. Callbacks that return
// in time are left alone, so an interrupted replay still ends normally
// with the capture-end output. Call the returned stop before End: the
// capture-end callbacks are not watched (a second Ctrl-C ends xtrace).
// WatchHung is the one Session method that runs on another goroutine.
func (s *Session) WatchHung(ctx context.Context, grace time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		s.mu.Lock()
		rts := make([]*runtime, len(s.chisels))
		for i, c := range s.chisels {
			rts[i] = c.rt
		}
		s.mu.Unlock()
		seen := make([]uint64, len(rts))
		for i, rt := range rts {
			seen[i] = rt.calls.Load()
		}
		t := time.NewTicker(grace)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			for i, rt := range rts {
				n := rt.calls.Load()
				if n == seen[i] && n%2 == 1 {
					rt.vm.Interrupt(fmt.Sprintf("interrupted: still running %v after Ctrl-C", grace))
				}
				seen[i] = n
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}

// Event hands one event to every chisel. It reports stop when a chisel
// called sysdig.endCapture(): the caller stops reading and calls End.
func (s *Session) Event(e *inspect.Event) (stop bool, err error) {
	if s.ended {
		return true, nil
	}
	if s.h.firstTS == 0 {
		s.h.firstTS = e.TS
	}
	s.h.lastTS = e.TS
	for _, c := range s.chisels {
		if err := c.rt.event(e); err != nil {
			return true, err
		}
		if c.rt.endCapture {
			s.ended = true
			return true, s.h.werr
		}
	}
	return false, s.h.werr
}

// End calls every chisel's onCaptureEnd (at the end of the input, after
// sysdig.endCapture(), or on interrupt). A host API error raised there is
// printed on Err and does not fail the run, as in sysdig.
func (s *Session) End() error {
	var errs []error
	sec, nsec := s.h.lastTS/1e9, s.h.lastTS%1e9
	delta := int64(s.h.lastTS - s.h.firstTS)
	for _, c := range s.chisels {
		rt := c.rt
		rt.cur = nil
		if rt.onCaptureEnd == nil {
			continue
		}
		// An interrupt that found no callback running would stop this
		// one at once.
		rt.vm.ClearInterrupt()
		_, err := rt.call("onCaptureEnd", rt.onCaptureEnd,
			rt.vm.ToValue(sec), rt.vm.ToValue(nsec), rt.vm.ToValue(delta))
		var ae *APIError
		switch {
		case errors.As(err, &ae):
			s.h.diag(ae.Msg)
		case err != nil:
			errs = append(errs, err)
		}
	}
	if s.h.werr != nil {
		errs = append(errs, s.h.werr)
	}
	s.Close()
	return errors.Join(errs...)
}

// NextRun returns the arguments of the xtrace run a chisel asked for with
// sysdig.runApp (spy_logs, spy_syslog and around save events this way),
// split as sysdig splits them: on spaces, with double quotes grouping
// words and removed. It is nil when no chisel asked.
func (s *Session) NextRun() []string {
	if s.h.nextRun == "" {
		return nil
	}
	var out []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s.h.nextRun); i++ {
		switch c := s.h.nextRun[i]; {
		case c == '"':
			quoted = !quoted
		case c == ' ' && !quoted:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, cur.String())
}

// Close releases the chisels' runtimes. End calls it; call it yourself
// when a session is abandoned before End.
func (s *Session) Close() {
	for _, c := range s.chisels {
		c.rt.unpark()
		c.rt.closeFiles()
	}
}

// event delivers e to the chisel: interval callbacks, its own filter,
// onEvent, then its event formatter.
func (rt *runtime) event(e *inspect.Event) error {
	rt.cur = e
	defer func() { rt.cur = nil }()
	if err := rt.timeout(e.TS); err != nil {
		return err
	}
	if rt.filter != nil && !rt.filter(e) {
		return nil
	}
	for _, a := range rt.aggs {
		a.add(e)
	}
	if rt.onEvent != nil {
		res, err := rt.call("onEvent", rt.onEvent, rt.evtArgs...)
		if err != nil {
			return err
		}
		if rt.endCapture {
			return nil
		}
		if isFalse(res) {
			return nil
		}
	}
	if rt.formatter != nil {
		if err := rt.formatter.print(rt.out(), e); err != nil {
			return &Error{File: rt.src.path, Callback: "event formatter", Event: e.Num, Msg: err.Error()}
		}
	}
	return nil
}

// timeout runs onInterval when the event time crosses an interval
// boundary (sysdig's do_timeout).
func (rt *runtime) timeout(ts uint64) error {
	if rt.firstEvent {
		rt.firstEvent = false
		switch {
		case rt.interval != 0:
			rt.lastSample = ts - ts%rt.interval
		case rt.preciseInterval != 0:
			rt.lastSample = ts
		}
		return nil
	}
	switch {
	case rt.interval != 0:
		sample := ts - ts%rt.interval
		if sample == rt.lastSample {
			return nil
		}
		var delta int64
		if rt.lastIntervalTS != 0 {
			delta = int64(ts - rt.lastIntervalTS)
			if delta == 0 {
				return nil
			}
		}
		if err := rt.intervalCall(ts, delta); err != nil {
			return err
		}
		rt.lastSample, rt.lastIntervalTS = sample, ts
	case rt.preciseInterval != 0:
		iv := rt.preciseInterval
		if ts-rt.lastSample < iv {
			return nil
		}
		t := rt.lastSample
		for ; t+iv <= ts; t += iv {
			if err := rt.intervalCall(t, int64(iv)); err != nil {
				return err
			}
		}
		rt.lastSample = t
	}
	return nil
}

func (rt *runtime) intervalCall(ts uint64, delta int64) error {
	if rt.onInterval == nil {
		return nil
	}
	res, err := rt.call("onInterval", rt.onInterval,
		rt.vm.ToValue(ts/1e9), rt.vm.ToValue(ts%1e9), rt.vm.ToValue(delta))
	if err != nil {
		return err
	}
	if isFalse(res) {
		return &Error{File: rt.src.path, Callback: "onInterval", Msg: fmt.Sprintf("execution terminated by the %s chisel", rt.src.name)}
	}
	return nil
}
