package main

import (
	"context"
	"errors"
	"io"
)

// runRecord records a command (cli.Command) or attached processes (cli.PID).
//
// TODO(record): implement with tracer, decode and procfs.
func runRecord(ctx context.Context, cli *CLI, stdout, stderr io.Writer) error {
	return errors.New("xtrace: recording is not implemented yet")
}
