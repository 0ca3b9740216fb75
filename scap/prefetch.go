package scap

import (
	"io"
	"sync"
)

// prefetchChunk and prefetchChunks size the read-ahead of prefetcher: a
// few chunks, so that the producer stays ahead without holding much
// memory. Each chunk has prefetchHead bytes of room in front of its data,
// where the Reader moves the start of a block that the previous chunk
// cut: a block no larger than that (every non-large event block) is then
// whole in one buffer without copying the chunk.
const (
	prefetchChunk  = 256 << 10
	prefetchChunks = 3
	prefetchHead   = maxEventBlockBody + 8
)

// prefetcher reads src on a goroutine of its own, ahead of the Reader,
// into chunks that the Reader then decodes in place: the gzip
// decompression (often the costliest part of a replay) runs on another
// core while the state engine works. Chunks come
// in order; the error that ended src comes with the last bytes read
// before it. close stops the goroutine.
type prefetcher struct {
	full    chan prefetched // filled chunks, in order
	free    chan []byte     // chunks the Reader is done with
	stop    chan struct{}
	stopped sync.Once
}

// prefetched is one chunk: data is buf[prefetchHead:prefetchHead+n].
type prefetched struct {
	buf []byte
	n   int
	err error
}

func newPrefetcher(src io.Reader) *prefetcher {
	p := &prefetcher{
		full: make(chan prefetched, prefetchChunks),
		free: make(chan []byte, prefetchChunks),
		stop: make(chan struct{}),
	}
	for range prefetchChunks {
		p.free <- make([]byte, prefetchHead+prefetchChunk)
	}
	go p.run(src)
	return p
}

func (p *prefetcher) run(src io.Reader) {
	for {
		var b []byte
		select {
		case b = <-p.free:
		case <-p.stop:
			return
		}
		n, err := io.ReadFull(src, b[prefetchHead:])
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		select {
		case p.full <- prefetched{b, n, err}:
		case <-p.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// close stops the goroutine (it may be blocked handing over a chunk
// nobody will read).
func (p *prefetcher) close() {
	p.stopped.Do(func() { close(p.stop) })
}

// fillPrefetched is fill for a Reader with a prefetcher: rest moves to
// the next chunk, its unread bytes copied in front of the chunk's data.
// A block larger than that room is joined in r.big instead, each chunk's
// data appended once; the unread bytes move to the front of r.big only
// when the read part before them is larger than they are, and r.big
// doubles until the input has backed a quarter of the block, then takes
// n plus one chunk (the last chunk may hold bytes past the block). Bytes
// copied thus stay under three times the input read, and memory under
// one and a half times n plus the chunks (n is at most MaxBlockLen).
func (r *Reader) fillPrefetched(n int) bool {
	for len(r.rest) < n {
		if r.srcErr != nil {
			return false
		}
		c := <-r.pf.full
		data := c.buf[prefetchHead : prefetchHead+c.n]
		left := r.rest
		old := r.chunk
		if len(left) <= prefetchHead {
			start := prefetchHead - len(left)
			copy(c.buf[start:], left)
			r.copied += int64(len(left))
			r.rest = c.buf[start : prefetchHead+c.n]
			r.chunk = c.buf
		} else {
			r.joinBig(left, data, n)
			r.chunk = nil
			r.pf.free <- c.buf
		}
		if old != nil {
			r.pf.free <- old
		}
		if c.err != nil {
			r.srcErr = c.err
		}
	}
	return true
}

// joinBig makes rest the unread bytes left followed by data, in r.big.
// left is either in a chunk (the start of a large block) or the tail of
// r.big (a large block being joined).
func (r *Reader) joinBig(left, data []byte, n int) {
	inBig := r.chunk == nil && len(left) > 0 && len(r.big) > 0 &&
		&left[len(left)-1] == &r.big[len(r.big)-1]
	if !inBig || len(r.big)-len(left) > len(left) {
		// Start over at the front of r.big: left is in a chunk, or
		// less than what was read before it.
		r.big = append(r.big[:0], left...) // left may overlap r.big: append moves it
		r.copied += int64(len(left))
	}
	if need := len(r.big) + len(data); need > cap(r.big) {
		size := max(need, 2*cap(r.big))
		if 2*size >= n {
			// The input has backed a quarter of the block: take
			// what the whole block needs, once.
			size = n + prefetchChunk
		}
		grown := make([]byte, len(r.big), max(need, size))
		r.copied += int64(copy(grown, r.big))
		r.big = grown
	}
	r.big = append(r.big, data...)
	r.copied += int64(len(data))
	r.rest = r.big[len(r.big)-len(left)-len(data):]
}
