package tracer

import "encoding/binary"

// Batch carries encoded events from the tracer to the writer goroutine:
// each event is stored as
//
//	+-----------+-----------------------------------------------+
//	| cpuid u16 | event in v2 layout (length at offset 16, u32) |
//	+-----------+-----------------------------------------------+
//
// back to back in Data. Batches are recycled: the consumer hands each one
// back on the free channel once written, so the tracer allocates none
// while recording.
type Batch struct {
	Data   []byte
	Events int
}

// Reset empties the batch for reuse.
func (b *Batch) Reset() { b.Data, b.Events = b.Data[:0], 0 }

func (b *Batch) add(cpu uint16, raw []byte) {
	b.Data = binary.LittleEndian.AppendUint16(b.Data, cpu)
	b.Data = append(b.Data, raw...)
	b.Events++
}

// Each calls f for every event of the batch, in order; f's raw slice
// aliases the batch.
func (b *Batch) Each(f func(cpu uint16, raw []byte) error) error {
	d := b.Data
	for len(d) >= 2+26 {
		cpu := binary.LittleEndian.Uint16(d)
		n := int(binary.LittleEndian.Uint32(d[2+16:]))
		if n < 26 || 2+n > len(d) {
			break
		}
		if err := f(cpu, d[2:2+n]); err != nil {
			return err
		}
		d = d[2+n:]
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
