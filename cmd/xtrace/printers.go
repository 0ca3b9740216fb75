package main

import (
	"bufio"

	"xtrace/format"
)

// newPrinter returns the printer the output flags select.
//
// TODO(format): -p and -j printers.
func newPrinter(cli *CLI, opts format.Options, out *bufio.Writer) (eventSink, error) {
	d := format.NewDefault(opts)
	return &linePrinter{out: out, quiet: cli.Quiet, line: d.Append}, nil
}
