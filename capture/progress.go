package capture

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// ProgressEvery is how often the progress line is redrawn (at most four
// times a second).
const ProgressEvery = 250 * time.Millisecond

// Progress redraws one status line in place on a terminal: events and
// bytes written and the time elapsed, from a stats function. Stop draws
// the final figures and ends the line.
type Progress struct {
	w     io.Writer
	stats func() Stats
	start time.Time
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
	width int // length of the last line drawn
}

// StartProgress starts redrawing on w every ProgressEvery.
func StartProgress(w io.Writer, stats func() Stats) *Progress {
	p := &Progress{w: w, stats: stats, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *Progress) run() {
	defer close(p.done)
	t := time.NewTicker(ProgressEvery)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.draw()
		}
	}
}

// Line formats the progress figures.
func Line(s Stats, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d events, %s, %.1f s", s.Events, Bytes(s.Bytes), elapsed.Seconds())
	if s.Files > 1 {
		fmt.Fprintf(&b, ", %d files (now %s)", s.Files, s.Name)
	}
	return b.String()
}

// Bytes renders a byte count with a decimal unit, as -C counts them.
func Bytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}

func (p *Progress) draw() {
	line := Line(p.stats(), time.Since(p.start))
	pad := ""
	if n := p.width - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	p.width = len(line)
	fmt.Fprintf(p.w, "\r%s%s", line, pad)
}

// Stop draws the final figures and a newline; it may be called more than
// once.
func (p *Progress) Stop() {
	p.once.Do(func() {
		close(p.stop)
		<-p.done
		p.draw()
		fmt.Fprint(p.w, "\n")
	})
}
