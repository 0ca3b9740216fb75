package main

import (
	"errors"
	"io"
)

// listFields prints the field list (-l, -lv, --list-markdown).
//
// TODO(field): implement.
func listFields(cli *CLI, stdout io.Writer) error {
	return errors.New("xtrace: -l is not implemented yet")
}
