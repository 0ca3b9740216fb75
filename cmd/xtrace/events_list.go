package main

import (
	"bufio"
	"io"

	"xtrace/event"
)

// listEvents prints the event list (-L) as sysdig does: one line per event
// type that is neither unused, superseded nor internal, with its direction
// and typed parameter list.
func listEvents(cli *CLI, stdout io.Writer) error {
	w := bufio.NewWriter(stdout)
	for t := event.Type(0); t < event.NumTypes; t++ {
		d := event.Info(t)
		if d.Flags&(event.Unused|event.OldVersion) != 0 || d.Category&event.CatInternal != 0 {
			continue
		}
		dir := byte('>')
		if t&1 == 1 {
			dir = '<'
		}
		w.WriteByte(dir)
		w.WriteByte(' ')
		w.WriteString(d.Name)
		w.WriteByte('(')
		for i, p := range d.Params {
			if i > 0 {
				w.WriteString(", ")
			}
			w.WriteString(p.Type.String())
			w.WriteByte(' ')
			w.WriteString(p.Name)
		}
		w.WriteString(")\n")
	}
	return w.Flush()
}
