package inspect

import "math/bits"

// idTable maps int64 ids (tids, fd numbers) to entries. It is the thread
// table and the fd tables: every event looks up its thread and many their
// fd, so this is an open-addressing hash table with linear probing and
// Fibonacci hashing, which costs a multiply and usually one probe, where
// Go's map hashes the key with a call. Deletion shifts the following
// entries back, so there are no tombstones and lookups stay short however
// many threads come and go.
//
// Iterate with all; the table must not change during an iteration.
type idTable[T any] struct {
	slots []idSlot[T] // len is a power of two, or 0
	shift uint        // 64 - log2(len(slots))
	n     int
	gen   uint64 // counts the changes of the key set
}

type idSlot[T any] struct {
	key int64
	val *T // nil: empty slot
}

// idTableMinSize is the number of slots a table starts with.
const idTableMinSize = 8

func (m *idTable[T]) home(key int64) uint64 {
	return (uint64(key) * 0x9E3779B97F4A7C15) >> m.shift
}

// len returns the number of entries.
func (m *idTable[T]) len() int { return m.n }

// get returns the entry for key, or nil.
func (m *idTable[T]) get(key int64) *T {
	if m.n == 0 {
		return nil
	}
	mask := uint64(len(m.slots) - 1)
	for i := m.home(key); ; i = (i + 1) & mask {
		s := &m.slots[i]
		if s.val == nil {
			return nil
		}
		if s.key == key {
			return s.val
		}
	}
}

// put sets the entry for key (v must not be nil).
func (m *idTable[T]) put(key int64, v *T) {
	if 2*(m.n+1) > len(m.slots) {
		m.grow()
	}
	mask := uint64(len(m.slots) - 1)
	for i := m.home(key); ; i = (i + 1) & mask {
		s := &m.slots[i]
		if s.val == nil {
			s.key, s.val = key, v
			m.n++
			m.gen++
			return
		}
		if s.key == key {
			s.val = v
			return
		}
	}
}

// del removes the entry for key, if any.
func (m *idTable[T]) del(key int64) {
	if m.n == 0 {
		return
	}
	mask := uint64(len(m.slots) - 1)
	i := m.home(key)
	for {
		s := &m.slots[i]
		if s.val == nil {
			return
		}
		if s.key == key {
			break
		}
		i = (i + 1) & mask
	}
	m.n--
	m.gen++
	// Move back every following entry of the run that the hole now
	// separates from its home slot.
	for j := i; ; {
		m.slots[i] = idSlot[T]{}
		for {
			j = (j + 1) & mask
			s := m.slots[j]
			if s.val == nil {
				return
			}
			h := m.home(s.key)
			// s may move to i unless its home lies cyclically in (i, j].
			if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
				m.slots[i] = s
				i = j
				break
			}
		}
	}
}

func (m *idTable[T]) grow() {
	size := max(2*len(m.slots), idTableMinSize)
	old := m.slots
	m.slots = make([]idSlot[T], size)
	m.shift = uint(64 - bits.TrailingZeros(uint(size)))
	m.n = 0
	for _, s := range old {
		if s.val != nil {
			m.put(s.key, s.val)
		}
	}
}

// all yields every entry, in no particular order.
func (m *idTable[T]) all(yield func(*T) bool) {
	for _, s := range m.slots {
		if s.val != nil && !yield(s.val) {
			return
		}
	}
}

// pairs yields every key with its entry, in no particular order.
func (m *idTable[T]) pairs(yield func(int64, *T) bool) {
	for _, s := range m.slots {
		if s.val != nil && !yield(s.key, s.val) {
			return
		}
	}
}

// keys yields every key, in no particular order.
func (m *idTable[T]) keys(yield func(int64) bool) {
	for _, s := range m.slots {
		if s.val != nil && !yield(s.key) {
			return
		}
	}
}
