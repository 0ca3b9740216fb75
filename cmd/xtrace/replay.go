package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"xtrace/format"
	"xtrace/inspect"
	"xtrace/record"
	"xtrace/scap"
)

// eventSink consumes the events that pass the filter: a printer or the
// chisels, in a replay as in live printing.
type eventSink = record.Sink

// runReplay reads a capture and prints its events.
func runReplay(ctx context.Context, cli *CLI, stdout, stderr io.Writer) error {
	return replayFrom(ctx, cli, nil, stdout, stderr)
}

// replayFrom is runReplay reading the capture from src, or from the file
// cli.Read names when src is nil (benchmarks replay from memory).
func replayFrom(ctx context.Context, cli *CLI, src io.Reader, stdout, stderr io.Writer) error {
	opts, err := printOptions(cli)
	if err != nil {
		return err
	}
	match, err := compileFilter(strings.Join(cli.Filter, " "))
	if err != nil {
		return err
	}
	if src == nil {
		f, err := openCapture(ctx, cli.Read)
		if f == nil {
			return err // nil when interrupted while opening
		}
		defer f.Close()
		// A read blocked on a fifo, a pipe or a terminal ends when the
		// replay is interrupted (regular files have no deadline and do
		// not block).
		defer context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Now()) })()
		src = f
	}
	rd, err := scap.NewReader(src)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("xtrace: %s: %w", cli.Read, err)
	}
	defer rd.Close()
	rd.SetSysdigCompat(cli.SysdigCompat)
	out := bufio.NewWriterSize(stdout, 1<<16)
	defer out.Flush()
	sink, err := newSink(ctx, cli, opts, out)
	if err != nil {
		return err
	}
	var icfg inspect.Config
	if cli.ResolvePorts {
		if icfg.Services, err = inspect.LoadServices("/etc/services"); err != nil {
			return err
		}
	}
	in := inspect.NewWithConfig(rd.Header(), icfg)
	// sinsp evaluates the filter inside its state engine, so that
	// rejected events still update (or skip) state exactly as sysdig's.
	// With -d the filter only decides what is displayed, after the state
	// engine has seen every event.
	if cli.DisplayFilter && match != nil {
		sink = &displayFilter{inner: sink, match: match}
	} else {
		in.SetFilter(match)
	}
	var cw *captureWriter
	if cli.Write != "" {
		// A rewrite writes what sysdig -r -w writes, byte for byte:
		// without xtrace's recorder block (sysdig does not copy it).
		h := *rd.Header()
		h.Recorder = ""
		if cw, err = newCaptureWriter(cli, &h); err != nil {
			return err
		}
		sink = discardSink{}
	}
	// -n counts the events sinsp delivers: not the filtered-out ones nor
	// the container events it consumes while opening the file, but
	// hidden internal events do count.
	limit := cli.NumEvents
	if limit <= 0 {
		limit = math.MaxInt64
	}
	readErr, err := replayLoop(ctx, rd, in, sink, cw, out, loopLimits{
		events:   limit,
		duration: uint64(cli.Duration) * 1e9,
	}, cli.Unbuffered)
	if err != nil {
		return err
	}
	if readErr != nil {
		var se *inspect.StateError
		if errors.As(readErr, &se) {
			se.Decompressed = rd.Compressed()
		}
		readErr = fmt.Errorf("xtrace: %s: %w", cli.Read, readErr)
	}
	if err := sink.End(); err != nil {
		return err
	}
	if cw != nil {
		if err := cw.Close(); err != nil {
			return err
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("xtrace: writing output: %w", err)
	}
	return readErr
}

// openCapture opens the capture file name. Opening a fifo blocks until a
// writer opens it: an interrupt then ends the wait, and openCapture
// returns nil and no error (the open goes on in the background, and its
// file is closed if it ever completes).
func openCapture(ctx context.Context, name string) (*os.File, error) {
	fi, err := os.Stat(name)
	if err == nil && fi.IsDir() {
		return nil, fmt.Errorf("xtrace: %s: is a directory, not a scap capture", name)
	}
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("xtrace: %w", err)
		}
		return f, nil
	}
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(name)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		if o.err != nil {
			return nil, fmt.Errorf("xtrace: %w", o.err)
		}
		return o.f, nil
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, nil
	}
}

// loopLimits end a replay early, as sysdig's main loop does.
type loopLimits struct {
	// events is -n: the number of delivered events.
	events int64
	// duration is -M in ns: the loop ends at the first delivered event
	// that comes duration or more after the first delivered one; that
	// event is not shown (a capture writer has already written it, as
	// sinsp dumps events before sysdig's loop sees them).
	duration uint64
}

// replayLoop hands the events of rd, processed by in, to the sink (and the
// capture writer) until the end of the capture, a limit, an interrupt or
// an error. readErr is the error that ended the capture (a read error, or
// the inspector's StateError); err is a failure of the consumers.
func replayLoop(ctx context.Context, rd *scap.Reader, in *inspect.Inspector, sink eventSink, cw *captureWriter, out *bufio.Writer, lim loopLimits, unbuffered bool) (readErr, err error) {
	section := rd.Section()
	var start uint64
	for n, read := int64(0), uint(0); n < lim.events; read++ {
		if read%1024 == 0 && ctx.Err() != nil {
			return nil, nil
		}
		sev, err := rd.Next()
		if err != nil {
			if err == io.EOF || ctx.Err() != nil {
				// An interrupt ends a blocked read with an error:
				// the replay ends as at the end of the capture.
				return nil, nil
			}
			return err, nil
		}
		if rd.Section() != section {
			section = rd.Section()
			in.Reset(rd.Header())
		}
		ev := in.Process(sev)
		if err := in.Err(); err != nil {
			// sysdig aborts on this event without showing it.
			return err, nil
		}
		if cw != nil && !ev.Consumed() {
			if err := cw.Write(ev); err != nil {
				return nil, err
			}
		}
		if !ev.Delivered() {
			continue
		}
		if start == 0 {
			start = ev.TS
		} else if lim.duration > 0 && ev.TS-start >= lim.duration {
			return nil, nil
		}
		n++
		if err := sink.Event(ev); err != nil {
			return nil, err
		}
		if unbuffered {
			out.Flush()
		}
	}
	return nil, nil
}

// newSink picks what consumes the filtered events.
func newSink(ctx context.Context, cli *CLI, opts format.Options, out *bufio.Writer) (eventSink, error) {
	if len(cli.Chisels) > 0 {
		return newChiselSink(ctx, cli, opts, out)
	}
	p, err := newPrinter(cli, opts, out)
	if err != nil || !cli.Summary {
		return p, err
	}
	return &summarySink{inner: p, out: out}, nil
}

// summarySink counts events per type for -S and prints the table at the
// end, after the events.
type summarySink struct {
	inner eventSink
	out   *bufio.Writer
	sum   format.Summary
}

func (s *summarySink) Event(e *inspect.Event) error {
	s.sum.Add(e)
	return s.inner.Event(e)
}

func (s *summarySink) End() error {
	if err := s.inner.End(); err != nil {
		return err
	}
	return s.sum.Write(s.out)
}

// displayFilter applies the filter after state processing (-d).
type displayFilter struct {
	inner eventSink
	match func(*inspect.Event) bool
}

func (d *displayFilter) Event(e *inspect.Event) error {
	if !d.match(e) {
		return nil
	}
	return d.inner.Event(e)
}

func (d *displayFilter) End() error { return d.inner.End() }

// discardSink drops events (while writing a capture, nothing is printed,
// as in sysdig).
type discardSink struct{}

func (discardSink) Event(*inspect.Event) error { return nil }
func (discardSink) End() error                 { return nil }

// linePrinter writes one formatted line per event.
type linePrinter struct {
	out   *bufio.Writer
	quiet bool
	line  func(dst []byte, e *inspect.Event) []byte
}

func (p *linePrinter) Event(e *inspect.Event) error {
	if p.quiet || e.Hidden() {
		return nil
	}
	// The line is rendered straight into the output buffer's free
	// space when it fits (Write then has nothing to move).
	if p.out.Available() < 4096 {
		if err := p.out.Flush(); err != nil {
			return fmt.Errorf("xtrace: writing output: %w", err)
		}
	}
	line := p.line(p.out.AvailableBuffer(), e)
	if _, err := p.out.Write(line); err != nil {
		return fmt.Errorf("xtrace: writing output: %w", err)
	}
	return nil
}

func (p *linePrinter) End() error { return nil }

// printOptions turns the output flags into format options.
func printOptions(cli *CLI) (format.Options, error) {
	o := format.Options{Marks: !cli.SysdigCompat}
	switch cli.TimeType {
	case "", "h":
		o.Time = format.TimeHuman
	case "a", "r", "d", "D":
		o.Time = format.TimeMode(cli.TimeType[0])
	default:
		return o, errors.New("invalid modifier for flag -t")
	}
	n := 0
	for _, on := range []bool{cli.ASCII, cli.Hex, cli.HexASCII, cli.Base64} {
		if on {
			n++
		}
	}
	if n > 1 {
		return o, errors.New("you cannot specify more than one output format")
	}
	switch {
	case cli.ASCII:
		o.Render.Buffer = inspect.BufASCII
	case cli.Hex:
		o.Render.Buffer = inspect.BufHex
	case cli.HexASCII:
		o.Render.Buffer = inspect.BufHexASCII
	case cli.Base64:
		o.Render.Buffer = inspect.BufBase64
	}
	o.Render.Full = cli.Verbose
	return o, nil
}
