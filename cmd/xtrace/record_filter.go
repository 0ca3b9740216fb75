package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"xtrace/event"
	"xtrace/filter"
	"xtrace/inspect"
	"xtrace/scap"
	"xtrace/seccomp"
	"xtrace/tracer"
)

// filterOutput applies a capture filter before writing, as `sysdig -w FILE
// FILTER` does: the recorded stream runs through the same state engine
// and filter as a replay (the batches are written as a capture into a
// pipe that a scap.Reader reads back), and only matching events are
// written as events. An event that does not match but modifies state
// (EF_MODIFIES_STATE: clone, execve, open, close, socket, chdir,
// procexit, ...) is kept flagged state-only, as sysdig -F does: sysdig and
// tshark do not show it, but a replay still knows the processes and fds
// behind the events shown. (sysdig without -F drops them, and its replay
// then names the processes started during the capture <NA>; a recorder
// has no reason to.)
//
// Without a filter (match nil) every event is written; a rotated
// recording goes through here for the state engine, whose view at the
// rotation point becomes the next file's header (headerFromState).
//
// -n counts the matching events written (sysdig counts the events that
// pass its filter): once limit of them are in the file the rest is
// dropped and onLimit ends the capture.
type filterOutput struct {
	file  *fileOutput
	pw    *io.PipeWriter
	sw    *scap.Writer
	match func(*inspect.Event) bool
	fat   bool
	mu    sync.Mutex
	done  chan error
	fin   bool

	limit   int64
	onLimit func() // set before recording starts

	// The state engine and the first header, owned by the filter
	// goroutine (stateHeader runs there, from a rotation).
	in   *inspect.Inspector
	base *scap.Header
}

func newFilterOutput(file *fileOutput, match func(*inspect.Event) bool, fat bool, limit int64) *filterOutput {
	pr, pw := io.Pipe()
	o := &filterOutput{file: file, pw: pw, sw: scap.NewWriter(pw), match: match, fat: fat, done: make(chan error, 1), limit: limit}
	go func() { o.done <- o.filter(pr) }()
	return o
}

func (o *filterOutput) setOnLimit(f func()) { o.onLimit = f }

// filter reads the recorded stream back and writes what passes.
func (o *filterOutput) filter(r *io.PipeReader) error {
	defer r.Close()
	rd, err := scap.NewReader(r)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		r.CloseWithError(err)
		return err
	}
	in := inspect.New(rd.Header())
	o.in = in
	n := 0
	var matched int64
	for {
		sev, err := rd.Next()
		if err == io.EOF {
			return o.file.commitEvents()
		}
		if err != nil {
			r.CloseWithError(err)
			return err
		}
		if o.limit > 0 && matched >= o.limit {
			continue // drain what the tracer still sends
		}
		ev := in.Process(sev)
		flags := sev.DumpFlags & scap.FlagInjected
		last := false
		if o.match == nil || o.match(ev) {
			matched++
			last = o.limit > 0 && matched >= o.limit
		} else {
			if !o.fat || ev.Info == nil || ev.Info.Flags&event.ModifiesState == 0 {
				continue
			}
			flags |= scap.FlagStateOnly
		}
		if err := o.file.writeEvent(sev.CPU, flags, sev.Raw()); err != nil {
			r.CloseWithError(err)
			return err
		}
		if n++; n%4096 == 0 || last {
			if err := o.file.commitEvents(); err != nil {
				r.CloseWithError(err)
				return err
			}
		}
		if last && o.onLimit != nil {
			o.onLimit()
		}
	}
}

// stateHeader returns the header of a rotated file: the state engine's
// view right now (see headerFromState).
func (o *filterOutput) stateHeader() (*scap.Header, error) {
	return headerFromState(o.in, o.base), nil
}

func (o *filterOutput) header(h *scap.Header) error {
	o.base = h
	if err := o.file.header(h); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.sw.WriteHeader(h); err != nil {
		return err
	}
	return o.sw.Flush()
}

func (o *filterOutput) write(b *tracer.Batch) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fin {
		return nil
	}
	if err := b.Each(func(cpu uint16, flags uint32, raw []byte) error { return o.sw.WriteRaw(cpu, flags, raw) }); err != nil {
		return err
	}
	if err := o.sw.Flush(); err != nil {
		// The filter stopped on an error; it is reported by close.
		o.fin = true
		return o.file.failure()
	}
	return nil
}

func (o *filterOutput) finishEarly() {
	o.mu.Lock()
	o.fin = true
	o.pw.Close()
	o.mu.Unlock()
	<-o.done
	o.file.finishEarly()
}

func (o *filterOutput) closed() bool { return o.file.closed() }

func (o *filterOutput) close() error {
	o.mu.Lock()
	if !o.fin {
		o.fin = true
		o.pw.Close()
		o.mu.Unlock()
		if err := <-o.done; err != nil {
			o.file.close()
			return err
		}
	} else {
		o.mu.Unlock()
	}
	return o.file.close()
}

func (o *filterOutput) abort() {
	o.pw.CloseWithError(errors.New("aborted"))
	o.file.abort()
}

// captureSyscalls narrows the traced syscalls to those a capture filter
// can match: a top-level conjunct "evt.type=NAME" or "evt.type in (...)"
// limits them to the syscalls whose events carry those names; anything
// else keeps every syscall. The tracer adds the state-changing syscalls
// (seccomp.Required) whatever this returns, and thread exits and signal
// deliveries are recorded regardless, so a narrowed capture replays with
// the same processes and fds; syscalls left out cost no stop at all.
func captureSyscalls(expr string) seccomp.Set {
	all := seccomp.All()
	if strings.TrimSpace(expr) == "" {
		return all
	}
	f, err := filter.Compile(expr, nil)
	if err != nil {
		return all
	}
	set, ok := syscallsOf(f.AST())
	if !ok {
		return all
	}
	return set
}

// failingSyscalls returns the syscalls whose events evt.failed=true can
// match: sinsp's evt.failed is true for an event with a negative "res"
// parameter, or the exit of an fd-creating call with a negative "fd".
// Generic syscalls (GENERIC_X carries no return value) and the others
// never fail in sysdig's eyes, so they need no stop.
func failingSyscalls() seccomp.Set {
	var set seccomp.Set
	for _, sc := range event.Syscalls() {
		// brk returns the (old) break on failure, never a negative
		// value.
		if sc.Generic() || sc.Nr == unix.SYS_BRK {
			continue
		}
		for _, t := range []event.Type{sc.Enter, sc.Exit} {
			d := event.Info(t)
			if d == nil {
				continue
			}
			for _, p := range d.Params {
				if p.Name == "res" || (p.Name == "fd" && d.Dir == event.Exit && d.Flags&event.CreatesFD != 0) {
					set.Add(sc.Nr)
				}
			}
		}
	}
	return set
}

// syscallsOf returns the syscalls n can match and whether n restricts
// them at all.
func syscallsOf(n filter.Node) (seccomp.Set, bool) {
	switch n := n.(type) {
	case *filter.BinaryExpr:
		x, xok := syscallsOf(n.X)
		y, yok := syscallsOf(n.Y)
		switch {
		case n.Op == filter.And && xok && yok:
			for i := range x {
				x[i] &= y[i]
			}
			return x, true
		case n.Op == filter.And && xok:
			return x, true
		case n.Op == filter.And && yok:
			return y, true
		case n.Op == filter.Or && xok && yok:
			x.Union(&y)
			return x, true
		}
	case *filter.Check:
		if n.Field == "evt.failed" && n.Op == filter.OpEq && len(n.Values) == 1 &&
			(n.Values[0].Text == "true" || n.Values[0].Text == "1") {
			return failingSyscalls(), true
		}
		if n.Field != "evt.type" || (n.Op != filter.OpEq && n.Op != filter.OpIn) {
			break
		}
		var set seccomp.Set
		for _, v := range n.Values {
			for _, sc := range event.Syscalls() {
				name := event.SCName(sc.SC)
				if !sc.Generic() {
					name = event.Info(sc.Enter).Name
				}
				if name == v.Text {
					set.Add(sc.Nr)
				}
			}
		}
		return set, true
	}
	return seccomp.Set{}, false
}

// listTracedSyscalls prints the names of the syscalls the seccomp program
// of a launched command traces for the capture filter, in syscall number
// order, comma-separated.
func listTracedSyscalls(cli *CLI, stdout io.Writer) error {
	expr := strings.Join(cli.Filter, " ")
	if expr != "" {
		if _, err := compileFilter(expr); err != nil {
			return err
		}
	}
	set := seccomp.Traced(captureSyscalls(expr))
	var names []string
	for _, sc := range event.Syscalls() {
		if set.Has(sc.Nr) {
			names = append(names, sc.Name)
		}
	}
	_, err := fmt.Fprintln(stdout, strings.Join(names, ","))
	return err
}
