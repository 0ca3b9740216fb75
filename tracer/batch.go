package tracer

import (
	"encoding/binary"
	"errors"
)

// Batch carries encoded events from the tracer to the writer goroutine:
// each event is stored as
//
//	+-----------+-----------+-----------------------------------------------+
//	| cpuid u16 | flags u16 | event in v2 layout (length at offset 16, u32) |
//	+-----------+-----------+-----------------------------------------------+
//
// where flags are the event's EVF dump flags shifted right by 16
// (scap.FlagInjected is the only one the tracer sets).
// back to back in Data. Batches are recycled: the consumer hands each one
// back on the free channel once written, so the tracer allocates none
// while recording.
type Batch struct {
	Data   []byte
	Events int
}

// Reset empties the batch for reuse.
func (b *Batch) Reset() { b.Data, b.Events = b.Data[:0], 0 }

// batchHdr is the size of an event's cpu and flags in a batch.
const batchHdr = 4

// Add appends one event (v2 layout) recorded on cpu with EVF dump flags
// flags (only the upper 16 bits are kept; scap.FlagInjected is one).
func (b *Batch) Add(cpu uint16, flags uint32, raw []byte) {
	b.Data = binary.LittleEndian.AppendUint16(b.Data, cpu)
	b.Data = binary.LittleEndian.AppendUint16(b.Data, uint16(flags>>16))
	b.Data = append(b.Data, raw...)
	b.Events++
}

// Each calls f for every event of the batch, in order, with its cpu and
// EVF dump flags; f's raw slice aliases the batch.
func (b *Batch) Each(f func(cpu uint16, flags uint32, raw []byte) error) error {
	d := b.Data
	for len(d) >= batchHdr+26 {
		cpu := binary.LittleEndian.Uint16(d)
		flags := uint32(binary.LittleEndian.Uint16(d[2:])) << 16
		n := int(binary.LittleEndian.Uint32(d[batchHdr+16:]))
		if n < 26 || batchHdr+n > len(d) {
			break
		}
		if err := f(cpu, flags, d[batchHdr:batchHdr+n]); err != nil {
			return err
		}
		d = d[batchHdr+n:]
	}
	return nil
}

// NewBatches returns n batches of the given capacity, ready to be put on a
// free channel.
func NewBatches(n, capacity int) []*Batch {
	bs := make([]*Batch, n)
	for i := range bs {
		bs[i] = &Batch{Data: make([]byte, 0, capacity)}
	}
	return bs
}

// Shrink replaces each event of the batch, in place and in order, by the
// event f returns for it, which must be no longer than the event it
// replaces (a consumer that cuts buffers uses it); f's raw slice aliases
// the batch.
func (b *Batch) Shrink(f func(cpu uint16, flags uint32, raw []byte) ([]byte, error)) error {
	r, w := 0, 0
	d := b.Data
	for len(d)-r >= batchHdr+26 {
		n := int(binary.LittleEndian.Uint32(d[r+batchHdr+16:]))
		if n < 26 || r+batchHdr+n > len(d) {
			break
		}
		cpu := binary.LittleEndian.Uint16(d[r:])
		flags := uint32(binary.LittleEndian.Uint16(d[r+2:])) << 16
		out, err := f(cpu, flags, d[r+batchHdr:r+batchHdr+n])
		if err != nil {
			return err
		}
		if len(out) > n {
			return errors.New("tracer: Batch.Shrink: an event grew")
		}
		copy(d[w:], d[r:r+batchHdr])
		copy(d[w+batchHdr:], out)
		r += batchHdr + n
		w += batchHdr + len(out)
	}
	b.Data = d[:w]
	return nil
}
