package main

import (
	"bufio"
	"errors"
	"io"

	"xtrace/format"
)

// listChisels prints the chisel list (-cl).
//
// TODO(chisel): implement.
func listChisels(cli *CLI, stdout io.Writer) error {
	return errors.New("xtrace: chisels are not implemented yet")
}

// chiselInfo describes one chisel (-i NAME).
//
// TODO(chisel): implement.
func chiselInfo(cli *CLI, stdout io.Writer) error {
	return errors.New("xtrace: chisels are not implemented yet")
}

// newChiselSink runs the chisels given with -c on the replayed events.
//
// TODO(chisel): implement.
func newChiselSink(cli *CLI, opts format.Options, out *bufio.Writer) (eventSink, error) {
	return nil, errors.New("xtrace: chisels are not implemented yet")
}
