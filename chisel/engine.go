package chisel

import (
	"io"

	"github.com/dop251/goja"

	"xtrace/field"
	"xtrace/filter"
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
	fields []*field.Field
	lits   []string // lits[i] comes before fields[i]; one more at the end
	buf    []byte
}

// setEventFormatter is chisel.setEventFormatter(format).
func (rt *runtime) setEventFormatter(c goja.FunctionCall) goja.Value {
	fmtStr := c.Argument(0).String()
	f, err := newFormatter(fmtStr, rt.fieldOptions())
	if err != nil {
		rt.throwAPI("invalid event formatter in chisel %s: %s", rt.src.name, err.Error())
	}
	rt.formatter = f
	return goja.Undefined()
}

// defaultFormat is sysdig's default event line, which an empty format or
// "default" selects.
const defaultFormat = "*%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.info"

// newFormatter parses a -p style format: literal text and %field tokens.
func newFormatter(s string, o *field.Options) (*formatter, error) {
	if s == "" || s == "default" {
		s = defaultFormat
	}
	f := &formatter{}
	lit := []byte{}
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 >= len(s) {
			lit = append(lit, s[i])
			continue
		}
		j := i + 1
		for j < len(s) && (isFieldChar(s[j])) {
			j++
		}
		fld, err := field.Lookup(s[i+1:j], o)
		if err != nil {
			return nil, err
		}
		f.lits = append(f.lits, string(lit))
		lit = lit[:0]
		f.fields = append(f.fields, fld)
		i = j - 1
	}
	f.lits = append(f.lits, string(lit))
	return f, nil
}

func isFieldChar(c byte) bool {
	return c == '.' || c == '_' || c == '[' || c == ']' || (c|0x20 >= 'a' && c|0x20 <= 'z') || (c >= '0' && c <= '9')
}

// print writes e's line, if every field of the format has a value.
func (f *formatter) print(w io.Writer, e *inspect.Event) {
	b := f.buf[:0]
	for i, fld := range f.fields {
		b = append(b, f.lits[i]...)
		v, ok := fld.Extract(e)
		if !ok {
			return
		}
		b = append(b, v.Str...)
	}
	b = append(b, f.lits[len(f.lits)-1]...)
	b = append(b, '\n')
	f.buf = b
	w.Write(b)
}
