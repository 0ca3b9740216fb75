package format

import (
	"errors"
	"strings"

	"xtrace/field"
	"xtrace/inspect"
)

// The formats sysdig's -pc, -pk and -pm select.
const (
	ContainerFormat  = "*%evt.num %evt.outputtime %evt.cpu %container.name (%container.id) %proc.name (%thread.tid:%thread.vtid) %evt.dir %evt.type %evt.info"
	KubernetesFormat = "*%evt.num %evt.outputtime %evt.cpu %k8s.pod.name (%container.id) %proc.name (%thread.tid:%thread.vtid) %evt.dir %evt.type %evt.info"
	MesosFormat      = "*%evt.num %evt.outputtime %evt.cpu %mesos.task.name (%container.id) %proc.name (%thread.tid:%thread.vtid) %evt.dir %evt.type %evt.info"
	// DefaultFormat is the default line as a format (what -j prints
	// without -p).
	DefaultFormat = "*%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.info"
)

// token is literal text or a field with an optional width.
type token struct {
	text  string
	f     *field.Field
	width int
}

// Custom prints events with a -p format string: literal text with %field
// tokens. Events missing a field are not printed, unless the format starts
// with '*' (missing values then print as <NA>).
type Custom struct {
	tokens []token
	all    bool
	colors bool
}

// FieldOptions returns the field options printers built from o use.
func FieldOptions(o Options) *field.Options {
	t := byte(o.Time)
	if t == 0 {
		t = byte(TimeHuman)
	}
	return &field.Options{Render: o.Render, Time: t, Loc: o.Loc}
}

// Unescape turns the escapes sysdig accepts in a -p format into their
// characters: \n, \t, \e (ESC) and \\; other backslashes stay.
func Unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'e':
			b.WriteByte(0x1b)
		case '\\':
			b.WriteByte('\\')
		default:
			b.WriteByte('\\')
			continue
		}
		i++
	}
	return b.String()
}

// parseFormat splits a format (escapes already applied) into tokens the
// way sysdig's formatter does. all reports a leading '*'.
func parseFormat(format string, o *field.Options) (tokens []token, all bool, err error) {
	if format == "" {
		return nil, false, errors.New("empty formatting token")
	}
	if format[0] == '*' {
		all = true
		format = format[1:]
	}
	last := 0
	for j := 0; j < len(format); j++ {
		if format[j] != '%' {
			continue
		}
		if last != j {
			tokens = append(tokens, token{text: format[last:j]})
		}
		if j == len(format)-1 {
			return nil, false, errors.New("invalid formatting syntax: formatting cannot end with a %")
		}
		width := 0
		if isDigit(format[j+1]) {
			for j+1 < len(format) && isDigit(format[j+1]) {
				if width < 1<<20 {
					width = width*10 + int(format[j+1]-'0')
				}
				j++
			}
			if j == len(format)-1 {
				return nil, false, errors.New("invalid formatting syntax: formatting cannot end with a number")
			}
		}
		rest := format[j+1:]
		f, n, err := field.LookupPrefix(rest, o)
		if err != nil {
			var ue *field.UsageError
			var ae *field.ArgError
			switch {
			case errors.As(err, &ue):
				return nil, false, errors.New(ue.Msg)
			case errors.As(err, &ae):
				return nil, false, errors.New(ae.Msg)
			}
			return nil, false, errors.New("invalid formatting token " + rest)
		}
		tokens = append(tokens, token{f: f, width: width})
		j += n
		last = j + 1
	}
	if last < len(format) {
		tokens = append(tokens, token{text: format[last:]})
	}
	return tokens, all, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// NewCustom returns a printer for a -p format. The format's \n, \t, \e
// and \\ escapes are applied first. Errors carry sysdig's wording
// ("invalid formatting token foo.bar").
func NewCustom(format string, o Options) (*Custom, error) {
	format = Unescape(format)
	tokens, all, err := parseFormat(format, FieldOptions(o))
	if err != nil {
		return nil, err
	}
	return &Custom{tokens: tokens, all: all, colors: strings.IndexByte(format, 0x1b) >= 0}, nil
}

// NewCustomFields returns a printer for a chisel's event formatter
// (chisel.setEventFormatter): the format is used as given, without the
// escape processing of -p, and its fields read o, which the caller may
// change afterwards (a chisel choosing the buffer format with
// sysdig.setOutputFormat changes the formatter's too, as in sysdig).
func NewCustomFields(format string, o *field.Options) (*Custom, error) {
	tokens, all, err := parseFormat(format, o)
	if err != nil {
		return nil, err
	}
	return &Custom{tokens: tokens, all: all}, nil
}

// ResetColors reports whether the format holds an escape sequence, after
// which sysdig ends its output with ESC[00m.
func (c *Custom) ResetColors() bool { return c.colors }

// ColorReset is what sysdig prints at the end of the capture when the
// format holds escape sequences.
const ColorReset = "\x1b[00m"

// Append appends the line for e, with its newline, to dst. ok is false
// when the event is not printed (a field without value and no leading
// '*'). err reports a value sysdig cannot print ("wrong event type 14").
func (c *Custom) Append(dst []byte, e *inspect.Event) (out []byte, ok bool, err error) {
	start := len(dst)
	ok = true
	for i := range c.tokens {
		t := &c.tokens[i]
		if t.f == nil {
			dst = append(dst, t.text...)
			continue
		}
		// Every field is extracted, even after a missing one, so that
		// stateful fields move on as in sysdig.
		mark := len(dst)
		var has bool
		dst, has, err = t.f.AppendText(dst, e)
		if err != nil {
			return dst[:start], false, err
		}
		if !has {
			if !c.all {
				ok = false
				continue
			}
			dst = append(dst[:mark], "<NA>"...)
		}
		if t.width > 0 {
			dst = fitWidth(dst, mark, t.width)
		}
	}
	if !ok {
		return dst[:start], false, nil
	}
	return append(dst, '\n'), true, nil
}

// fitWidth cuts or space-pads the text appended since mark to width bytes.
func fitWidth(dst []byte, mark, width int) []byte {
	if n := len(dst) - mark; n > width {
		return dst[:mark+width]
	} else {
		for ; n < width; n++ {
			dst = append(dst, ' ')
		}
	}
	return dst
}
