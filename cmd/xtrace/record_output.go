package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"xtrace/capture"
	"xtrace/record"
)

// openFileOutput opens the capture file of -w (-z, rotated with -C, -G,
// -W, -e).
func openFileOutput(cli *CLI) (*record.File, error) {
	f, err := record.OpenFile(capture.Options{
		Path:     cli.Write,
		Compress: cli.Compress,
		Members:  true,
		Rotation: rotationOf(cli),
		Live:     true,
	})
	if err != nil {
		return nil, fmt.Errorf("xtrace: %w", err)
	}
	return f, nil
}

// newLiveOutput prints the events as they are recorded, with the printer
// or chisel and the filter a replay would use.
func newLiveOutput(ctx context.Context, cli *CLI, stdout io.Writer) (*record.Live, error) {
	opts, err := printOptions(cli)
	if err != nil {
		return nil, err
	}
	match, err := compileFilter(strings.Join(cli.Filter, " "))
	if err != nil {
		return nil, err
	}
	out := bufio.NewWriterSize(stdout, 1<<16)
	sink, err := newSink(ctx, cli, opts, out)
	if err != nil {
		return nil, err
	}
	return record.NewLive(sink, out, match, cli.NumEvents, cli.Unbuffered, cli.SysdigCompat), nil
}
