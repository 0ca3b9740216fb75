package scap

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// zeroMember is one gzip member holding 1 MiB of zeros: members repeated
// make a stream of any decompressed size from a few bytes each.
var zeroMember = func() []byte {
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	return z.Bytes()
}()

// bombReader yields head, then zeros MiB of zeros: as gzip members when
// gz is set, else as plain bytes. It counts the bytes read from it.
type bombReader struct {
	head  []byte
	left  int64 // zero bytes (plain) or members (gzip) still to give
	gz    bool
	cur   []byte
	count int64
}

func newBomb(head []byte, zeros int64, gz bool) *bombReader {
	b := &bombReader{head: head, gz: gz}
	if gz {
		b.head = gzipped(head)
		b.left = zeros >> 20
	} else {
		b.left = zeros
	}
	return b
}

func (b *bombReader) Read(p []byte) (int, error) {
	if len(b.head) > 0 {
		n := copy(p, b.head)
		b.head = b.head[n:]
		b.count += int64(n)
		return n, nil
	}
	if b.gz {
		if len(b.cur) == 0 {
			if b.left == 0 {
				return 0, io.EOF
			}
			b.left--
			b.cur = zeroMember
		}
		n := copy(p, b.cur)
		b.cur = b.cur[n:]
		b.count += int64(n)
		return n, nil
	}
	if b.left == 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), b.left))
	clear(p[:n])
	b.left -= int64(n)
	b.count += int64(n)
	return n, nil
}

// blockHead is an 8-byte block header.
func blockHead(typ, total uint32) []byte {
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, typ), total)
}

// TestBlockBomb: a block that declares more than MaxBlockLen is rejected
// from its header, before its body is read or allocated, in plain and gzip
// captures alike (the reproducer of a 4 GiB event block after a real
// capture's metadata, and a 4 GiB process list after the section header).
func TestBlockBomb(t *testing.T) {
	sample, err := os.ReadFile("../testdata/captures/libs_sample.scap")
	if err != nil {
		t.Fatal(err)
	}
	const firstEvent = 0x182f0 // offset of libs_sample's first event block
	if typ := binary.LittleEndian.Uint32(sample[firstEvent:]); !isEventBlock(typ) {
		t.Fatalf("libs_sample.scap: no event block at %#x", firstEvent)
	}
	cases := []struct {
		name string
		head []byte
	}{
		{"event block", append(sample[:firstEvent:firstEvent], blockHead(BlockEVv2Big, 0xFFFFFFF0)...)},
		{"process list", append(sample[:28:28], blockHead(BlockPLv9, 0xFFFFFFF0)...)},
		{"event block just over", append(sample[:firstEvent:firstEvent], blockHead(BlockEVFv2Big, MaxBlockLen+4)...)},
	}
	for _, c := range cases {
		for _, gz := range []bool{false, true} {
			src := newBomb(c.head, 4<<30, gz)
			_, err := readAll(t, src)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%s (gzip %v): error %v, want ErrTooLarge", c.name, gz, err)
			}
			if want := "-byte limit"; !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "of the decompressed stream") != gz {
				t.Errorf("%s (gzip %v): error %q", c.name, gz, err)
			}
			// The read stops at the header: what was read is the head
			// and at most the read-ahead (the buffer, or the prefetch
			// chunks), not the 4 GiB behind it.
			if limit := int64(len(c.head)) + readBufSize + prefetchChunks*prefetchChunk; src.count > limit {
				t.Errorf("%s (gzip %v): read %d bytes of input, want at most %d", c.name, gz, src.count, limit)
			}
		}
	}
}

// TestLargeBlockBounds: a large block within MaxBlockLen is read with
// bytes copied linear in its size and a buffer no larger than the block,
// whether it holds a real event, zeros, or is cut short; a length that
// the input does not back costs memory for what the input holds only.
func TestLargeBlockBounds(t *testing.T) {
	// A real 40 MiB plugin event between two small ones.
	var e Encoder
	var plain bytes.Buffer
	w := NewWriter(&plain)
	if err := w.WriteHeader(&Header{}); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{3, 40 << 20, 5} {
		e.Begin(1700000000000000000, 1, 322) // pluginevent: large payload
		e.U32(7)
		e.Bytes(bytes.Repeat([]byte{'x'}, size))
		raw, err := e.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteRaw(0, 0, raw); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	hdr := plain.Bytes()[:bytes.Index(plain.Bytes(), blockHead(BlockEVv2Big, 0)[:4])]

	const zeros = 64 << 20
	withBlock := func(total uint32) []byte { return append(hdr[:len(hdr):len(hdr)], blockHead(BlockEVv2Big, total)...) }
	anyErr := errors.New("any error")
	cases := []struct {
		name    string
		stream  func(gz bool) io.Reader
		events  int
		err     error // nil, anyErr, or what the error matches
		mem     int   // bound of the read buffers' capacity
		scanned int64 // bytes of the capture stream: the copy bound
	}{
		{"40 MiB event", func(gz bool) io.Reader {
			if gz {
				return bytes.NewReader(gzipped(plain.Bytes()))
			}
			return bytes.NewReader(plain.Bytes())
		}, 3, nil, 40<<20 + 64 + prefetchChunk, int64(plain.Len())},
		// The block ends with zeros where its trailer should be.
		{"64 MiB of zeros", func(gz bool) io.Reader { return newBomb(withBlock(zeros+8), zeros, gz) },
			0, anyErr, zeros + 8 + prefetchChunk, zeros + 1<<20},
		{"declares 200 MiB, holds 2", func(gz bool) io.Reader { return newBomb(withBlock(200<<20), 2<<20, gz) },
			0, ErrTruncated, 6 << 20, 3 << 20},
	}
	for _, c := range cases {
		for _, gz := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s gzip=%v", c.name, gz), func(t *testing.T) {
				rd, err := NewReader(c.stream(gz))
				if err != nil {
					t.Fatal(err)
				}
				defer rd.Close()
				n := 0
				for ; ; n++ {
					if _, err = rd.Next(); err != nil {
						break
					}
				}
				if err == io.EOF {
					err = nil
				}
				if n != c.events || (c.err == nil) != (err == nil) || c.err != nil && c.err != anyErr && !errors.Is(err, c.err) {
					t.Fatalf("%d events, error %v; want %d, %v", n, err, c.events, c.err)
				}
				if rd.copied > 3*c.scanned {
					t.Errorf("copied %d bytes while reading %d", rd.copied, c.scanned)
				}
				if m := max(cap(rd.big), cap(rd.buf)); m > c.mem {
					t.Errorf("read buffer of %d bytes, want at most %d", m, c.mem)
				}
			})
		}
	}
}

// TestFuzzSeedLargeBlock checks that FuzzReader's large-block seed takes
// the large-block path of the prefetcher.
func TestFuzzSeedLargeBlock(t *testing.T) {
	big := minimalCapture(t)
	big = big[:bytes.LastIndex(big, []byte{0x16, 2, 0, 0})]
	big = binary.LittleEndian.AppendUint32(big, BlockEVv2Big)
	big = binary.LittleEndian.AppendUint32(big, 2<<20)
	stream := bytes.Repeat(big, (3<<20)/len(big)+2)[:len(big)+3<<20]
	_, _, bigCap, _ := readAllGzip(t, stream)
	if bigCap < 2<<20 {
		t.Fatalf("large-block buffer of %d bytes: the seed does not reach the large-block path", bigCap)
	}
}
