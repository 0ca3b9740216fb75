package record

import (
	"xtrace/event"
	"xtrace/inspect"
	"xtrace/scap"
)

// Filter applies a capture filter before writing, as `sysdig -w FILE
// FILTER` does: the recorded stream runs through the same state engine
// and filter as a replay, and only matching events are written as events.
// With fat set, an event that does not match but modifies state
// (EF_MODIFIES_STATE: clone, execve, open, close, socket, chdir,
// procexit, ...) is kept flagged state-only, as sysdig -F does: sysdig and
// tshark do not show it, but a replay still knows the processes and fds
// behind the events shown. (sysdig without -F drops them, and its replay
// then names the processes started during the capture <NA>; a recorder
// has no reason to.)
//
// Without a filter (match nil) every event is written; a rotated
// recording goes through a Filter for the state engine, whose view at the
// rotation point becomes the next file's header (see headerFromState).
//
// A limit above 0 counts the matching events written (sysdig counts the
// events that pass its filter): once limit of them are in the file the
// rest is dropped and the function given to SetOnLimit runs.
type Filter struct {
	*pipe
	file    *File
	match   func(*inspect.Event) bool
	fat     bool
	limit   int64
	matched int64
	pending int // events written since the last commit
	base    *scap.Header
}

// NewFilter returns a Filter writing to file, which then takes the
// headers of its rotated files from the Filter's state engine.
func NewFilter(file *File, match func(*inspect.Event) bool, fat bool, limit int64) *Filter {
	f := &Filter{file: file, match: match, fat: fat, limit: limit}
	f.pipe = newPipe(f, false)
	file.nextHeader = f.stateHeader
	return f
}

func (f *Filter) event(sev *scap.Event, ev *inspect.Event) (bool, error) {
	flags := sev.DumpFlags & scap.FlagInjected
	last := false
	if f.match == nil || f.match(ev) {
		f.matched++
		last = f.limit > 0 && f.matched >= f.limit
	} else {
		if !f.fat || ev.Info == nil || ev.Info.Flags&event.ModifiesState == 0 {
			return false, nil
		}
		flags |= scap.FlagStateOnly
	}
	if err := f.file.writeEvent(sev.CPU, flags, sev.Raw()); err != nil {
		return false, err
	}
	if f.pending++; f.pending%4096 == 0 || last {
		if err := f.file.commit(); err != nil {
			return false, err
		}
	}
	return last, nil
}

func (f *Filter) end(err error) error {
	if err != nil {
		return err
	}
	return f.file.commit()
}

// stateHeader returns the header of a rotated file: the state engine's
// view right now. A rotation happens while the pipe's goroutine writes an
// event, which owns the engine.
func (f *Filter) stateHeader() (*scap.Header, error) {
	return headerFromState(f.pipe.in, f.base), nil
}

// Header writes the capture header to the file and into the pipe.
func (f *Filter) Header(h *scap.Header) error {
	f.base = h
	if err := f.file.Header(h); err != nil {
		return err
	}
	return f.pipe.Header(h)
}

// FinishEarly reads what was recorded to its end and finishes the file.
func (f *Filter) FinishEarly() {
	f.pipe.Close()
	f.file.FinishEarly()
}

// Closed reports whether the file is finished.
func (f *Filter) Closed() bool { return f.file.Closed() }

// Close reads what was recorded to its end and closes the file; it
// returns the first error of either.
func (f *Filter) Close() error {
	if err := f.pipe.Close(); err != nil {
		f.file.Close()
		return err
	}
	return f.file.Close()
}

// Abort drops the stream and removes what was written.
func (f *Filter) Abort() {
	f.pipe.Abort()
	f.file.Abort()
}
