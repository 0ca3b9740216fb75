// Package ring is the flight recorder's memory: a queue of encoded events
// bounded in bytes, which drops its oldest events to make room, handing
// each dropped event to a callback (the recorder's state engine, so that
// the capture written from the queue starts with the state as of its
// first event).
package ring

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// entryHdr is the cpu (u16) and the dump flags' high half (u16) stored
// before each event; the event's own length is at offset 16 of it.
const entryHdr = 4

// Ring holds the most recent events that fit in its size. It is not safe
// for concurrent use.
type Ring struct {
	size  int
	buf   []byte
	head  int // offset of the oldest event in buf
	n     int // events held
	evict func(cpu uint16, flags uint32, raw []byte)
}

// New returns a Ring of size bytes; evict is called with each event the
// ring drops, oldest first (its raw slice is valid during the call).
func New(size int, evict func(cpu uint16, flags uint32, raw []byte)) *Ring {
	return &Ring{size: size, evict: evict}
}

// Len returns the number of events held and their bytes.
func (r *Ring) Len() (events, bytes int) { return r.n, len(r.buf) - r.head }

// Push adds an event (v2 layout, length at offset 16), dropping the oldest
// events until it fits. An event larger than the ring is dropped itself.
func (r *Ring) Push(cpu uint16, flags uint32, raw []byte) {
	need := entryHdr + len(raw)
	if need > r.size {
		r.evict(cpu, flags, raw)
		return
	}
	for len(r.buf)-r.head+need > r.size {
		r.dropOldest()
	}
	if r.head > 0 && r.head >= len(r.buf)/2 && len(r.buf)+need > cap(r.buf) {
		// Move the live part down instead of growing: the buffer
		// stays within twice the ring's size.
		m := copy(r.buf, r.buf[r.head:])
		r.buf, r.head = r.buf[:m], 0
	}
	r.buf = binary.LittleEndian.AppendUint16(r.buf, cpu)
	r.buf = binary.LittleEndian.AppendUint16(r.buf, uint16(flags>>16))
	r.buf = append(r.buf, raw...)
	r.n++
}

func (r *Ring) entry(off int) (cpu uint16, flags uint32, raw []byte, next int) {
	cpu = binary.LittleEndian.Uint16(r.buf[off:])
	flags = uint32(binary.LittleEndian.Uint16(r.buf[off+2:])) << 16
	n := int(binary.LittleEndian.Uint32(r.buf[off+entryHdr+16:]))
	raw = r.buf[off+entryHdr : off+entryHdr+n]
	return cpu, flags, raw, off + entryHdr + n
}

func (r *Ring) dropOldest() {
	cpu, flags, raw, next := r.entry(r.head)
	r.evict(cpu, flags, raw)
	r.head = next
	r.n--
	if r.n == 0 {
		r.buf, r.head = r.buf[:0], 0
	}
}

// Each calls f for every event held, oldest first.
func (r *Ring) Each(f func(cpu uint16, flags uint32, raw []byte) error) error {
	for off := r.head; off < len(r.buf); {
		cpu, flags, raw, next := r.entry(off)
		if err := f(cpu, flags, raw); err != nil {
			return err
		}
		off = next
	}
	return nil
}

// Drain drops every event held, passing each to the evict callback.
func (r *Ring) Drain() {
	for r.n > 0 {
		r.dropOldest()
	}
}

// ParseSize reads a size such as 64M, 512K, 1G or 1048576 (bytes; K, M, G
// are powers of 1024).
func ParseSize(s string) (int, error) {
	t := strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(s)), "B")
	mult := 1
	switch {
	case strings.HasSuffix(t, "K"):
		mult, t = 1<<10, t[:len(t)-1]
	case strings.HasSuffix(t, "M"):
		mult, t = 1<<20, t[:len(t)-1]
	case strings.HasSuffix(t, "G"):
		mult, t = 1<<30, t[:len(t)-1]
	}
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("ring: size %q: want a positive number of bytes with an optional K, M or G", s)
	}
	if n > (1<<40)/mult {
		return 0, errors.New("ring: size " + s + " is larger than 1T")
	}
	return n * mult, nil
}
