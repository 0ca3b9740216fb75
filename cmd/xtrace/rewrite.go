package main

import (
	"fmt"
	"os"

	"xtrace/capture"
	"xtrace/event"
	"xtrace/inspect"
	"xtrace/scap"
)

// captureWriter writes replayed events to a new capture (-r IN -w OUT), as
// sysdig does: the input's header, then the events that pass the filter.
// Events the filter rejects are dropped, except internal ones (procinfo,
// ...), which are always kept, and, with -F (fat file), state-changing ones,
// which are kept flagged state-only so that readers update their state but
// do not show them.
//
// With -C, -G, -W or -e the output rotates as sysdig rotates it when
// reading a file: the same names (see capture.Cycle), and every file starts
// with the input's header (sysdig writes the process table it read from
// the input, which events never update, into each file it opens). With -M
// the writing stops after the first delivered event that comes SECS or
// more after the first delivered one (that event is still written, as
// sysdig's state engine has already dumped it when its main loop stops).
type captureWriter struct {
	name    string
	w       *capture.Writer
	fatFile bool

	duration uint64 // -M, in ns
	start    uint64 // time of the first delivered event
	stopped  bool
	n        int
	progress *capture.Progress
}

// rewriteSettings carries the options of -r IN -w OUT that the replay
// loop's call to newCaptureWriter does not pass; CLI.AfterApply sets them
// from the parsed command line.
var rewriteSettings struct {
	rotation capture.Rotation
	duration int
	progress bool
}

// AfterApply is kong's hook after parsing: it keeps what the capture
// writer of a rewrite needs.
func (c *CLI) AfterApply() error {
	rewriteSettings.rotation = rotationOf(c)
	rewriteSettings.duration = c.Duration
	rewriteSettings.progress = !c.Quiet && (c.Progress || isTerminal(os.Stderr))
	if c.Read != "" && c.Write != "" {
		return checkLimits(c)
	}
	return nil
}

// newCaptureWriter creates path (mode 0600; the first of a rotated series)
// and writes the header h.
func newCaptureWriter(path string, compress, fatFile bool, h *scap.Header) (*captureWriter, error) {
	w, err := capture.Open(capture.Options{Path: path, Compress: compress, Rotation: rewriteSettings.rotation})
	if err != nil {
		return nil, fmt.Errorf("xtrace: %w", err)
	}
	if err := w.Start(h); err != nil {
		w.Abort()
		return nil, fmt.Errorf("xtrace: %w", err)
	}
	cw := &captureWriter{name: path, w: w, fatFile: fatFile, duration: uint64(rewriteSettings.duration) * 1e9}
	if rewriteSettings.progress {
		cw.progress = capture.StartProgress(os.Stderr, w.Stats)
	}
	return cw, nil
}

// Write considers one processed event.
func (cw *captureWriter) Write(e *inspect.Event) error {
	if cw.stopped {
		return nil
	}
	flags := e.DumpFlags
	write := true
	if e.FilteredOut() {
		switch {
		case e.Info != nil && e.Info.Category&event.CatInternal != 0:
		case cw.fatFile && e.Info != nil && e.Info.Flags&event.ModifiesState != 0:
			flags = scap.FlagStateOnly
		default:
			write = false
		}
	}
	if write {
		if err := cw.w.Write(e.CPU, flags, e.Raw()); err != nil {
			return fmt.Errorf("xtrace: writing %s: %w", cw.w.File().Name(), err)
		}
		if cw.n++; cw.n%4096 == 0 {
			if err := cw.w.Commit(); err != nil {
				return fmt.Errorf("xtrace: writing %s: %w", cw.w.File().Name(), err)
			}
		}
	}
	if e.Delivered() {
		if cw.start == 0 {
			cw.start = e.TS
		} else if cw.duration > 0 && e.TS-cw.start >= cw.duration {
			cw.stopped = true
		}
	}
	return nil
}

// Close finishes the file.
func (cw *captureWriter) Close() error {
	err := cw.w.Close()
	if cw.progress != nil {
		cw.progress.Stop()
	}
	if err != nil {
		return fmt.Errorf("xtrace: writing %s: %w", cw.w.File().Name(), err)
	}
	return nil
}
