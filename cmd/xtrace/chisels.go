package main

import (
	"errors"
	"io"
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
