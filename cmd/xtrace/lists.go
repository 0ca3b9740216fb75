package main

import (
	"io"

	"xtrace/field"
)

// listFields prints the field list: -l by class, -lv with types and
// arguments, --list-markdown as Markdown tables.
func listFields(cli *CLI, stdout io.Writer) error {
	return field.WriteList(stdout, field.ListOptions{Verbose: cli.Verbose, Markdown: cli.ListMarkdown})
}
