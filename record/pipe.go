package record

import (
	"errors"
	"io"
	"sync"

	"xtrace/inspect"
	"xtrace/scap"
	"xtrace/tracer"
)

// consumer takes the events a pipe reads back.
type consumer interface {
	// event handles one event after the state engine processed it.
	// done reports that the consumer wants no more events (an event
	// limit reached): the rest of the stream is drained unread and the
	// pipe's onLimit runs.
	event(sev *scap.Event, ev *inspect.Event) (done bool, err error)
	// end is called once when the stream ends: with nil at the end of a
	// stream that had a header, io.EOF for a stream closed before its
	// header (there is nothing to finish), or the error that stopped it.
	// What it returns is the pipe's result (ignored after io.EOF).
	end(err error) error
}

// pipe runs batches through the replay pipeline: they are written as a
// scap stream into an io.Pipe, read back by a goroutine with a
// scap.Reader, processed by a state engine and handed to a consumer. It
// implements the batch side of [Output].
type pipe struct {
	pw   *io.PipeWriter
	sw   *scap.Writer
	done chan error

	mu      sync.Mutex
	stopped bool // batches are dropped

	closeOnce sync.Once
	result    error // the reading side's result, once closed

	errMu   sync.Mutex
	readErr error // what stopped the reading side, for Write

	// in is the state engine, owned by the reading goroutine.
	in      *inspect.Inspector
	onLimit func() // set before recording starts
}

// newPipe starts a pipe feeding c. compat reads the stream as sysdig
// 0.29.3 does (scap.Reader.SetSysdigCompat): generic events stay generic.
func newPipe(c consumer, compat bool) *pipe {
	pr, pw := io.Pipe()
	p := &pipe{pw: pw, sw: scap.NewWriter(pw), done: make(chan error, 1)}
	go func() { p.done <- p.run(pr, c, compat) }()
	return p
}

// SetOnLimit sets what runs when the consumer reaches its event limit
// (the CLI ends the capture).
func (p *pipe) SetOnLimit(f func()) { p.onLimit = f }

// run reads the stream back.
func (p *pipe) run(r *io.PipeReader, c consumer, compat bool) error {
	defer r.Close()
	fail := func(err error) error {
		p.errMu.Lock()
		p.readErr = err
		p.errMu.Unlock()
		r.CloseWithError(err)
		return c.end(err)
	}
	rd, err := scap.NewReader(r)
	if err != nil {
		if errors.Is(err, io.EOF) {
			c.end(io.EOF)
			return nil
		}
		return fail(err)
	}
	rd.SetSysdigCompat(compat)
	p.in = inspect.New(rd.Header())
	done := false
	for {
		sev, err := rd.Next()
		if err == io.EOF {
			return c.end(nil)
		}
		if err != nil {
			return fail(err)
		}
		if done {
			continue // drain what the tracer still sends
		}
		ev := p.in.Process(sev)
		if done, err = c.event(sev, ev); err != nil {
			return fail(err)
		}
		if done && p.onLimit != nil {
			p.onLimit()
		}
	}
}

// Header writes the capture header into the stream.
func (p *pipe) Header(h *scap.Header) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.sw.WriteHeader(h); err != nil {
		return err
	}
	return p.sw.Flush()
}

// Write writes a batch into the stream. When the reading side has
// stopped on an error, that error is returned and later batches are
// dropped.
func (p *pipe) Write(b *tracer.Batch) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return nil
	}
	if err := b.Each(func(cpu uint16, flags uint32, raw []byte) error { return p.sw.WriteRaw(cpu, flags, raw) }); err != nil {
		return err
	}
	if err := p.sw.Flush(); err != nil {
		p.stopped = true
		p.errMu.Lock()
		defer p.errMu.Unlock()
		if p.readErr != nil {
			return p.readErr
		}
		return err
	}
	return nil
}

// Close ends the stream, waits for the reading side to see its end and
// returns its result; later calls return the same.
func (p *pipe) Close() error {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.closeOnce.Do(func() {
		p.pw.Close()
		p.result = <-p.done
	})
	return p.result
}

// FinishEarly ends the stream before the tracer does: what was written
// is read to its end, later batches are dropped.
func (p *pipe) FinishEarly() { p.Close() }

// Closed reports whether the stream has ended.
func (p *pipe) Closed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopped
}

// Abort ends the stream with an error (the recording did not start).
func (p *pipe) Abort() { p.pw.CloseWithError(errors.New("aborted")) }
