package ring

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"testing"

	"xtrace/procfs"
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

// ringWith returns a region whose first ring holds the records in,
// committed; it is closed when the test ends.
func ringWith(t *testing.T, in []byte) *Region {
	t.Helper()
	r, err := Create(80)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	c := ringOff(0)
	copy(r.mem[c+Page:], in)
	atomic.StoreUint64(u64p(r.mem, c+ringHead), uint64(len(in)))
	atomic.StoreUint32(u32p(r.mem, c+ringState), StateOwned)
	atomic.OrUint64(u64p(r.mem, hdrActive), 1)
	return r
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

	r := ringWith(t, in)
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

// TestTaskFacts drains clone and execve exits carrying a task fact and its
// files: each file read lands in its place, one the agent could not read
// (ret != 0), of an unknown number, or without a task fact before it is
// left out.
func TestTaskFacts(t *testing.T) {
	task := func(parts uint32) []byte {
		b := make([]byte, factTaskBytes)
		binary.LittleEndian.PutUint32(b[factTaskHave:], parts)
		binary.LittleEndian.PutUint64(b[factTaskFDLimit:], 1024)
		binary.LittleEndian.PutUint32(b[factTaskExeMode:], 0o100755)
		binary.LittleEndian.PutUint32(b[factTaskExeUID:], 7)
		binary.LittleEndian.PutUint32(b[factTaskExeRdonly:], 1)
		return b
	}
	file := func(n procfs.TaskFile, ret int32, data string) []byte {
		b := make([]byte, factFileBytes, factFileBytes+len(data))
		binary.LittleEndian.PutUint32(b[factFileFile:], uint32(n))
		binary.LittleEndian.PutUint32(b[factFileRet:], uint32(ret))
		return append(b, data...)
	}
	tests := []struct {
		name   string
		chunks [][2][]byte // kind (8 bytes), data
		has    bool
		parts  uint32
		files  map[procfs.TaskFile]string
	}{
		{"clone", [][2][]byte{{u64le(factTask), task(TaskCmdline | TaskCgroup)},
			{u64le(factFile), file(FileStatus, 0, "Name:\tsh\n")}, {u64le(factFile), file(FileStat, 0, "1 (sh) S")},
			{u64le(factFile), file(FileCmdline, 0, "sh\x00-c\x00")}, {u64le(factFile), file(FileCgroup, 0, "0::/\n")}},
			true, TaskCmdline | TaskCgroup,
			map[procfs.TaskFile]string{FileStatus: "Name:\tsh\n", FileStat: "1 (sh) S", FileCmdline: "sh\x00-c\x00", FileCgroup: "0::/\n"}},
		{"unreadable and unknown files", [][2][]byte{{u64le(factTask), task(TaskLoginUID)},
			{u64le(factFile), file(FileStatus, 0, "")}, {u64le(factFile), file(FileLoginUID, -2, "")},
			{u64le(factFile), file(99, 0, "x")}},
			true, TaskLoginUID, map[procfs.TaskFile]string{FileStatus: ""}},
		{"file without task", [][2][]byte{{u64le(factFile), file(FileStatus, 0, "Name:\tsh\n")}}, false, 0, map[procfs.TaskFile]string{}},
		{"short task", [][2][]byte{{u64le(factTask), task(0)[:16]}}, false, 0, map[procfs.TaskFile]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var chunks []byte
			for _, c := range tc.chunks {
				chunks = appendChunk(chunks, binary.LittleEndian.Uint64(c[0]), chunkFact, c[1])
			}
			rec := make([]byte, ExitBytes, ExitBytes+len(chunks))
			rec = append(rec, chunks...)
			binary.LittleEndian.PutUint32(rec[recLen:], uint32(len(rec)))
			binary.LittleEndian.PutUint16(rec[recKind:], KindExit)
			n := ringWith(t, rec).Drain(func(rec *Record) {
				f := rec.Facts
				if f.HasTask != tc.has || f.Task.Parts != tc.parts {
					t.Errorf("HasTask %v, Parts %#x; want %v, %#x", f.HasTask, f.Task.Parts, tc.has, tc.parts)
				}
				if tc.has && (f.Task.FDLimit != 1024 || f.Task.ExeMode != 0o100755 || f.Task.ExeUID != 7 || !f.Task.ExeReadOnly) {
					t.Errorf("task values %+v", f.Task)
				}
				for i, b := range f.Task.Files {
					w, ok := tc.files[procfs.TaskFile(i)]
					if ok != (b != nil) || string(b) != w {
						t.Errorf("file %d: %q (read %v), want %q (read %v)", i, b, b != nil, w, ok)
					}
				}
			})
			if n != 1 {
				t.Fatalf("%d records drained, want 1", n)
			}
		})
	}
}

func u64le(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
