package ring

import (
	"encoding/binary"
	"sync/atomic"
	"testing"
)

// FuzzDrain puts arbitrary bytes in a ring, as a program scribbling on
// the shared region could, and drains it: Drain must not panic, and every
// record and chunk it reports must lie inside the committed bytes.
func FuzzDrain(f *testing.F) {
	rec := func(kind uint16, extra []byte) []byte {
		fixed := recordFixed(kind)
		b := make([]byte, fixed, fixed+len(extra))
		b = append(b, extra...)
		for len(b)%8 != 0 {
			b = append(b, 0)
		}
		binary.LittleEndian.PutUint32(b[recLen:], uint32(len(b)))
		binary.LittleEndian.PutUint16(b[recKind:], kind)
		return b
	}
	chunk := make([]byte, chunkBytes+8)
	binary.LittleEndian.PutUint64(chunk[chunkAddr:], 0x1000)
	binary.LittleEndian.PutUint32(chunk[chunkLen:], 5)
	copy(chunk[chunkBytes:], "hello")
	fact := make([]byte, chunkBytes+factFdBytes)
	binary.LittleEndian.PutUint64(fact[chunkAddr:], factFd)
	binary.LittleEndian.PutUint32(fact[chunkLen:], factFdBytes)
	binary.LittleEndian.PutUint32(fact[chunkFlags:], chunkFact)
	sock := make([]byte, chunkBytes+factSockBytes)
	binary.LittleEndian.PutUint64(sock[chunkAddr:], factSock)
	binary.LittleEndian.PutUint32(sock[chunkLen:], factSockBytes)
	binary.LittleEndian.PutUint32(sock[chunkFlags:], chunkFact)
	binary.LittleEndian.PutUint32(sock[chunkBytes+factSockNameLen:], 16)
	binary.LittleEndian.PutUint32(sock[chunkBytes+factSockPeerLen:], 1000)
	f.Add(rec(KindEnter, nil))
	f.Add(rec(KindEnter, sock))
	f.Add(rec(KindExit, append(chunk, fact...)))
	f.Add(append(rec(KindEnter, chunk), rec(KindExit, chunk)...))
	f.Add(rec(KindPad, make([]byte, 64)))
	f.Add(append(rec(KindChild, nil), rec(KindImage, nil)...))
	f.Add(rec(KindSignal, nil))
	f.Add([]byte{1, 2, 3})

	r, err := Create(80)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { r.Close() })
	c := ringOff(0)
	data := r.mem[c+Page : c+Page+RingBytes]
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > RingBytes {
			b = b[:RingBytes]
		}
		tail := atomic.LoadUint64(u64p(r.mem, c+ringTail))
		// Start each input at the ring's beginning, with the tail there.
		tail = (tail + RingBytes - 1) &^ (RingBytes - 1)
		atomic.StoreUint64(u64p(r.mem, c+ringTail), tail)
		copy(data, b)
		atomic.StoreUint64(u64p(r.mem, c+ringHead), tail+uint64(len(b)))
		atomic.StoreUint32(u32p(r.mem, c+ringState), StateOwned)
		atomic.OrUint64(u64p(r.mem, hdrActive), 1)
		r.Drain(func(rec *Record) {
			if len(rec.Facts.Fds)*(chunkBytes+factFdBytes) > len(b) {
				t.Fatalf("%d descriptor facts from %d bytes of input", len(rec.Facts.Fds), len(b))
			}
			for _, s := range rec.Facts.Socks {
				if len(s.Name) > factSockAddrSize || len(s.Peer) > factSockAddrSize {
					t.Fatalf("socket fact with names of %d and %d bytes", len(s.Name), len(s.Peer))
				}
			}
			for _, m := range rec.Mem {
				if len(m.Data) > len(b) {
					t.Fatalf("chunk of %d bytes from %d bytes of input", len(m.Data), len(b))
				}
			}
		})
		// Whatever Drain could not parse stays; skip it for the next input.
		atomic.StoreUint64(u64p(r.mem, c+ringTail), tail+uint64(len(b)))
		atomic.StoreUint32(u32p(r.mem, c+ringState), StateFree)
	})
}
