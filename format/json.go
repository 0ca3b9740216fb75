package format

import (
	"sort"
	"strings"

	"xtrace/field"
	"xtrace/inspect"
)

// JSON prints one JSON object per event (-j): the fields of a format as
// keys, sorted, with numbers for numeric fields; literal text of the
// format is dropped. Without -p the format is the default line's, so the
// keys are evt.cpu, evt.dir, evt.info, evt.num, evt.outputtime (epoch
// ns), evt.type, proc.name and thread.tid.
type JSON struct {
	keys   []jsonKey
	all    bool
	colors bool
	marks  bool // Options.Marks
}

// jsonKey is one distinct key; when a format names a field twice the last
// token wins, as in sysdig's JSON map.
type jsonKey struct {
	name string
	f    *field.Field
}

// NewJSON returns a -j printer for format ("" for the default line's
// fields). Buffers are never cut in JSON.
func NewJSON(format string, o Options) (*JSON, error) {
	if format == "" {
		format = DefaultFormat
	}
	o.Render.Full = true
	format = Unescape(format)
	tokens, all, err := parseFormat(format, FieldOptions(o))
	if err != nil {
		return nil, err
	}
	j := &JSON{all: all, colors: strings.IndexByte(format, 0x1b) >= 0, marks: o.Marks}
	byName := map[string]int{}
	for _, t := range tokens {
		if t.f == nil {
			continue
		}
		name := t.f.Name()
		if i, ok := byName[name]; ok {
			j.keys[i].f = t.f
			continue
		}
		byName[name] = len(j.keys)
		j.keys = append(j.keys, jsonKey{name: name, f: t.f})
	}
	sort.Slice(j.keys, func(a, b int) bool { return j.keys[a].name < j.keys[b].name })
	return j, nil
}

// ResetColors reports whether the format holds an escape sequence (see
// Custom.ResetColors).
func (j *JSON) ResetColors() bool { return j.colors }

// Append appends the JSON object for e and a newline to dst; ok is false
// when the event is not printed.
func (j *JSON) Append(dst []byte, e *inspect.Event) (out []byte, ok bool, err error) {
	start := len(dst)
	ok = true
	dst = append(dst, '{')
	for i := range j.keys {
		k := &j.keys[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = field.AppendJSONString(dst, k.name)
		dst = append(dst, ':')
		mark := len(dst)
		var has bool
		dst, has, err = j.value(dst, k.f, e)
		if err != nil {
			return dst[:start], false, err
		}
		if !has {
			if !j.all {
				ok = false
			}
			dst = append(dst[:mark], "null"...)
		}
	}
	if !ok {
		return dst[:start], false, nil
	}
	if j.marks && injected(e) {
		dst = append(dst, `,"evt.injected":true`...)
	}
	dst = append(dst, '}', '\n')
	return dst, true, nil
}

// value appends one field's JSON value. sysdig extracts every value twice
// (once to test it, once to store it), which stateful fields such as
// evt.deltatime show; the first extraction is repeated here.
func (j *JSON) value(dst []byte, f *field.Field, e *inspect.Event) ([]byte, bool, error) {
	if f.Stateful() {
		mark := len(dst)
		var err error
		if dst, _, err = f.AppendJSON(dst, e); err != nil {
			return dst[:mark], false, err
		}
		dst = dst[:mark]
	}
	return f.AppendJSON(dst, e)
}
