package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"xtrace/capture"
	"xtrace/inspect"
	"xtrace/scap"
	"xtrace/tracer"
)

type atomicInt32 = atomic.Int32

// recordOutput consumes the recorder's header and event batches.
type recordOutput interface {
	header(h *scap.Header) error
	write(b *tracer.Batch) error
	// finishEarly ends the output before the tracer does (-M).
	finishEarly()
	closed() bool
	close() error
	abort()
}

// fileOutput writes the capture file, or the series of files of -C, -G,
// -W and -e, through a capture.Writer: every batch reaches the file as
// whole blocks, so a killed xtrace leaves a file that reads up to its last
// batch; with -z the gzip member is synced after each batch and closed
// every second (see capture.File). On a failed write the file is cut back
// to its last clean point. A rotated file starts with the header
// nextHeader returns (the state engine's view, see headerFromState).
type fileOutput struct {
	mu         sync.Mutex
	w          *capture.Writer
	done       bool
	err        error
	nextHeader func() (*scap.Header, error)
}

func newFileOutput(cli *CLI) (*fileOutput, error) {
	o := &fileOutput{}
	w, err := capture.Open(capture.Options{
		Path:     cli.Write,
		Compress: cli.Compress,
		Members:  true,
		Rotation: rotationOf(cli),
		Live:     true,
		NextHeader: func() (*scap.Header, error) {
			if o.nextHeader == nil {
				return nil, nil // the previous header again
			}
			return o.nextHeader()
		},
	})
	if err != nil {
		return nil, fmt.Errorf("xtrace: %w", err)
	}
	o.w = w
	return o, nil
}

func (o *fileOutput) header(h *scap.Header) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.fail(o.w.Start(h))
}

func (o *fileOutput) fail(err error) error {
	if err != nil && o.err == nil {
		o.err = err
	}
	return err
}

func (o *fileOutput) write(b *tracer.Batch) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return nil
	}
	if o.err != nil {
		return o.err
	}
	if err := b.Each(func(cpu uint16, flags uint32, raw []byte) error { return o.w.Write(cpu, flags, raw) }); err != nil {
		return o.fail(err)
	}
	return o.fail(o.w.Commit())
}

// writeEvent adds one event (a capture filter decides which); commitEvents
// moves what was added to the file.
func (o *fileOutput) writeEvent(cpu uint16, flags uint32, raw []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return nil
	}
	if o.err != nil {
		return o.err
	}
	return o.fail(o.w.Write(cpu, flags, raw))
}

func (o *fileOutput) commitEvents() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done || o.err != nil {
		return o.err
	}
	return o.fail(o.w.Commit())
}

// failure returns the error that stopped the output, if any.
func (o *fileOutput) failure() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

func (o *fileOutput) finishEarly() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.finish()
}

func (o *fileOutput) finish() {
	if o.done {
		return
	}
	o.done = true
	if o.err == nil {
		o.fail(o.w.Finish())
	}
}

func (o *fileOutput) closed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.done
}

func (o *fileOutput) close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.finish()
	err := o.w.Close()
	if o.err != nil {
		return o.err
	}
	return err
}

// kept returns how many events the current file holds for sure, and its
// name.
func (o *fileOutput) kept() (int64, string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	f := o.w.File()
	return f.Kept(), f.Name()
}

// stats returns the running totals for the progress line.
func (o *fileOutput) stats() capture.Stats { return o.w.Stats() }

func (o *fileOutput) abort() { o.w.Abort() }

// liveOutput prints events as they are recorded, through the replay
// pipeline: the batches are written as a capture into a pipe that a
// scap.Reader reads back, so the lines are exactly those `xtrace -r` would
// print for the same file.
//
// With a filter, -n counts the events printed (as sysdig counts those
// that pass its filter); onLimit then ends the capture.
type liveOutput struct {
	pw      *io.PipeWriter
	sw      *scap.Writer
	done    chan error
	mu      sync.Mutex
	fin     bool
	limit   int64
	onLimit func() // set before recording starts
}

func (o *liveOutput) setOnLimit(f func()) { o.onLimit = f }

func newLiveOutput(ctx context.Context, cli *CLI, stdout io.Writer) (*liveOutput, error) {
	opts, err := printOptions(cli)
	if err != nil {
		return nil, err
	}
	match, err := compileFilter(strings.Join(cli.Filter, " "))
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	o := &liveOutput{pw: pw, sw: scap.NewWriter(pw), done: make(chan error, 1)}
	out := &lockedWriter{w: bufio.NewWriterSize(stdout, 1<<16)}
	sink, err := newSink(ctx, cli, opts, out.w)
	if err != nil {
		return nil, err
	}
	o.limit = cli.NumEvents
	go func() {
		o.done <- o.printLive(pr, sink, match, out, cli.Unbuffered)
	}()
	return o, nil
}

// lockedWriter lets a ticker flush what the printer buffered.
type lockedWriter struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (o *liveOutput) printLive(r *io.PipeReader, sink eventSink, match func(*inspect.Event) bool, out *lockedWriter, unbuffered bool) error {
	defer r.Close()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				out.mu.Lock()
				out.w.Flush()
				out.mu.Unlock()
			}
		}
	}()
	rd, err := scap.NewReader(r)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
	in := inspect.New(rd.Header())
	var printed int64
	for {
		sev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if o.limit > 0 && printed >= o.limit {
			continue // drain what the tracer still sends
		}
		ev := in.Process(sev)
		if ev.Hidden() || (match != nil && !match(ev)) {
			continue
		}
		out.mu.Lock()
		err = sink.Event(ev)
		if unbuffered {
			out.w.Flush()
		}
		out.mu.Unlock()
		if err != nil {
			return err
		}
		if printed++; o.limit > 0 && printed >= o.limit && o.onLimit != nil {
			o.onLimit()
		}
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	if err := sink.End(); err != nil {
		return err
	}
	return out.w.Flush()
}

func (o *liveOutput) header(h *scap.Header) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.sw.WriteHeader(h); err != nil {
		return err
	}
	return o.sw.Flush()
}

func (o *liveOutput) write(b *tracer.Batch) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fin {
		return nil
	}
	if err := b.Each(func(cpu uint16, flags uint32, raw []byte) error { return o.sw.WriteRaw(cpu, flags, raw) }); err != nil {
		return err
	}
	return o.sw.Flush()
}

func (o *liveOutput) finishEarly() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fin = true
}

func (o *liveOutput) closed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.fin
}

func (o *liveOutput) close() error {
	o.mu.Lock()
	o.fin = true
	o.pw.Close()
	o.mu.Unlock()
	return <-o.done
}

func (o *liveOutput) abort() { o.pw.CloseWithError(errors.New("aborted")) }
