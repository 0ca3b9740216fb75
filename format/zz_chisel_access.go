package format

import "xtrace/field"

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
