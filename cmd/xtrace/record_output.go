package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"

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

// fileOutput writes a capture file. Every batch reaches the file as whole
// blocks in one write, so a killed xtrace leaves a file that reads up to
// its last batch; with -z the gzip member is synced after each batch and
// closed (a new one started) every second, so the file decompresses
// cleanly up to the last closed member. On a failed write the file is
// cut back to that point.
type fileOutput struct {
	mu     sync.Mutex
	name   string
	f      *os.File
	gz     *gzip.Writer
	acc    bytes.Buffer
	sw     *scap.Writer
	good   int64 // file size at the last point where it reads cleanly
	off    int64
	member time.Time // when the current gzip member started
	inMem  int       // uncompressed bytes in the current member
	// events counts the event blocks written; goodEvents those before
	// good, pending those in the open gzip member.
	events, goodEvents, pending int64
	done                        bool
	err                         error
}

// A gzip member is closed (and the file readable to that point) after
// memberEvery or memberBytes of capture, whichever comes first.
const (
	memberEvery = time.Second
	memberBytes = 256 << 10
)

// chunk is the size of the pieces a batch is written in, at block
// boundaries, so that a full disk costs at most one piece.
const chunk = 64 << 10

func newFileOutput(name string, compress bool) (*fileOutput, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("xtrace: %w", err)
	}
	o := &fileOutput{name: name, f: f, member: time.Now()}
	if compress {
		o.gz = gzip.NewWriter(countWriter{o})
	}
	o.sw = scap.NewWriter(&o.acc)
	return o, nil
}

// countWriter counts the compressed bytes reaching the file.
type countWriter struct{ o *fileOutput }

func (c countWriter) Write(p []byte) (int, error) {
	n, err := c.o.f.Write(p)
	c.o.off += int64(n)
	return n, err
}

func (o *fileOutput) header(h *scap.Header) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.sw.WriteHeader(h); err != nil {
		return err
	}
	// The header is a gzip member of its own: a capture cut short
	// still starts with a complete one.
	return o.commit(true)
}

func (o *fileOutput) write(b *tracer.Batch) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return nil
	}
	if err := b.Each(func(cpu uint16, raw []byte) error { return o.sw.WriteRaw(cpu, 0, raw) }); err != nil {
		return o.fail(err)
	}
	return o.commit(false)
}

// commit moves the accumulated blocks to the file. closeMember forces
// the end of the current gzip member.
func (o *fileOutput) commit(closeMember bool) error {
	if o.err != nil {
		return o.err
	}
	if err := o.sw.Flush(); err != nil {
		return o.fail(err)
	}
	data := o.acc.Bytes()
	defer o.acc.Reset()
	// Write in pieces that end at block boundaries.
	for len(data) > 0 {
		n, events := 0, int64(0)
		for n < len(data) && n < chunk {
			if len(data)-n < 8 {
				n = len(data)
				break
			}
			switch binary.LittleEndian.Uint32(data[n:]) {
			case scap.BlockEVv2, scap.BlockEVFv2, scap.BlockEVv2Big, scap.BlockEVFv2Big:
				events++
			}
			n += int(binary.LittleEndian.Uint32(data[n+4:]))
		}
		if n > len(data) {
			n = len(data)
		}
		if err := o.put(data[:n], events); err != nil {
			return err
		}
		data = data[n:]
	}
	if o.gz == nil {
		return nil
	}
	if closeMember || time.Since(o.member) >= memberEvery || o.inMem >= memberBytes {
		if err := o.gz.Close(); err != nil {
			return o.fail(err)
		}
		o.good, o.goodEvents, o.pending = o.off, o.goodEvents+o.pending, 0
		o.gz.Reset(countWriter{o})
		o.member, o.inMem = time.Now(), 0
		return nil
	}
	// Sync the member so that the file decompresses up to here.
	if err := o.gz.Flush(); err != nil {
		return o.fail(err)
	}
	return nil
}

// put writes whole blocks holding events events.
func (o *fileOutput) put(p []byte, events int64) error {
	o.events += events
	if o.gz == nil {
		cw := countWriter{o}
		if _, err := cw.Write(p); err != nil {
			return o.fail(err)
		}
		o.good, o.goodEvents = o.off, o.events
		return nil
	}
	o.inMem += len(p)
	o.pending += events
	if _, err := o.gz.Write(p); err != nil {
		return o.fail(err)
	}
	return nil
}

// fail remembers a write error and cuts the file back to its last clean
// point, so it stays readable.
func (o *fileOutput) fail(err error) error {
	if o.err == nil {
		o.err = err
		o.f.Truncate(o.good)
	}
	return o.err
}

// writeEvent adds one event (a capture filter decides which); commitEvents
// moves what was added to the file.
func (o *fileOutput) writeEvent(cpu uint16, flags uint32, raw []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return nil
	}
	if err := o.sw.WriteRaw(cpu, flags, raw); err != nil {
		return o.fail(err)
	}
	return nil
}

func (o *fileOutput) commitEvents() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return nil
	}
	return o.commit(false)
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
	if o.err != nil {
		return
	}
	if o.commit(true) == nil && o.gz != nil {
		// commit closed the member and started a new, empty one:
		// drop it by not closing it again.
		o.gz = nil
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
	err := o.f.Close()
	if o.err != nil {
		return o.err
	}
	if err != nil {
		return fmt.Errorf("closing %s: %w", o.name, err)
	}
	return nil
}

// kept returns how many events the file holds for sure.
func (o *fileOutput) kept() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.goodEvents
}

func (o *fileOutput) abort() {
	o.f.Close()
	os.Remove(o.name)
}

// liveOutput prints events as they are recorded, through the replay
// pipeline: the batches are written as a capture into a pipe that a
// scap.Reader reads back, so the lines are exactly those `xtrace -r` would
// print for the same file.
type liveOutput struct {
	pw   *io.PipeWriter
	sw   *scap.Writer
	done chan error
	mu   sync.Mutex
	fin  bool
}

func newLiveOutput(cli *CLI, stdout io.Writer) (*liveOutput, error) {
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
	sink, err := newSink(cli, opts, out.w)
	if err != nil {
		return nil, err
	}
	go func() {
		o.done <- printLive(pr, sink, match, out, cli.Unbuffered)
	}()
	return o, nil
}

// lockedWriter lets a ticker flush what the printer buffered.
type lockedWriter struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func printLive(r *io.PipeReader, sink eventSink, match func(*inspect.Event) bool, out *lockedWriter, unbuffered bool) error {
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
	for {
		sev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
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
	if err := b.Each(func(cpu uint16, raw []byte) error { return o.sw.WriteRaw(cpu, 0, raw) }); err != nil {
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
