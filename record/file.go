package record

import (
	"sync"

	"xtrace/capture"
	"xtrace/scap"
	"xtrace/tracer"
)

// File writes the capture file, or the series of files of a rotation
// (-C, -G, -W, -e), through a [capture.Writer]: every batch reaches the
// file as whole blocks, so a killed recorder leaves a file that reads up
// to its last batch; with compression the gzip member is synced after
// each batch (see [capture.File]). On a failed write the file is cut back
// to its last clean point. A rotated file starts with the header of the
// [Filter] fed by this File, if any, else with the previous header again.
type File struct {
	mu   sync.Mutex
	w    *capture.Writer
	done bool
	err  error
	// nextHeader gives a rotated file's header (set by NewFilter).
	nextHeader func() (*scap.Header, error)
}

// OpenFile creates the first file of a capture. o.NextHeader is replaced:
// the header of a rotated file is the File's to give.
func OpenFile(o capture.Options) (*File, error) {
	f := &File{}
	o.NextHeader = func() (*scap.Header, error) {
		if f.nextHeader == nil {
			return nil, nil // the previous header again
		}
		return f.nextHeader()
	}
	w, err := capture.Open(o)
	if err != nil {
		return nil, err
	}
	f.w = w
	return f, nil
}

// Header writes the capture header.
func (f *File) Header(h *scap.Header) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fail(f.w.Start(h))
}

// ready reports whether the File takes events: not once it is finished,
// nor after an error, which it returns again. f.mu is held.
func (f *File) ready() (bool, error) {
	return !f.done && f.err == nil, f.err
}

func (f *File) fail(err error) error {
	if err != nil && f.err == nil {
		f.err = err
	}
	return err
}

// Write adds a batch and commits it to the file.
func (f *File) Write(b *tracer.Batch) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ok, err := f.ready(); !ok {
		return err
	}
	if err := b.Each(func(cpu uint16, flags uint32, raw []byte) error { return f.w.Write(cpu, flags, raw) }); err != nil {
		return f.fail(err)
	}
	return f.fail(f.w.Commit())
}

// writeEvent adds one event (a capture filter decides which); commit
// moves what was added to the file.
func (f *File) writeEvent(cpu uint16, flags uint32, raw []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ok, err := f.ready(); !ok {
		return err
	}
	return f.fail(f.w.Write(cpu, flags, raw))
}

func (f *File) commit() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ok, err := f.ready(); !ok {
		return err
	}
	return f.fail(f.w.Commit())
}

// FinishEarly finishes the file; later batches are dropped.
func (f *File) FinishEarly() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finish()
}

func (f *File) finish() {
	if f.done {
		return
	}
	f.done = true
	if f.err == nil {
		f.fail(f.w.Finish())
	}
}

// Closed reports whether the file is finished.
func (f *File) Closed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.done
}

// Close finishes and closes the file; it returns the first error the
// File met.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finish()
	err := f.w.Close()
	if f.err != nil {
		return f.err
	}
	return err
}

// Kept returns how many events the current file holds for sure, and its
// name.
func (f *File) Kept() (int64, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur := f.w.File()
	return cur.Kept(), cur.Name()
}

// Names returns the names of the files written so far.
func (f *File) Names() []string { return f.w.Names() }

// HeaderError returns the error met reading the header of a rotated file
// (which then repeats the previous header), if any.
func (f *File) HeaderError() error { return f.w.HeaderError() }

// Stats returns the running totals for the progress line.
func (f *File) Stats() capture.Stats { return f.w.Stats() }

// Abort removes what was written.
func (f *File) Abort() { f.w.Abort() }
