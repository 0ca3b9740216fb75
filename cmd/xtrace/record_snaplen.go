package main

import (
	"xtrace/inspect"
	"xtrace/scap"
	"xtrace/snaplen"
	"xtrace/tracer"
)

// snaplenOutput cuts the buffers of the recorded events to the snaplen of
// their fd's class (-s 80,net=4096,...) before the output sees them: the
// tracer captures at the largest length, and a state engine of its own
// tells which fd each event used.
type snaplenOutput struct {
	recordOutput
	in  *inspect.Inspector
	cut *snaplen.Cutter
	ev  scap.Event
}

func newSnaplenOutput(out recordOutput, p snaplen.Policy) *snaplenOutput {
	return &snaplenOutput{recordOutput: out, cut: snaplen.NewCutter(p)}
}

func (o *snaplenOutput) header(h *scap.Header) error {
	o.in = inspect.New(h)
	return o.recordOutput.header(h)
}

func (o *snaplenOutput) write(b *tracer.Batch) error {
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
	return o.recordOutput.write(b)
}
