package ring

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"testing"
)

// appendChunk appends a chunk of flags with addr and data, padded to 8.
func appendChunk(b []byte, addr uint64, flags uint32, data []byte) []byte {
	var h [chunkBytes]byte
	binary.LittleEndian.PutUint64(h[chunkAddr:], addr)
	binary.LittleEndian.PutUint32(h[chunkLen:], uint32(len(data)))
	binary.LittleEndian.PutUint32(h[chunkFlags:], flags)
	b = append(append(b, h[:]...), data...)
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

// TestFacts drains exit records carrying fact chunks among memory chunks:
// the facts go to Record.Facts, the memory to Record.Mem, and a fact of
// an unknown kind or size is left out; a socket fact's names are cut to
// the lengths getsockname and getpeername gave.
func TestFacts(t *testing.T) {
	fd := func(n int64, ok uint32, dev uint32, ino uint64) []byte {
		b := make([]byte, factFdBytes)
		binary.LittleEndian.PutUint64(b[factFdFd:], uint64(n))
		binary.LittleEndian.PutUint32(b[factFdOK:], ok)
		binary.LittleEndian.PutUint32(b[factFdDev:], dev)
		binary.LittleEndian.PutUint64(b[factFdIno:], ino)
		return b
	}
	vm := make([]byte, factVMBytes)
	binary.LittleEndian.PutUint64(vm[factVMSize:], 10240)
	binary.LittleEndian.PutUint64(vm[factVMRSS:], 2048)
	binary.LittleEndian.PutUint64(vm[factVMSwap:], 4)
	sock := make([]byte, factSockBytes)
	binary.LittleEndian.PutUint64(sock[factSockFd:], 5)
	binary.LittleEndian.PutUint32(sock[factSockPeerRet:], uint32(0xffffff95)) // -ENOTCONN
	binary.LittleEndian.PutUint32(sock[factSockNameLen:], 16)
	copy(sock[factSockName:], []byte{2, 0, 0x1f, 0x90, 127, 0, 0, 1})
	exit := func(chunks []byte) []byte {
		b := make([]byte, ExitBytes, ExitBytes+len(chunks))
		b = append(b, chunks...)
		binary.LittleEndian.PutUint32(b[recLen:], uint32(len(b)))
		binary.LittleEndian.PutUint16(b[recKind:], KindExit)
		return b
	}
	var in []byte
	in = append(in, exit(appendChunk(appendChunk(nil, 0x1000, 0, []byte("/a\x00")), factFd, chunkFact, fd(3, 1, 0x803, 42)))...)
	in = append(in, exit(appendChunk(appendChunk(appendChunk(nil, 0x2000, 0, []byte{3, 0, 0, 0, 4, 0, 0, 0}),
		factFd, chunkFact, fd(3, 1, 0xd, 7)), factFd, chunkFact, fd(4, 0, 0, 0)))...)
	in = append(in, exit(appendChunk(appendChunk(nil, factVM, chunkFact, vm), 9, chunkFact, vm))...)
	in = append(in, exit(appendChunk(nil, factVM, chunkFact, vm[:16]))...)
	in = append(in, exit(appendChunk(appendChunk(nil, factSock, chunkFact, sock), factSock, chunkFact, sock[:100]))...)

	r, err := Create(80)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := ringOff(0)
	copy(r.mem[c+Page:], in)
	atomic.StoreUint64(u64p(r.mem, c+ringHead), uint64(len(in)))
	atomic.StoreUint32(u32p(r.mem, c+ringState), StateOwned)
	atomic.OrUint64(u64p(r.mem, hdrActive), 1)
	type got struct {
		mem   int
		fds   []FdFact
		vm    VMFact
		hasVM bool
		socks []SockFact
	}
	var gots []got
	r.Drain(func(rec *Record) {
		socks := []SockFact(nil)
		for _, s := range rec.Facts.Socks {
			s.Name, s.Peer = append([]byte(nil), s.Name...), append([]byte(nil), s.Peer...)
			socks = append(socks, s)
		}
		gots = append(gots, got{len(rec.Mem), append([]FdFact(nil), rec.Facts.Fds...), rec.Facts.VM, rec.Facts.HasVM, socks})
	})
	want := []got{
		{1, []FdFact{{3, true, 0x803, 42}}, VMFact{}, false, nil},
		{1, []FdFact{{3, true, 0xd, 7}, {4, false, 0, 0}}, VMFact{}, false, nil},
		{0, nil, VMFact{10240, 2048, 4}, true, nil},
		{0, nil, VMFact{}, false, nil},
		{0, nil, VMFact{}, false, []SockFact{{5, 0, -107, sock[factSockName : factSockName+16], []byte{}}}},
	}
	if len(gots) != len(want) {
		t.Fatalf("%d records, want %d", len(gots), len(want))
	}
	for i, w := range want {
		g := gots[i]
		if g.mem != w.mem || len(g.fds) != len(w.fds) || g.vm != w.vm || g.hasVM != w.hasVM || fmt.Sprint(g.socks) != fmt.Sprint(w.socks) {
			t.Errorf("record %d: %+v, want %+v", i, g, w)
			continue
		}
		for j := range w.fds {
			if g.fds[j] != w.fds[j] {
				t.Errorf("record %d fd fact %d: %+v, want %+v", i, j, g.fds[j], w.fds[j])
			}
		}
	}
}
