package inject

import (
	"errors"
	"io"
	"os"
	"testing"

	"xtrace/event"
	"xtrace/scap"
)

// BenchmarkInjectorNoMatch is the tracer thread's added work per event
// with an --inject rule that never matches: the injector's state engine
// and the rule's filter, on the events of a real capture.
func BenchmarkInjectorNoMatch(b *testing.B) {
	f, err := os.Open("../testdata/captures/inspect_502Error.scap")
	if err != nil {
		b.Skip(err)
	}
	defer f.Close()
	rd, err := scap.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	type ev struct {
		cpu   uint16
		raw   []byte
		enter bool
	}
	var evs []ev
	for {
		e, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		d := event.Info(e.Type)
		evs = append(evs, ev{e.CPU, append([]byte(nil), e.Raw()...), d != nil && d.Dir == event.Enter})
	}
	r, err := ParseRule("proc.name=no-such-process and evt.type=openat error=EPERM")
	if err != nil {
		b.Fatal(err)
	}
	j := New([]*Rule{r})
	j.Start(rd.Header())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := &evs[i%len(evs)]
		if e.enter {
			if f := j.Enter(e.cpu, e.raw); f.Skip {
				b.Fatal("a rule that matches nothing fired")
			}
		} else {
			j.Observe(e.cpu, e.raw)
		}
	}
}
