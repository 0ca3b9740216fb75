package main

import (
	"errors"
	"io"
	"sync"

	"xtrace/event"
	"xtrace/inspect"
	"xtrace/scap"
	"xtrace/tracer"
)

// filterOutput applies a capture filter before writing, as `sysdig -w FILE
// FILTER` does: the recorded stream runs through the same state engine
// and filter as a replay (the batches are written as a capture into a
// pipe that a scap.Reader reads back), and only matching events reach the
// file. With -F (fat file) an event that does not match but modifies
// state (EF_MODIFIES_STATE) is kept, flagged state-only, so that a replay
// still knows the processes and fds behind the events kept.
type filterOutput struct {
	file  *fileOutput
	pw    *io.PipeWriter
	sw    *scap.Writer
	match func(*inspect.Event) bool
	fat   bool
	mu    sync.Mutex
	done  chan error
	fin   bool
}

func newFilterOutput(file *fileOutput, match func(*inspect.Event) bool, fat bool) *filterOutput {
	pr, pw := io.Pipe()
	o := &filterOutput{file: file, pw: pw, sw: scap.NewWriter(pw), match: match, fat: fat, done: make(chan error, 1)}
	go func() { o.done <- o.filter(pr) }()
	return o
}

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
	n := 0
	for {
		sev, err := rd.Next()
		if err == io.EOF {
			return o.file.commitEvents()
		}
		if err != nil {
			r.CloseWithError(err)
			return err
		}
		ev := in.Process(sev)
		var flags uint32
		if !o.match(ev) {
			if !o.fat || ev.Info == nil || ev.Info.Flags&event.ModifiesState == 0 {
				continue
			}
			flags = scap.FlagStateOnly
		}
		if err := o.file.writeEvent(sev.CPU, flags, sev.Raw()); err != nil {
			r.CloseWithError(err)
			return err
		}
		if n++; n%4096 == 0 {
			if err := o.file.commitEvents(); err != nil {
				r.CloseWithError(err)
				return err
			}
		}
	}
}

func (o *filterOutput) header(h *scap.Header) error {
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
	if err := b.Each(func(cpu uint16, raw []byte) error { return o.sw.WriteRaw(cpu, 0, raw) }); err != nil {
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
