package main

import (
	"bufio"
	"fmt"

	"xtrace/format"
	"xtrace/inspect"
)

// newPrinter returns the printer the output flags select: -j (JSON, with
// the -p fields or the default line's), -p or a -pc/-pk/-pm preset, or the
// default line.
func newPrinter(cli *CLI, opts format.Options, out *bufio.Writer) (eventSink, error) {
	if cli.Strace {
		return newStracePrinter(cli, out)
	}
	fmtString := cli.Print
	switch cli.Preset {
	case "container":
		fmtString = format.ContainerFormat
	case "kubernetes":
		fmtString = format.KubernetesFormat
	case "mesos":
		fmtString = format.MesosFormat
	}
	switch {
	case cli.JSON:
		j, err := format.NewJSON(fmtString, opts)
		if err != nil {
			return nil, err
		}
		return &formatPrinter{out: out, quiet: cli.Quiet, line: j.Append, reset: j.ResetColors(), debug: cli.Debug}, nil
	case fmtString != "":
		c, err := format.NewCustom(fmtString, opts)
		if err != nil {
			return nil, err
		}
		return &formatPrinter{out: out, quiet: cli.Quiet, line: c.Append, reset: c.ResetColors(), debug: cli.Debug}, nil
	}
	d := format.NewDefault(opts)
	return &linePrinter{out: out, quiet: cli.Quiet, line: d.Append}, nil
}

// formatPrinter writes the events a -p or -j printer accepts.
type formatPrinter struct {
	out   *bufio.Writer
	quiet bool
	buf   []byte
	line  func(dst []byte, e *inspect.Event) ([]byte, bool, error)
	// reset ends the output with sysdig's colour reset.
	reset bool
	// debug prints internal events (-D).
	debug bool
}

func (p *formatPrinter) Event(e *inspect.Event) error {
	// -D shows the internal events (procinfo, ...) too.
	if p.quiet || e.Hidden() && !(p.debug && e.Delivered() && e.Info != nil) {
		return nil
	}
	var ok bool
	var err error
	p.buf, ok, err = p.line(p.buf[:0], e)
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	if _, err := p.out.Write(p.buf); err != nil {
		return fmt.Errorf("xtrace: writing output: %w", err)
	}
	return nil
}

func (p *formatPrinter) End() error {
	if p.reset {
		if _, err := p.out.WriteString(format.ColorReset); err != nil {
			return fmt.Errorf("xtrace: writing output: %w", err)
		}
	}
	return nil
}
