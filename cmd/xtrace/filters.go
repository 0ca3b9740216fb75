package main

import (
	"errors"
	"fmt"
	"strings"

	"xtrace/filter"
	"xtrace/inspect"
)

// compileFilter compiles the filter given on the command line into the
// predicate the inspector runs (nil when there is none). Errors print
// sysdig's line ("filter error at position N: ...") followed by the
// filter and a caret under the position.
func compileFilter(expr string) (func(*inspect.Event) bool, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, nil
	}
	f, err := filter.Compile(expr, nil)
	if err != nil {
		var se *filter.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%w\n%s", se, se.Caret())
		}
		return nil, err
	}
	return f.Func(), nil
}
