package record

import (
	"bufio"
	"sync"
	"time"

	"xtrace/inspect"
	"xtrace/scap"
)

// Sink takes the events a [Live] output delivers: a printer or a chisel.
type Sink interface {
	// Event handles one event (internal ones such as procinfo included:
	// chisels see them, printers skip e.Hidden()); the event is only
	// valid during the call.
	Event(e *inspect.Event) error
	// End is called once at the end of the capture (or on interrupt).
	End() error
}

// Live prints events as they are recorded, through the replay pipeline,
// so the lines are exactly those a replay of the same capture prints.
// Events that match rejects are not delivered. A limit above 0 counts the
// events delivered (as sysdig counts those that pass its filter); the
// function given to SetOnLimit then runs.
type Live struct {
	*pipe
	sink       Sink
	match      func(*inspect.Event) bool
	out        *bufio.Writer
	outMu      sync.Mutex // the sink's writes against the ticker's flushes
	unbuffered bool
	limit      int64
	delivered  int64
	stopTicker chan struct{}
}

// NewLive returns a Live output delivering to sink, which writes to out
// (compat: generic events as sysdig 0.29.3 shows them, --sysdig-compat).
// What sink buffers in out is flushed every 100ms, after each event with
// unbuffered.
func NewLive(sink Sink, out *bufio.Writer, match func(*inspect.Event) bool, limit int64, unbuffered, compat bool) *Live {
	l := &Live{sink: sink, match: match, out: out, unbuffered: unbuffered, limit: limit, stopTicker: make(chan struct{})}
	go l.tick()
	l.pipe = newPipe(l, compat)
	return l
}

func (l *Live) tick() {
	tk := time.NewTicker(100 * time.Millisecond)
	defer tk.Stop()
	for {
		select {
		case <-l.stopTicker:
			return
		case <-tk.C:
			l.outMu.Lock()
			l.out.Flush()
			l.outMu.Unlock()
		}
	}
}

func (l *Live) event(_ *scap.Event, ev *inspect.Event) (bool, error) {
	if ev.Hidden() || (l.match != nil && !l.match(ev)) {
		return false, nil
	}
	l.outMu.Lock()
	err := l.sink.Event(ev)
	if l.unbuffered {
		l.out.Flush()
	}
	l.outMu.Unlock()
	if err != nil {
		return false, err
	}
	l.delivered++
	return l.limit > 0 && l.delivered >= l.limit, nil
}

func (l *Live) end(err error) error {
	close(l.stopTicker)
	if err != nil {
		return err
	}
	l.outMu.Lock()
	defer l.outMu.Unlock()
	if err := l.sink.End(); err != nil {
		return err
	}
	return l.out.Flush()
}
