package tracer

import (
	"sync"
	"time"
)

// output collects events into the current batch and hands full batches to
// the writer. The tracer appends under an uncontended mutex (no system
// call); a flusher goroutine hands over a batch that has waited longer
// than the flush interval, so events of a tracee that went quiet reach the
// file (and a live view) without the tracer waking up, and the tracer
// never pays a goroutine hand-off on its stop path for a partial batch.
type output struct {
	mu    sync.Mutex
	cur   *Batch
	since time.Time // when the first event of cur was added
	full  chan<- *Batch
	free  <-chan *Batch
	every time.Duration
	stop  chan struct{}
	done  chan struct{}
}

func newOutput(full chan<- *Batch, free <-chan *Batch, every time.Duration) *output {
	o := &output{full: full, free: free, every: every, stop: make(chan struct{}), done: make(chan struct{})}
	o.cur = <-free
	o.cur.Reset()
	go o.flusher()
	return o
}

// add appends one event (cpu id, EVF flags and v2 layout).
func (o *output) add(cpu uint16, flags uint32, raw []byte) {
	o.mu.Lock()
	b := o.cur
	if len(b.Data)+len(raw)+batchHdr > cap(b.Data) && b.Events > 0 {
		o.swapLocked()
		b = o.cur
	}
	if b.Events == 0 {
		o.since = time.Now()
	}
	b.Add(cpu, flags, raw)
	o.mu.Unlock()
}

// swapLocked hands the current batch over and takes a free one; it blocks
// while the writer is behind (backpressure on the traced tree).
func (o *output) swapLocked() {
	o.full <- o.cur
	o.cur = <-o.free
	o.cur.Reset()
}

// flush hands over whatever is pending.
func (o *output) flush() {
	o.mu.Lock()
	if o.cur != nil && o.cur.Events > 0 {
		o.swapLocked()
	}
	o.mu.Unlock()
}

func (o *output) flusher() {
	defer close(o.done)
	t := time.NewTicker(o.every / 2)
	defer t.Stop()
	for {
		select {
		case <-o.stop:
			return
		case <-t.C:
			o.mu.Lock()
			if o.cur.Events > 0 && time.Since(o.since) >= o.every {
				o.swapLocked()
			}
			o.mu.Unlock()
		}
	}
}

// close stops the flusher and hands over the last batch; the output must
// not be used afterwards.
func (o *output) close() {
	close(o.stop)
	<-o.done
	o.mu.Lock()
	if o.cur.Events > 0 {
		o.full <- o.cur
	} else {
		// Give the empty batch back.
		select {
		case o.full <- o.cur:
		default:
		}
	}
	o.cur = nil
	o.mu.Unlock()
}
