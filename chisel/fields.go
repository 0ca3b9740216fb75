package chisel

import (
	"errors"
	"math"
	"net/netip"
	"strings"

	"github.com/dop251/goja"

	"xtrace/field"
	"xtrace/inspect"
)

// fieldSlot is a field a chisel requested: chisel.requestField returns its
// index in runtime.fields, and evt.field(handle) is a slice index plus the
// extraction, with no lookup by name per event.
type fieldSlot struct {
	f *field.Field
	// strs interns the JavaScript strings of a text field's recent values,
	// so that repeated values (event types, process names) cost no
	// allocation.
	strs map[string]goja.Value
}

// maxInterned bounds the string cache of one field.
const maxInterned = 4096

// requestField is chisel.requestField(name): it resolves the field once
// and returns its handle.
func (rt *runtime) requestField(c goja.FunctionCall) goja.Value {
	arg := c.Argument(0)
	if isNullish(arg) {
		rt.throwAPI("chisel requesting nil field")
	}
	rt.fields = append(rt.fields, &fieldSlot{f: rt.lookupField(arg.String())})
	return rt.vm.ToValue(len(rt.fields) - 1)
}

// lookupField resolves a field name or throws sysdig's error.
func (rt *runtime) lookupField(name string) *field.Field {
	f, err := field.Lookup(name, rt.fieldOptions())
	if err != nil {
		var ae *field.ArgError
		if errors.As(err, &ae) {
			rt.throwAPI("chisel requesting invalid field %s: %s", name, ae.Msg)
		}
		rt.throwAPI("chisel requesting nonexistent field %s", name)
	}
	return f
}

// fieldOptions returns the extraction options shared by the session (a
// chisel changing the buffer format changes it for all fields, as in
// sysdig), or defaults while only metadata is read.
func (rt *runtime) fieldOptions() *field.Options {
	if rt.host == nil {
		return &field.Options{}
	}
	return &rt.host.fieldOpts
}

// field is evt.field(handle): the value of a requested field for the
// current event, or undefined when the event has none.
func (rt *runtime) field(c goja.FunctionCall) goja.Value {
	e := rt.current("evt.field")
	h := c.Argument(0).ToInteger()
	if h < 0 || h >= int64(len(rt.fields)) {
		return goja.Undefined()
	}
	return rt.fields[h].value(rt.vm, e)
}

// value extracts the slot's field from e as a JavaScript value.
func (s *fieldSlot) value(vm *goja.Runtime, e *inspect.Event) goja.Value {
	v, ok := s.f.Extract(e)
	if !ok {
		return goja.Undefined()
	}
	switch v.Kind {
	case field.KindInt:
		return vm.ToValue(v.Int)
	case field.KindUint:
		if v.Uint <= math.MaxInt64 {
			return vm.ToValue(int64(v.Uint))
		}
		return vm.ToValue(float64(v.Uint))
	case field.KindBool:
		return vm.ToValue(v.Uint != 0)
	case field.KindFloat:
		return vm.ToValue(v.Float)
	case field.KindString:
		if js, ok := s.strs[v.Str]; ok {
			return js
		}
		js := byteString(vm, v.Str)
		if s.strs == nil {
			s.strs = make(map[string]goja.Value)
		}
		if len(s.strs) < maxInterned {
			s.strs[strings.Clone(v.Str)] = js
		}
		return js
	case field.KindBytes:
		return byteString(vm, v.Str)
	case field.KindIP:
		return vm.ToValue(ipString(v.IP[:v.IPLen]))
	}
	return goja.Undefined()
}

// ipString renders a 4- or 16-byte address as inet_ntop does.
func ipString(b []byte) string {
	if a, ok := netip.AddrFromSlice(b); ok {
		return a.String()
	}
	return "<NA>"
}

// current returns the event being delivered, or throws: the event API is
// only usable inside onEvent (and onInterval).
func (rt *runtime) current(what string) *inspect.Event {
	if rt.cur == nil {
		rt.throwAPI("invalid call to %s()", what)
	}
	return rt.cur
}
