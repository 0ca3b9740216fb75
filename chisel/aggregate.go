package chisel

import (
	"math"
	"strconv"

	"github.com/dop251/goja"

	"xtrace/field"
	"xtrace/inspect"
)

// aggregation is a table the host fills for a chisel without calling into
// JavaScript: for every event that passes the chisel's filter, the value
// field is added under the key made of the key fields (joined by "\x01\x01",
// as table_generator does). Only positive numeric values count; events
// where a key field has no value are skipped.
//
// This is what keeps the top* chisels (table_generator) cheap: the per-event
// work is field extraction and one map update, in Go.
type aggregation struct {
	keys  []*field.Field
	value *field.Field
	sums  map[string]*float64
	key   []byte
}

// aggregate is chisel.aggregate(keyFields, valueField): keyFields is an
// array of field names (or one name), valueField a field name. It returns
// a table object with entries(), clear() and size(), which topByValue and
// printSortedTable accept.
func (rt *runtime) aggregate(c goja.FunctionCall) goja.Value {
	var names []string
	switch k := c.Argument(0).Export().(type) {
	case string:
		names = []string{k}
	case []any:
		for _, n := range k {
			s, ok := n.(string)
			if !ok {
				rt.throwType("chisel.aggregate: key fields must be strings")
			}
			names = append(names, s)
		}
	default:
		rt.throwType("chisel.aggregate: key fields must be an array of field names")
	}
	if len(names) == 0 {
		rt.throwType("chisel.aggregate: no key field")
	}
	a := &aggregation{sums: map[string]*float64{}}
	for _, n := range names {
		a.keys = append(a.keys, rt.lookupField(n))
	}
	a.value = rt.lookupField(c.Argument(1).String())
	rt.aggs = append(rt.aggs, a)

	o := rt.vm.NewObject()
	must(o.Set("entries", func(goja.FunctionCall) goja.Value {
		es := a.entries()
		vals := make([]any, len(es))
		for i, e := range es {
			vals[i] = rt.vm.NewArray(byteString(rt.vm, e.key), e.val)
		}
		return rt.vm.NewArray(vals...)
	}))
	must(o.Set("clear", func(goja.FunctionCall) goja.Value {
		clear(a.sums)
		return goja.Undefined()
	}))
	must(o.Set("size", func(goja.FunctionCall) goja.Value { return rt.vm.ToValue(len(a.sums)) }))
	if rt.aggObjs == nil {
		rt.aggObjs = map[*goja.Object]*aggregation{}
	}
	rt.aggObjs[o] = a
	return o
}

// add accounts one event.
func (a *aggregation) add(e *inspect.Event) {
	k := a.key[:0]
	for i, f := range a.keys {
		v, ok := f.Extract(e)
		if !ok {
			a.key = k
			return
		}
		if i > 0 {
			k = append(k, keySep...)
		}
		k = appendLua(k, v)
	}
	a.key = k
	v, ok := a.value.Extract(e)
	if !ok {
		return
	}
	var n float64
	switch v.Kind {
	case field.KindInt:
		n = float64(v.Int)
	case field.KindUint:
		n = float64(v.Uint)
	case field.KindFloat:
		n = v.Float
	default:
		return
	}
	if !(n > 0) {
		return
	}
	if p := a.sums[string(k)]; p != nil {
		*p += n
		return
	}
	p := new(float64)
	*p = n
	a.sums[string(k)] = p
}

// entries returns the table's rows, unsorted.
func (a *aggregation) entries() []entry {
	out := make([]entry, 0, len(a.sums))
	for k, v := range a.sums {
		out = append(out, entry{key: k, val: *v})
	}
	return out
}

// appendLua appends a value as Lua's string concatenation renders it.
func appendLua(dst []byte, v *field.Value) []byte {
	switch v.Kind {
	case field.KindInt:
		return strconv.AppendInt(dst, v.Int, 10)
	case field.KindUint:
		if v.Uint < 1<<53 {
			return strconv.AppendUint(dst, v.Uint, 10)
		}
		return append(dst, luaNumber(float64(v.Uint))...)
	case field.KindFloat:
		if math.IsNaN(v.Float) {
			return append(dst, "nan"...)
		}
		return append(dst, luaNumber(v.Float)...)
	case field.KindBool:
		if v.Uint != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case field.KindIP:
		return append(dst, ipString(v.IP[:v.IPLen])...)
	}
	return append(dst, v.Str...)
}
