package main

import (
	"errors"
	"io"
)

// listEvents prints the event list (-L).
//
// TODO(format): implement.
func listEvents(cli *CLI, stdout io.Writer) error {
	return errors.New("xtrace: -L is not implemented yet")
}
