package field

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"xtrace/event"
	"xtrace/inspect"
)

// ErrUnknown is wrapped by the errors of Lookup and LookupPrefix when no
// field has the given name.
var ErrUnknown = errors.New("field: unknown field")

// ArgError reports a field whose name is known but whose argument is not
// valid. Msg is sysdig's wording ("unknown event argument foo", "x is not
// a valid number").
type ArgError struct {
	Name string
	Msg  string
}

// Error returns the message prefixed with the package name.
func (e *ArgError) Error() string { return "field: " + e.Msg }

// UsageError reports a field used where it cannot be (a filter-only field
// in an output format). Msg is sysdig's wording.
type UsageError struct {
	Name string
	Msg  string
}

// Error returns the message prefixed with the package name.
func (e *UsageError) Error() string { return "field: " + e.Msg }

// RenderError is returned when a value cannot be printed, as sysdig fails
// on evt.rawarg of an fd parameter ("wrong event type 14"). Msg is
// sysdig's wording.
type RenderError struct {
	Msg string
}

// Error returns sysdig's message unchanged: the CLI prints it as it is.
func (e *RenderError) Error() string { return e.Msg }

// Defs returns the field table in listing order. The slice is shared; do
// not modify it.
func Defs() []Def { return defs[:] }

// byName indexes defs by name.
var byName = func() map[string]*Def {
	m := make(map[string]*Def, len(defs))
	for i := range defs {
		m[defs[i].Name] = &defs[i]
	}
	return m
}()

// DefByName returns the definition called name (no argument), or nil.
func DefByName(name string) *Def { return byName[name] }

// Field is a handle on one field with its argument, ready to extract
// values from events. It is not safe for concurrent use.
type Field struct {
	def  *Def
	name string
	o    *Options

	// typ is the value type: def.Type, or the named parameter's type for
	// evt.rawarg; kind is its Go-level kind.
	typ  event.ParamType
	kind Kind
	// argName is a parameter name (evt.arg.NAME, evt.rawarg.NAME), a
	// cgroup subsystem (thread.cgroup.NAME) or another key.
	argName string
	// argIndex is [N] for evt.arg and proc.aname/apid; -1 without.
	argIndex int
	// argU64 is the timestamp of evt.around[T].
	argU64 uint64
	// evt1 and evt2 are the event types of evt.type.is.NAME.
	evt1, evt2 int
	// compare selects raw extraction where sysdig compares raw bytes
	// (evt.buffer in filters).
	compare bool

	val Value
	buf []byte
	res []byte
	san []byte

	// prevTS is the previous timestamp seen by evt.deltatime and -t D.
	prevTS uint64
	// cpuSwitch holds the time of the last context switch seen per CPU
	// and threadTotals the CPU time per thread (thread.exectime,
	// thread.totexectime).
	cpuSwitch    []uint64
	threadTotals map[*inspect.Thread]uint64
	// tzOff is the zone offset of evt.time and friends, in seconds.
	tzOff int64
}

// Def returns the field's definition.
func (f *Field) Def() *Def { return f.def }

// Name returns the field name as looked up, argument included.
func (f *Field) Name() string { return f.name }

// Type returns the type of the field's values (for evt.rawarg.NAME, the
// type of the NAME parameter).
func (f *Field) Type() event.ParamType { return f.typ }

// FilterOnly reports whether the field cannot be printed.
func (f *Field) FilterOnly() bool { return f.def.Flags&FilterOnly != 0 }

// Stateful reports whether extracting the field changes the handle's state
// (evt.deltatime, evt.outputtime with -t D), so that extracting it twice
// for one event gives a different value.
func (f *Field) Stateful() bool { return f.def.stateful }

// ArgIndex returns the [N] argument, or -1.
func (f *Field) ArgIndex() int { return f.argIndex }

// ArgTime returns the T of evt.around[T].
func (f *Field) ArgTime() uint64 { return f.argU64 }

// ArgName returns the .NAME argument, or "".
func (f *Field) ArgName() string { return f.argName }

// SetCompare switches the field to the raw form sysdig compares in
// filters: evt.buffer gives the captured bytes instead of their rendering.
func (f *Field) SetCompare(on bool) { f.compare = on }

// Lookup returns a handle on the field called name, argument included
// ("proc.name", "evt.arg[1]", "evt.type.is.open"). The error wraps
// ErrUnknown for names no field has, or is an *ArgError.
func Lookup(name string, o *Options) (*Field, error) {
	f, n, err := parse(name, o, true)
	if err != nil {
		return nil, err
	}
	if n != len(name) {
		return nil, fmt.Errorf("%w %q", ErrUnknown, name)
	}
	return f, nil
}

// LookupPrefix returns a handle on the longest field name (and its
// argument) that s starts with, and how many bytes of s it used, as sysdig
// reads a %token of an output format: "%proc.namex" is proc.name followed
// by the text "x". Filter-only fields give a *UsageError.
func LookupPrefix(s string, o *Options) (*Field, int, error) {
	f, n, err := parse(s, o, false)
	if err != nil {
		return nil, 0, err
	}
	// evt.around reads its argument its own way and escapes sysdig's
	// filter-only check: it prints, with no value.
	if f.def.Flags&FilterOnly != 0 && f.def.Arg != ArgTime {
		return nil, 0, &UsageError{Name: f.def.Name, Msg: s + " is filter only and cannot be used as a display field"}
	}
	return f, n, nil
}

// parse finds the longest field name s starts with and reads its
// argument. exact is set for filters (the whole of s is the field) and
// changes how a few malformed arguments are reported, as in sysdig.
func parse(s string, o *Options, exact bool) (*Field, int, error) {
	var def *Def
	for i := range defs {
		d := &defs[i]
		if len(d.Name) > len(s) || s[:len(d.Name)] != d.Name {
			continue
		}
		if def == nil || len(d.Name) > len(def.Name) {
			def = d
		}
	}
	if def == nil {
		return nil, 0, fmt.Errorf("%w %q", ErrUnknown, s)
	}
	if o == nil {
		o = &Options{}
	}
	f := &Field{def: def, o: o, typ: def.Type, argIndex: -1, evt1: -1, evt2: -1}
	f.tzOff = zoneOffset(o.Loc)
	n, err := f.parseArg(s, exact)
	if err != nil {
		return nil, 0, err
	}
	f.name = s[:n]
	f.kind = KindOf(f.typ)
	return f, n, nil
}

// parseArg reads the argument that follows the field name in s and
// returns the length of name and argument.
func (f *Field) parseArg(s string, exact bool) (int, error) {
	name := f.def.Name
	rest := s[len(name):]
	switch f.def.Arg {
	case ArgNone:
		return len(name), nil
	case ArgParam, ArgRawParam:
		if strings.HasPrefix(rest, "[") {
			if f.def.Arg == ArgRawParam {
				return 0, &ArgError{Name: name, Msg: "evt.arg fields must be expressed explicitly"}
			}
			num, n, err := bracket(s, len(name))
			if err != nil {
				return 0, err
			}
			v, err := ParseInt(num, 32)
			if err != nil {
				return 0, &ArgError{Name: name, Msg: err.Error()}
			}
			f.argIndex = int(v)
			return n, nil
		}
		if strings.HasPrefix(rest, ".") {
			p := longestParam(rest[1:])
			if p == nil {
				return 0, &ArgError{Name: name, Msg: "unknown event argument " + rest[1:]}
			}
			f.argName = p.Name
			if f.def.Arg == ArgRawParam {
				f.typ = p.Type
			}
			return len(name) + 1 + len(p.Name), nil
		}
		return 0, &ArgError{Name: name, Msg: "filter syntax error: " + s}
	case ArgIndexOpt:
		if strings.HasPrefix(rest, "[") {
			// sysdig swallows a malformed index and then finds no field.
			num, n, err := bracket(s, len(name))
			if err != nil {
				return 0, err
			}
			v, err := ParseInt(num, 32)
			if err != nil {
				return 0, fmt.Errorf("%w %q", ErrUnknown, s)
			}
			f.argIndex = int(v)
			return n, nil
		}
		// Without an index: every ancestor in filters, the process
		// itself in formats. In a format sysdig only recognises the bare
		// name at the very end; elsewhere the token is empty and the
		// name stays as text after the value.
		if !exact && rest != "" {
			return 0, nil
		}
		return len(name), nil
	case ArgEventType:
		if !strings.HasPrefix(rest, ".") {
			return 0, &ArgError{Name: name, Msg: "filter syntax error: " + s}
		}
		// sysdig compares the whole rest of the text with the event
		// names, so in a format this only works at the very end.
		t := rest[1:]
		if v, err := ParseUint(t, 32); err == nil {
			f.evt1, f.evt2 = int(v), int(event.NumTypes)
			return len(name) + 1 + len(t), nil
		}
		for i := event.Type(0); i < event.NumTypes; i++ {
			if d := event.Info(i); d != nil && d.Name == t {
				f.evt1, f.evt2 = int(i), int(i)+1
				return len(name) + 1 + len(t), nil
			}
		}
		// An unknown name leaves the field unmatched, as in sysdig: an
		// unknown field in a filter, an empty token without value in a
		// format.
		return 0, nil
	case ArgKey:
		if !strings.HasPrefix(rest, ".") {
			return 0, &ArgError{Name: name, Msg: "filter syntax error: " + s}
		}
		k := rest[1:]
		n := 0
		for n < len(k) && (isAlpha(k[n]) || k[n] == '_' || (f.def.Class != "process" && (isDigit(k[n]) || k[n] == '.' || k[n] == '-' || k[n] == '/'))) {
			n++
		}
		f.argName = k[:n]
		return len(name) + 1 + n, nil
	case ArgIndex, ArgIndexOrPath, ArgTime:
		if f.def.Arg == ArgTime && strings.HasPrefix(rest, ".") {
			return 0, &ArgError{Name: name, Msg: "wrong syntax for evt.around"}
		}
		if !strings.HasPrefix(rest, "[") {
			return 0, &ArgError{Name: name, Msg: "filter syntax error: " + s}
		}
		arg, n, err := bracket(s, len(name))
		if err != nil {
			return 0, err
		}
		switch f.def.Arg {
		case ArgTime:
			v, err := ParseUint(arg, 64)
			if err != nil {
				return 0, &ArgError{Name: name, Msg: err.Error()}
			}
			f.argU64 = v
		case ArgIndex:
			v, err := ParseInt(arg, 32)
			if err != nil {
				return 0, &ArgError{Name: name, Msg: err.Error()}
			}
			f.argIndex = int(v)
		default:
			f.argName = arg
		}
		return n, nil
	case ArgIndexOrKey:
		if strings.HasPrefix(rest, "[") {
			arg, n, err := bracket(s, len(name))
			if err != nil {
				return 0, err
			}
			v, err := ParseInt(arg, 32)
			if err != nil {
				return 0, &ArgError{Name: name, Msg: err.Error()}
			}
			f.argIndex = int(v)
			return n, nil
		}
		if strings.HasPrefix(rest, ".") {
			k := rest[1:]
			k = k[:wordLen(k)]
			f.argName = k
			return len(name) + 1 + len(k), nil
		}
		return 0, &ArgError{Name: name, Msg: "filter syntax error: " + s}
	case ArgAbsPath:
		switch {
		case strings.HasPrefix(rest, ".src"):
			f.argIndex = 1
			return len(name) + 4, nil
		case strings.HasPrefix(rest, ".dst"):
			f.argIndex = 2
			return len(name) + 4, nil
		}
		f.argIndex = 0
		return len(name), nil
	}
	return len(name), nil
}

// bracket returns the text between the '[' at s[at] and the first ']'
// after it, and the index just past the ']'.
func bracket(s string, at int) (string, int, error) {
	end := strings.IndexByte(s[at:], ']')
	if end < 0 {
		// sysdig's length arithmetic wraps to 0: the name is unknown.
		return "", 0, fmt.Errorf("%w %q", ErrUnknown, s)
	}
	return s[at+1 : at+end], at + end + 1, nil
}

// longestParam returns the parameter whose name is the longest prefix of
// s, searching every event type in table order (the first one found wins
// among equal names, which fixes the type of evt.rawarg.NAME).
func longestParam(s string) *event.Param {
	var best *event.Param
	word := s[:wordLen(s)]
	for t := event.Type(0); t < event.NumTypes; t++ {
		d := event.Info(t)
		if d == nil {
			continue
		}
		for i := range d.Params {
			p := &d.Params[i]
			if len(p.Name) > len(s) || s[:len(p.Name)] != p.Name {
				continue
			}
			if d.Extended() && p.Name != word {
				// sinsp takes the longest name of its table that
				// starts the text; names only xtrace's own types have
				// must be given whole, so that they change nothing
				// that sysdig accepts or rejects.
				continue
			}
			if best == nil || len(p.Name) > len(best.Name) {
				best = p
			}
		}
	}
	return best
}

func wordLen(s string) int {
	n := 0
	for n < len(s) && (isAlpha(s[n]) || isDigit(s[n]) || s[n] == '_') {
		n++
	}
	return n
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// zoneOffset is the offset of loc at the current date, which sysdig
// applies to every timestamp (gmt2local(0)).
func zoneOffset(loc *time.Location) int64 {
	if loc == nil {
		loc = time.Local
	}
	_, off := time.Now().In(loc).Zone()
	return int64(off)
}

// Extract returns the field's value for e; false when the field has no
// value for this event. The value is owned by the handle.
func (f *Field) Extract(e *inspect.Event) (*Value, bool) {
	if f.def.get == nil || e == nil {
		return nil, false
	}
	// The getters set the member their kind uses; the others may hold
	// values of earlier events.
	f.val.Kind = f.kind
	if !f.def.get(f, e) {
		return nil, false
	}
	return &f.val, true
}

// Interface returns the value as a Go value for scripting: int64 for
// signed types, uint64 for unsigned ones, bool, string (text, bytes and IP
// addresses) or float64. The string is a copy.
func (f *Field) Interface(e *inspect.Event) (any, bool) {
	v, ok := f.Extract(e)
	if !ok {
		return nil, false
	}
	switch v.Kind {
	case KindInt:
		return v.Int, true
	case KindUint:
		return v.Uint, true
	case KindBool:
		return v.Uint != 0, true
	case KindString, KindBytes:
		return strings.Clone(v.Str), true
	case KindIP:
		return string(inspect.AppendIP(nil, v.IP[:v.IPLen])), true
	case KindFloat:
		return v.Float, true
	}
	return nil, false
}

// setString stores s (which must stay valid until the next call) as the
// value.
func (f *Field) setString(s string) bool {
	f.val.Str = s
	return true
}

// setBuf stores the handle's scratch buffer as the value, without copying.
func (f *Field) setBuf() bool {
	f.val.Str = bytesView(f.buf)
	return true
}

// bytesView returns b as a string without copying; b must not change while
// the string is in use.
func bytesView(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (f *Field) setInt(v int64) bool {
	f.val.Int = v
	return true
}

func (f *Field) setUint(v uint64) bool {
	f.val.Uint = v
	return true
}

func (f *Field) setBool(b bool) bool {
	f.val.Uint = 0
	if b {
		f.val.Uint = 1
	}
	return true
}

func (f *Field) setIP(b []byte) bool {
	f.val.IPLen = copy(f.val.IP[:], b)
	return true
}

// Suggest returns the known field name closest to name (by edit distance,
// argument ignored), or "" when none is reasonably close.
func Suggest(name string) string {
	if len(name) > 64 {
		return ""
	}
	best, bestD := "", len(name)/2+2
	for i := range defs {
		d := &defs[i]
		if d.Flags&Hidden != 0 {
			continue
		}
		if dist := editDistance(name, d.Name); dist < bestD {
			best, bestD = d.Name, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
