// Command bigcapture builds a large capture for benchmarks by replaying the
// events of a real capture over and over with shifted timestamps: the
// header is written once, then the events are repeated until -n events are
// written. Both sysdig and xtrace read the result; it exercises the same
// event mix as the source capture.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/klauspost/compress/gzip"

	"xtrace/scap"
)

func main() {
	in := flag.String("in", "testdata/captures/inspect_502Error.scap", "source capture")
	out := flag.String("out", "big.scap", "capture to write")
	n := flag.Int64("n", 1_000_000, "number of events to write")
	gz := flag.Bool("z", false, "gzip the output")
	flag.Parse()
	if err := run(*in, *out, *n, *gz); err != nil {
		log.Fatalf("bigcapture: %v", err)
	}
}

type rawEvent struct {
	cpu   uint16
	flags uint32
	raw   []byte
}

func run(in, out string, n int64, gz bool) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	rd, err := scap.NewReader(f)
	if err != nil {
		return err
	}
	hdr := rd.Header()
	var evs []rawEvent
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		evs = append(evs, rawEvent{ev.CPU, ev.DumpFlags, append([]byte(nil), ev.Raw()...)})
	}
	if len(evs) == 0 {
		return fmt.Errorf("%s has no events", in)
	}
	// The span of one round ignores events stamped 0 (the container
	// events at the start of some captures), which would stretch it to
	// decades and push later rounds past 2^63 ns.
	var first, last uint64
	for _, e := range evs {
		ts := binary.LittleEndian.Uint64(e.raw)
		if ts == 0 {
			continue
		}
		if first == 0 || ts < first {
			first = ts
		}
		if ts > last {
			last = ts
		}
	}
	span := last - first + 1_000_000

	o, err := os.OpenFile(out, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer o.Close()
	var sink io.Writer = o
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(o)
		sink = zw
	}
	w := scap.NewWriter(sink)
	if err := w.WriteHeader(hdr); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	for written := int64(0); written < n; {
		shift := uint64(written/int64(len(evs))) * span
		for _, e := range evs {
			if written >= n {
				break
			}
			buf = append(buf[:0], e.raw...)
			ts := binary.LittleEndian.Uint64(buf)
			binary.LittleEndian.PutUint64(buf, ts+shift)
			if err := w.WriteRaw(e.cpu, e.flags, buf); err != nil {
				return err
			}
			written++
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if zw != nil {
		return zw.Close()
	}
	return nil
}
