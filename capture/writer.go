package capture

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"xtrace/scap"
)

// Options configure a [Writer].
type Options struct {
	// Path is the -w name: the file name, or the base of the rotated
	// names.
	Path string
	// Compress gzips every file (-z).
	Compress bool
	// Members closes gzip members every second so that a file being
	// written reads up to its last member (recording); without it each
	// file is one gzip member, as sysdig writes.
	Members bool
	// Rotation is sysdig's -C, -G, -W, -e.
	Rotation Rotation
	// Live selects the live rules of the cycle (the -G clock starts at
	// Open rather than at the first event).
	Live bool
	// NextHeader returns the header of each file after the first; when
	// nil, or when it fails, a file gets the header of the file before.
	NextHeader func() (*scap.Header, error)
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Writer writes a capture to one file, or to a series of files as sysdig
// rotates them: each file is a complete capture with its own header. The
// write methods must be called from one goroutine at a time; [Writer.Stats]
// may be called from any.
type Writer struct {
	o      Options
	cycle  *Cycle
	cur    *File
	header *scap.Header
	names  []string // distinct files written, in order
	seen   map[string]bool
	// made maps the names of the files Create made (not devices or
	// fifos written as they were) to their paths, for Abort.
	made map[string]string

	// For Stats: totals over the files already closed, and the current
	// file's counts as of its last commit.
	doneEvents, doneBytes int64
	events, bytes, files  atomic.Int64
	name                  atomic.Pointer[string]
	mu                    sync.Mutex // guards names against Names
	nextErr               error
	done                  bool
}

// Stats are running totals for a progress line.
type Stats struct {
	Events, Bytes int64 // events and bytes written, over all files
	Files         int64
	Name          string // the current file
}

// Open creates the first file; [Writer.Start] writes its header.
func Open(o Options) (*Writer, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	w := &Writer{o: o, seen: map[string]bool{}, made: map[string]string{}}
	name := o.Path
	if o.Rotation.Active() {
		w.cycle = NewCycle(o.Path, o.Rotation, o.Live, o.Now())
		name = w.cycle.Name()
	}
	if err := w.create(name); err != nil {
		return nil, err
	}
	return w, nil
}

// Start writes the header of the first file; the files after it get the
// header Options.NextHeader returns, or h again.
func (w *Writer) Start(h *scap.Header) error {
	w.header = h
	if err := w.cur.WriteHeader(h); err != nil {
		return fmt.Errorf("capture: writing %s: %w", w.cur.Name(), err)
	}
	w.publish()
	return nil
}

func (w *Writer) create(name string) error {
	f, err := Create(name, w.o.Compress, w.o.Members)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.cur = f
	if f.Created() {
		w.made[name] = f.path
	}
	if !w.seen[name] {
		w.seen[name] = true
		w.names = append(w.names, name)
	}
	w.mu.Unlock()
	w.files.Add(1)
	w.name.Store(&name)
	w.publish()
	return nil
}

// Write writes one event (v2 layout), starting a new file first when the
// rotation rules say so.
func (w *Writer) Write(cpu uint16, flags uint32, raw []byte) error {
	if w.done {
		return nil
	}
	if w.cycle != nil && len(raw) >= 8 {
		if w.cycle.Consider(binary.LittleEndian.Uint64(raw), w.cur.Offset()) {
			if err := w.rotate(); err != nil {
				return err
			}
		}
	}
	return w.cur.WriteEvent(cpu, flags, raw)
}

// rotate closes the current file and opens the one the cycle named.
func (w *Writer) rotate() error {
	if err := w.cur.Close(); err != nil {
		return err
	}
	w.doneEvents += w.cur.Events()
	w.doneBytes += w.cur.Size()
	if old := w.cycle.Remove(); old != "" {
		os.Remove(old)
	}
	if w.o.NextHeader != nil {
		if h, err := w.o.NextHeader(); err == nil && h != nil {
			w.header = h
		} else if err != nil && w.nextErr == nil {
			w.nextErr = err
		}
	}
	if err := w.create(w.cycle.Name()); err != nil {
		return err
	}
	return w.Start(w.header)
}

// HeaderError returns the first error of Options.NextHeader (the file it
// concerned got the previous header instead).
func (w *Writer) HeaderError() error { return w.nextErr }

// Commit moves what was written to the current file.
func (w *Writer) Commit() error {
	err := w.cur.Commit()
	w.publish()
	return err
}

func (w *Writer) publish() {
	w.events.Store(w.doneEvents + w.cur.Events())
	w.bytes.Store(w.doneBytes + w.cur.Size())
}

// File returns the current file.
func (w *Writer) File() *File { return w.cur }

// Names returns the files written, in order (a name reused by -W once).
func (w *Writer) Names() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.names...)
}

// Stats returns the running totals.
func (w *Writer) Stats() Stats {
	s := Stats{Events: w.events.Load(), Bytes: w.bytes.Load(), Files: w.files.Load()}
	if n := w.name.Load(); n != nil {
		s.Name = *n
	}
	return s
}

// Finish writes what is pending and ends the current file; later writes
// are ignored.
func (w *Writer) Finish() error {
	w.done = true
	err := w.cur.Finish()
	w.publish()
	return err
}

// Close finishes and closes the current file.
func (w *Writer) Close() error {
	w.done = true
	err := w.cur.Close()
	w.publish()
	return err
}

// Abort closes the current file and removes every file written (those
// Create made: a device or fifo written as it was stays).
func (w *Writer) Abort() {
	w.cur.Abort()
	for _, n := range w.Names() {
		if p, ok := w.made[n]; ok {
			os.Remove(p)
		}
	}
}
