package main

import (
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"

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
type captureWriter struct {
	name    string
	f       *os.File
	gz      *gzip.Writer
	w       *scap.Writer
	fatFile bool
}

// newCaptureWriter creates path (mode 0600) and writes the header h.
func newCaptureWriter(path string, compress, fatFile bool, h *scap.Header) (*captureWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("xtrace: %w", err)
	}
	cw := &captureWriter{name: path, f: f, fatFile: fatFile}
	var sink io.Writer = f
	if compress {
		cw.gz = gzip.NewWriter(f)
		sink = cw.gz
	}
	cw.w = scap.NewWriter(sink)
	if err := cw.w.WriteHeader(h); err != nil {
		f.Close()
		return nil, fmt.Errorf("xtrace: writing %s: %w", path, err)
	}
	return cw, nil
}

// Write considers one processed event.
func (cw *captureWriter) Write(e *inspect.Event) error {
	flags := e.DumpFlags
	if e.FilteredOut() {
		switch {
		case e.Info != nil && e.Info.Category&event.CatInternal != 0:
		case cw.fatFile && e.Info != nil && e.Info.Flags&event.ModifiesState != 0:
			flags = scap.FlagStateOnly
		default:
			return nil
		}
	}
	if err := cw.w.WriteRaw(e.CPU, flags, e.Raw()); err != nil {
		return fmt.Errorf("xtrace: writing %s: %w", cw.name, err)
	}
	return nil
}

// Close finishes the file.
func (cw *captureWriter) Close() error {
	err := cw.w.Close()
	if cw.gz != nil {
		if zerr := cw.gz.Close(); err == nil {
			err = zerr
		}
	}
	if cerr := cw.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("xtrace: writing %s: %w", cw.name, err)
	}
	return nil
}
