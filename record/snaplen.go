package record

import (
	"xtrace/inspect"
	"xtrace/scap"
	"xtrace/snaplen"
	"xtrace/tracer"
)

// Snaplen cuts the buffers of the recorded events to the snaplen of
// their fd's class (-s 80,net=4096,...) before the output sees them: the
// tracer captures at the largest length, and a state engine of its own
// tells which fd each event used.
type Snaplen struct {
	Output
	in  *inspect.Inspector
	cut *snaplen.Cutter
	ev  scap.Event
}

// NewSnaplen returns out behind a stage that cuts buffers by policy p.
func NewSnaplen(out Output, p snaplen.Policy) *Snaplen {
	return &Snaplen{Output: out, cut: snaplen.NewCutter(p)}
}

// Header starts the state engine and the output.
func (o *Snaplen) Header(h *scap.Header) error {
	o.in = inspect.New(h)
	return o.Output.Header(h)
}

// Write cuts the batch's events and hands it on.
func (o *Snaplen) Write(b *tracer.Batch) error {
	err := b.Shrink(func(cpu uint16, flags uint32, raw []byte) ([]byte, error) {
		if err := o.ev.Load(cpu, flags, raw); err != nil {
			return nil, err
		}
		if err := o.cut.Cut(o.in, &o.ev); err != nil {
			return nil, err
		}
		o.in.Process(&o.ev)
		return o.ev.Raw(), nil
	})
	if err != nil {
		return err
	}
	return o.Output.Write(b)
}
