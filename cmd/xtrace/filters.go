package main

import (
	"fmt"
	"strings"

	"xtrace/inspect"
)

// compileFilter compiles the filter given on the command line (nil when
// empty).
//
// TODO(filter): replace with the filter package; this only knows
// evt.type=X and proc.name=X.
func compileFilter(expr string) (func(*inspect.Event) bool, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, nil
	}
	name, value, ok := strings.Cut(expr, "=")
	if !ok {
		return nil, fmt.Errorf("filter error: unrecognized comparison operator after %s", expr)
	}
	switch strings.TrimSpace(name) {
	case "evt.type":
		return func(e *inspect.Event) bool { return e.TypeName() == value }, nil
	case "proc.name":
		return func(e *inspect.Event) bool { return e.ProcName() == value }, nil
	}
	return nil, fmt.Errorf("filter error: unrecognized field %s", name)
}
