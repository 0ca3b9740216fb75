package main

import (
	"bufio"
	"fmt"
	"io"

	"xtrace/event"
)

// listEvents prints the event list (-L) as sysdig does: one line per event
// type that is neither unused, superseded nor internal, with its direction
// and typed parameter list. xtrace's own types (the syscalls sysdig 0.29.3
// records only as generic events) follow sysdig's, unless --sysdig-compat
// is given. With -v it prints the syscall table instead: every x86_64
// syscall xtrace records, its native number and the exit event that
// carries its result and arguments.
func listEvents(cli *CLI, stdout io.Writer) error {
	w := bufio.NewWriter(stdout)
	if cli.Verbose {
		listSyscalls(w, cli.SysdigCompat)
		return w.Flush()
	}
	for t := event.Type(0); t < event.NumTypes; t++ {
		d := event.Info(t)
		if d.Flags&(event.Unused|event.OldVersion) != 0 || d.Category&event.CatInternal != 0 {
			continue
		}
		if d.Extended() && cli.SysdigCompat {
			break
		}
		w.WriteString(d.Dir.String())
		w.WriteByte(' ')
		w.WriteString(d.Name)
		writeParams(w, d)
		w.WriteByte('\n')
	}
	return w.Flush()
}

// writeParams writes "(TYPE name, ...)" for d's parameters.
func writeParams(w *bufio.Writer, d *event.Desc) {
	w.WriteByte('(')
	for i, p := range d.Params {
		if i > 0 {
			w.WriteString(", ")
		}
		w.WriteString(p.Type.String())
		w.WriteByte(' ')
		w.WriteString(p.Name)
	}
	w.WriteByte(')')
}

// listSyscalls prints one line per syscall: number, name, and the exit
// event with its parameters; "(generic)" marks the syscalls sysdig 0.29.3
// shows without result or arguments, which xtrace decodes in its own
// event types (shown unless compat).
func listSyscalls(w *bufio.Writer, compat bool) {
	for _, sc := range event.Syscalls() {
		_, exit := sc.Events()
		if compat {
			exit = sc.Exit
		}
		d := event.Info(exit)
		fmt.Fprintf(w, "%3d %-24s < %s", sc.Nr, sc.Name, d.Name)
		if d.Type == event.GenericX {
			w.WriteString(" (generic: no result or arguments)\n")
			continue
		}
		writeParams(w, d)
		if d.Extended() {
			w.WriteString(" [xtrace; sysdig 0.29.3: generic]")
		}
		w.WriteByte('\n')
	}
}
