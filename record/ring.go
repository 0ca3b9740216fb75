package record

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"xtrace/capture"
	"xtrace/inspect"
	"xtrace/ring"
	"xtrace/scap"
	"xtrace/tracer"
)

// Ring is the flight recorder (--ring SIZE): the recorded events go
// to a ring that keeps the most recent SIZE bytes of them, and a complete
// capture of what the ring holds is written on demand: when the recording
// ends, on SIGUSR1, or when a --trigger filter matches (after --after N
// more events). Events dropped from the ring run through a state engine,
// so each file's header is the state as of its first event and fd and
// process names resolve. The first file is the -w name, later ones get
// .1, .2, ... appended; a dump empties the ring. With --trigger the end of
// the recording writes only a dump still waiting for its --after events.
type Ring struct {
	mu     sync.Mutex
	path   string
	z      bool
	stderr io.Writer
	quiet  bool

	ring *ring.Ring
	base *scap.Header
	tail *inspect.Inspector // state as of the ring's first event
	head *inspect.Inspector // state as of its last, for --trigger
	ev   scap.Event

	trigger func(*inspect.Event) bool
	after   int64
	armed   bool  // the trigger matched, the dump is due
	left    int64 // events still to add before it
	dumps   int
	done    bool
	err     error
}

// RingOptions configure a flight recorder.
type RingOptions struct {
	// Size is how many bytes of events the ring keeps.
	Size int
	// Path is the first file's name (later dumps append .1, .2, ...);
	// Compress gzips them.
	Path     string
	Compress bool
	// Trigger, when set, writes the ring once it matches an event and
	// After more events have come.
	Trigger func(*inspect.Event) bool
	After   int64
	// Stderr receives a line per dump unless Quiet.
	Stderr io.Writer
	Quiet  bool
}

// NewRing returns a flight recorder output.
func NewRing(opt RingOptions) *Ring {
	o := &Ring{path: opt.Path, z: opt.Compress, stderr: opt.Stderr, quiet: opt.Quiet, after: opt.After, trigger: opt.Trigger}
	o.ring = ring.New(opt.Size, o.evicted)
	return o
}

// evicted keeps the tail state engine at the ring's first event.
func (o *Ring) evicted(cpu uint16, flags uint32, raw []byte) {
	if o.ev.LoadPromoted(cpu, flags, raw) == nil {
		o.tail.Process(&o.ev)
	}
}

// Header starts the state engines from the capture header; nothing is
// written until a dump.
func (o *Ring) Header(h *scap.Header) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.base = h
	o.tail = inspect.New(h)
	if o.trigger != nil {
		o.head = inspect.New(h)
	}
	return nil
}

// Write pushes a batch into the ring and, with --trigger, runs the head
// state engine and the trigger on it, dumping when the trigger is due.
func (o *Ring) Write(b *tracer.Batch) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return nil
	}
	return b.Each(func(cpu uint16, flags uint32, raw []byte) error {
		o.ring.Push(cpu, flags, raw)
		if o.trigger == nil {
			return nil
		}
		if o.armed {
			if o.left--; o.left <= 0 {
				return o.dumpLocked("trigger")
			}
			return nil
		}
		if o.ev.LoadPromoted(cpu, flags, raw) != nil {
			return nil
		}
		if ev := o.head.Process(&o.ev); !ev.Hidden() && o.trigger(ev) {
			o.armed, o.left = true, o.after
			if o.left <= 0 {
				return o.dumpLocked("trigger")
			}
		}
		return nil
	})
}

// dump writes what the ring holds (SIGUSR1).
func (o *Ring) dump(reason string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dumpLocked(reason)
}

func (o *Ring) dumpLocked(reason string) error {
	o.armed = false
	n, _ := o.ring.Len()
	if n == 0 {
		return nil
	}
	name := o.path
	if o.dumps > 0 {
		name += "." + strconv.Itoa(o.dumps)
	}
	o.dumps++
	f, err := capture.Create(name, o.z, false)
	if err != nil {
		return o.fail(err)
	}
	err = f.WriteHeader(headerFromState(o.tail, o.base))
	if err == nil {
		err = o.ring.Each(f.WriteEvent)
	}
	if err == nil {
		err = f.Finish()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return o.fail(fmt.Errorf("writing %s: %w", name, err))
	}
	if !o.quiet {
		fmt.Fprintf(o.stderr, "xtrace: flight recorder (%s): wrote the last %d events to %s\n", reason, n, name)
	}
	o.ring.Drain()
	return nil
}

func (o *Ring) fail(err error) error {
	if o.err == nil {
		o.err = err
	}
	return err
}

// FinishEarly stops taking batches; Close still writes the ring.
func (o *Ring) FinishEarly() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.done = true
}

// Closed reports whether the ring takes no more batches.
func (o *Ring) Closed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.done
}

// Close writes what the ring holds at the end of the recording.
func (o *Ring) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.done = true
	if o.err != nil {
		return o.err
	}
	if o.trigger == nil || o.armed {
		return o.dumpLocked("end of recording")
	}
	return nil
}

// Abort drops the output: nothing was recorded.
func (o *Ring) Abort() {}

// OnSIGUSR1 writes the ring on every SIGUSR1 until the returned function
// is called.
func (o *Ring) OnSIGUSR1() (stop func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, unix.SIGUSR1)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-c:
				if err := o.dump("SIGUSR1"); err != nil {
					fmt.Fprintf(o.stderr, "xtrace: flight recorder: %v\n", err)
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(c)
		close(done)
	}
}
