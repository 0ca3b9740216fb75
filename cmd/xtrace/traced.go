package main

import (
	"fmt"
	"io"
	"strings"

	"xtrace/event"
	"xtrace/filter"
	"xtrace/seccomp"
)

// captureSyscalls is the stop set for a capture filter (see
// [seccomp.ForFilter]); a filter that does not parse keeps every syscall.
func captureSyscalls(expr string) seccomp.Set {
	if strings.TrimSpace(expr) == "" {
		return seccomp.All()
	}
	n, err := filter.Parse(expr)
	if err != nil {
		return seccomp.All()
	}
	return seccomp.ForFilter(n)
}

// listTracedSyscalls prints the names of the syscalls the seccomp program
// of a launched command traces for the capture filter, in syscall number
// order, comma-separated.
func listTracedSyscalls(cli *CLI, stdout io.Writer) error {
	expr := strings.Join(cli.Filter, " ")
	if expr != "" {
		if _, err := compileFilter(expr); err != nil {
			return err
		}
	}
	set := seccomp.Traced(captureSyscalls(expr))
	var names []string
	for _, sc := range event.Syscalls() {
		if set.Has(sc.Nr) {
			names = append(names, sc.Name)
		}
	}
	_, err := fmt.Fprintln(stdout, strings.Join(names, ","))
	return err
}
