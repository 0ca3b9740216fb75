package chisel

import (
	"io"

	"github.com/dop251/goja"

	"xtrace/field"
	"xtrace/filter"
	"xtrace/format"
	"xtrace/inspect"
)

// This file connects the host API to xtrace's filter language and output
// formats: chisel.setFilter, sysdig.setFilter, chisel.setEventFormatter
// and the thread-table filter of sysdig.getThreadTable.

// compileFilter compiles an event filter in the language of the command
// line, with the session's field options.
func compileFilter(expr string, o *field.Options) (func(*inspect.Event) bool, error) {
	f, err := filter.Compile(expr, o)
	if err != nil {
		return nil, err
	}
	return f.Match, nil
}

// setFilter is chisel.setFilter(expr): only events that match it reach
// onEvent. sysdig.setFilter (sysdig's capture-wide filter) does the same
// for this chisel. Calling it again adds to the previous filter.
func (rt *runtime) setFilter(c goja.FunctionCall) goja.Value {
	expr := c.Argument(0).String()
	if expr == "" {
		return goja.Undefined()
	}
	match, err := compileFilter(expr, rt.fieldOptions())
	if err != nil {
		rt.throwAPI("invalid filter in chisel %s: %s", rt.src.name, err.Error())
	}
	if prev := rt.filter; prev != nil {
		rt.filter = func(e *inspect.Event) bool { return prev(e) && match(e) }
	} else {
		rt.filter = match
	}
	return goja.Undefined()
}

// formatter prints the events a chisel lets through with a -p style
// format, each on its own line, as sysdig does after on_event returns
// true. Events missing a field of the format are not printed.
type formatter struct {
	c   *format.Custom
	buf []byte
}

// setEventFormatter is chisel.setEventFormatter(format); an empty format
// or "default" selects sysdig's default event line.
func (rt *runtime) setEventFormatter(c goja.FunctionCall) goja.Value {
	s := c.Argument(0).String()
	if s == "" || s == "default" {
		s = format.DefaultFormat
	}
	f, err := format.NewCustomFields(s, rt.fieldOptions())
	if err != nil {
		rt.throwAPI("invalid event formatter in chisel %s: %s", rt.src.name, err.Error())
	}
	rt.formatter = &formatter{c: f}
	return goja.Undefined()
}

// print writes e's line, if the format has a value for every field.
func (f *formatter) print(w io.Writer, e *inspect.Event) error {
	b, ok, err := f.c.Append(f.buf[:0], e)
	f.buf = b
	if err != nil {
		return err
	}
	if ok {
		w.Write(b)
	}
	return nil
}
