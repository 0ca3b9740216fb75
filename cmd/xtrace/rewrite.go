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
// the input, which events never update, into each file it opens). -M is
// applied by the replay loop.
type captureWriter struct {
	w        *capture.Writer
	fatFile  bool
	n        int
	progress *capture.Progress
}

// AfterApply is kong's hook after parsing: it checks the limit and
// rotation flags of a rewrite.
func (c *CLI) AfterApply() error {
	if c.Read != "" && c.Write != "" {
		return checkLimits(c)
	}
	return nil
}

// newCaptureWriter creates cli.Write (mode 0600; the first of a rotated
// series, with -z gzipped) and writes the header h.
func newCaptureWriter(cli *CLI, h *scap.Header) (*captureWriter, error) {
	w, err := capture.Open(capture.Options{Path: cli.Write, Compress: cli.Compress, Rotation: rotationOf(cli)})
	if err != nil {
		return nil, fmt.Errorf("xtrace: %w", err)
	}
	if err := w.Start(h); err != nil {
		w.Abort()
		return nil, fmt.Errorf("xtrace: %w", err)
	}
	cw := &captureWriter{w: w, fatFile: cli.FatFile}
	if !cli.Quiet && (cli.Progress || isTerminal(os.Stderr)) {
		cw.progress = capture.StartProgress(os.Stderr, w.Stats)
	}
	return cw, nil
}

// Write considers one processed event.
func (cw *captureWriter) Write(e *inspect.Event) error {
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
