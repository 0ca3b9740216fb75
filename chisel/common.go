package chisel

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"xtrace/inspect"
)

// bufferFormats maps sysdig.setOutputFormat names to buffer formats.
var bufferFormats = map[string]inspect.BufferFormat{
	"normal":     inspect.BufNormal,
	"simple":     inspect.BufNormal,
	"json":       inspect.BufNormal,
	"jsonbase64": inspect.BufBase64,
	"hex":        inspect.BufHex,
	"hexascii":   inspect.BufHexASCII,
	"ascii":      inspect.BufASCII,
	"base64":     inspect.BufBase64,
}

// require returns a module: "common" (string, number and table helpers of
// sysdig's common.lua), "ansiterminal" (colour codes), "fs" (file output),
// or a JavaScript module (see scriptModule).
func (rt *runtime) require(c goja.FunctionCall) goja.Value {
	name := strings.TrimSuffix(c.Argument(0).String(), ".js")
	if m, ok := rt.modules[name]; ok {
		return m
	}
	var m goja.Value
	switch name {
	case "common":
		m = rt.commonModule()
	case "ansiterminal":
		m = rt.terminalModule()
	case "fs":
		m = rt.fsModule()
	default:
		m = rt.scriptModule(name)
	}
	rt.modules[name] = m
	return m
}

// scriptModule loads a JavaScript module: NAME.js from the chisel folders,
// else lib/NAME.js among the built-ins. It runs like a chisel (same
// globals, its own module.exports) and require returns its exports.
func (rt *runtime) scriptModule(name string) goja.Value {
	if rt.reg == nil || name == "" || strings.ContainsAny(name, "/\\") {
		rt.throwAPI("module %s not found", name)
	}
	src, err := rt.reg.findModule(name)
	if err != nil {
		rt.throwAPI("module %s not found", name)
	}
	prog, err := rt.reg.program(src)
	if err != nil {
		panic(rt.vm.NewGoError(err))
	}
	exports, err := rt.run(prog)
	if err != nil {
		panic(rt.vm.NewGoError(err))
	}
	return exports
}

// commonModule builds require("common").
func (rt *runtime) commonModule() *goja.Object {
	vm := rt.vm
	m := vm.NewObject()
	set := func(name string, f func(goja.FunctionCall) goja.Value) { must(m.Set(name, rt.safe(f))) }
	set("extendString", func(c goja.FunctionCall) goja.Value {
		return byteString(vm, string(extendString(nil, goString(c.Argument(0)), int(c.Argument(1).ToInteger()))))
	})
	set("formatBytes", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(formatBytes(c.Argument(0).ToFloat()))
	})
	set("formatTimeInterval", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(formatTimeInterval(c.Argument(0).ToFloat()))
	})
	set("split", func(c goja.FunctionCall) goja.Value {
		parts := strings.Split(goString(c.Argument(0)), goString(c.Argument(1)))
		vals := make([]any, len(parts))
		for i, p := range parts {
			vals[i] = byteString(vm, p)
		}
		return vm.NewArray(vals...)
	})
	set("startsWith", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(strings.HasPrefix(goString(c.Argument(0)), goString(c.Argument(1))))
	})
	set("endsWith", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(strings.HasSuffix(goString(c.Argument(0)), goString(c.Argument(1))))
	})
	set("tsToStr", func(c goja.FunctionCall) goja.Value {
		s := strconv.FormatUint(uint64(c.Argument(0).ToInteger()), 10)
		ns := strconv.FormatUint(uint64(c.Argument(1).ToInteger()), 10)
		return vm.ToValue(s + strings.Repeat("0", max(0, 9-len(ns))) + ns)
	})
	set("parseNumericInput", func(c goja.FunctionCall) goja.Value {
		v := c.Argument(0)
		n, err := strconv.ParseFloat(strings.TrimSpace(goString(v)), 64)
		if err != nil {
			rt.out().Write([]byte("Input " + goString(c.Argument(1)) + " must be a number.\n"))
			rt.exit = true
			panic(vm.NewGoError(errExit))
		}
		return vm.ToValue(n)
	})
	set("sprintf", func(c goja.FunctionCall) goja.Value {
		if len(c.Arguments) == 0 {
			rt.throwType("sprintf: missing format")
		}
		s, err := sprintf(goString(c.Arguments[0]), c.Arguments[1:])
		if err != nil {
			rt.throwType("sprintf: %v", err)
		}
		return byteString(vm, s)
	})
	set("topByValue", rt.topByValue)
	set("printSortedTable", rt.printSortedTable)
	set("luaString", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(luaString(c.Argument(0)))
	})
	return m
}

// extendString is common.lua's extend_string: pad s with spaces to n
// bytes, or cut it to n-1 bytes and add one space, so that columns are
// always separated.
func extendString(dst []byte, s string, n int) []byte {
	if len(s) < n {
		dst = append(dst, s...)
		pad := min(n-len(s), 167)
		for i := 0; i < pad; i++ {
			dst = append(dst, ' ')
		}
		return dst
	}
	if n <= 0 {
		return dst
	}
	dst = append(dst, s[:n-1]...)
	return append(dst, ' ')
}

const (
	kib = 1024.0
	mib = kib * 1024
	gib = mib * 1024
	tib = gib * 1024
	pib = tib * 1024
)

// formatBytes is common.lua's format_bytes (note "KB" but bare "M", "G").
func formatBytes(v float64) string {
	switch {
	case v > pib:
		return fixed(v/pib, 2) + "P"
	case v > tib:
		return fixed(v/tib, 2) + "T"
	case v > gib:
		return fixed(v/gib, 2) + "G"
	case v > mib:
		return fixed(v/mib, 2) + "M"
	case v > kib:
		return fixed(v/kib, 2) + "KB"
	}
	return strconv.FormatInt(int64(v), 10) + "B"
}

// fixed formats v with prec decimals as LuaJIT's string.format("%.Nf")
// does: from the exact value, halves rounded away from zero (10.625 gives
// 10.63 where C's printf gives 10.62).
func fixed(v float64, prec int) string {
	if math.IsInf(v, 0) || math.IsNaN(v) || prec > 20 || !nearTie(v, prec) {
		// strconv rounds the exact value correctly; only exact halves
		// (which it rounds to even) need the slow path.
		return strconv.FormatFloat(v, 'f', prec, 64)
	}
	exact := strconv.FormatFloat(v, 'f', 1100, 64)
	dot := strings.IndexByte(exact, '.')
	digits := []byte(exact[:dot] + exact[dot+1:dot+1+prec])
	if exact[dot+1+prec] >= '5' {
		// Add one unit in the last place, carrying.
		i := len(digits) - 1
		for ; i >= 0 && digits[i] != '-'; i-- {
			if digits[i] == '9' {
				digits[i] = '0'
				continue
			}
			digits[i]++
			break
		}
		if i < 0 || digits[i] == '-' {
			digits = append(digits[:i+1], append([]byte{'1'}, digits[i+1:]...)...)
		}
	}
	intLen := len(digits) - prec
	out := string(digits[:intLen])
	if prec > 0 {
		out += "." + string(digits[intLen:])
	}
	return out
}

// nearTie reports whether v*10^prec is within float error of a half.
func nearTie(v float64, prec int) bool {
	x := math.Abs(v) * math.Pow10(prec)
	d := math.Abs(x - math.Floor(x) - 0.5)
	return d <= 1e-9*math.Max(1, x)
}

// formatTimeInterval is common.lua's format_time_interval for a duration
// in nanoseconds; fractional parts are truncated as Lua's %u does.
func formatTimeInterval(v float64) string {
	u := func(f float64) string { return strconv.FormatUint(uint64(f), 10) }
	two := func(f float64) string {
		s := u(f)
		if len(s) < 2 {
			s = "0" + s
		}
		return s
	}
	switch {
	case v >= 1e9:
		return u(math.Floor(v/1e9)) + "." + two(math.Mod(v, 1e9)/1e7) + "s"
	case v >= 1e7:
		return u(math.Floor(v/1e6)) + "ms"
	case v >= 1e6:
		return u(math.Floor(v/1e6)) + "." + two(math.Mod(v, 1e6)/1e4) + "ms"
	case v >= 1e4:
		return u(math.Floor(v/1e3)) + "us"
	case v >= 1e3:
		return u(math.Floor(v/1e3)) + "." + two(math.Mod(v, 1e3)/10) + "us"
	}
	return u(v) + "ns"
}

// luaString renders a value as Lua's tostring does for the values chisels
// print: integral numbers without a fraction, other numbers with %.14g.
func luaString(v goja.Value) string {
	switch x := v.Export().(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return luaNumber(x)
	case nil:
		return "nil"
	}
	return goString(v)
}

func luaNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

// entry is one key/value pair of a table being sorted.
type entry struct {
	key string
	val float64
	raw goja.Value
}

// tableEntries reads a Map or a plain object whose values are numbers.
func (rt *runtime) tableEntries(v goja.Value) []entry {
	o, ok := v.(*goja.Object)
	if !ok {
		rt.throwType("expected an object or a Map of numbers")
	}
	if a, ok := rt.aggObjs[o]; ok {
		es := a.entries()
		for i := range es {
			es[i].raw = rt.vm.ToValue(es[i].val)
		}
		return es
	}
	var out []entry
	if pairs, ok := o.Export().([][2]any); ok {
		for _, kv := range pairs {
			val := rt.vm.ToValue(kv[1])
			out = append(out, entry{key: goString(rt.vm.ToValue(kv[0])), val: val.ToFloat(), raw: val})
		}
		return out
	}
	for _, k := range o.Keys() {
		val := o.Get(k)
		if val == nil {
			continue
		}
		out = append(out, entry{key: goString(rt.vm.ToValue(k)), val: val.ToFloat(), raw: val})
	}
	return out
}

// sortEntries orders entries by value, highest first; equal values by key
// (sysdig leaves their order unspecified) and keeps the first n (all when
// n is 0).
func sortEntries(es []entry, n int) []entry {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].val != es[j].val {
			return es[i].val > es[j].val
		}
		return es[i].key < es[j].key
	})
	if n > 0 && len(es) > n {
		es = es[:n]
	}
	return es
}

// topByValue(table, n) returns [[key, value], ...] sorted by value,
// highest first, ties by key; at most n entries (all when n is 0).
func (rt *runtime) topByValue(c goja.FunctionCall) goja.Value {
	es := sortEntries(rt.tableEntries(c.Argument(0)), int(c.Argument(1).ToInteger()))
	vals := make([]any, len(es))
	for i, e := range es {
		vals[i] = rt.vm.NewArray(byteString(rt.vm, e.key), e.raw)
	}
	return rt.vm.NewArray(vals...)
}

// keySep separates the parts of a multi-field key in table_generator.
const keySep = "\x01\x01"

// printSortedTable(table, tsSec, tsNs, delta, viz) prints a table as
// common.lua's print_sorted_table: viz has keyFields, keyDescs,
// valueField, valueDesc, valueUnits ("none", "bytes", "time", "timepct"),
// topNumber and outputFormat ("normal" or "json").
func (rt *runtime) printSortedTable(c goja.FunctionCall) goja.Value {
	viz, ok := c.Argument(4).(*goja.Object)
	if !ok {
		rt.throwType("printSortedTable: the fifth argument must be an object")
	}
	top := int(prop(viz, "topNumber").ToInteger())
	es := sortEntries(rt.tableEntries(c.Argument(0)), top)
	delta := c.Argument(3).ToFloat()
	strs := func(key string) []string {
		var out []string
		if v := prop(viz, key); !isNullish(v) {
			if err := rt.vm.ExportTo(v, &out); err != nil {
				rt.throwType("%s must be an array of strings", key)
			}
		}
		return out
	}
	keyDescs := strs("keyDescs")
	units := "none"
	if v := prop(viz, "valueUnits"); !isNullish(v) {
		units = v.String()
	}
	if v := prop(viz, "outputFormat"); !isNullish(v) && v.String() == "json" {
		rt.printJSONTable(es, c, viz, strs("keyFields"), keyDescs)
		return goja.Undefined()
	}
	const width = 20
	var b []byte
	b = extendString(b, stringProp(viz, "valueDesc"), width)
	for _, d := range keyDescs {
		b = extendString(b, d, width)
	}
	b = append(b, '\n')
	b = append(b, strings.Repeat("-", 80)...)
	b = append(b, '\n')
	for _, e := range es {
		var val string
		switch units {
		case "bytes":
			val = formatBytes(e.val)
		case "time":
			val = formatTimeInterval(e.val)
		case "timepct":
			if delta > 0 {
				val = fixed(e.val/delta*100, 2) + "%"
			} else {
				val = "0.00%"
			}
		default:
			val = luaString(e.raw)
		}
		b = extendString(b, val, width)
		parts := strings.Split(e.key, keySep)
		for i, p := range parts {
			if i < len(parts)-1 {
				if len(p) > width {
					p = p[:width]
				}
				b = extendString(b, p, width)
			} else {
				b = append(b, p...)
			}
		}
		b = append(b, '\n')
	}
	rt.out().Write(b)
	return goja.Undefined()
}

// printJSONTable is print_sorted_table with -j: the table as sysdig's
// dkjson prints it with indent on (objects one key per line, arrays inline,
// the key order LuaJIT's tables give these keys).
func (rt *runtime) printJSONTable(es []entry, c goja.FunctionCall, viz *goja.Object, keyFields, keyDescs []string) {
	var b []byte
	b = append(b, "{\n  \"ts\":"...)
	ts := uint64(uint32(c.Argument(1).ToInteger()))*1e9 + uint64(uint32(c.Argument(2).ToInteger()))
	b = appendJSONString(b, strconv.FormatUint(ts, 10))
	b = append(b, ",\n  \"data\":["...)
	for i, e := range es {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for _, p := range strings.Split(e.key, keySep) {
			b = appendJSONString(b, p)
			b = append(b, ',')
		}
		b = append(b, luaString(e.raw)...)
		b = append(b, ']')
	}
	b = append(b, "],\n  \"info\":["...)
	// Keys at 1..n, the value at 3 (overwriting a third key), as
	// print_sorted_table builds its info list; holes are nulls.
	type col struct {
		name, desc string
		key        bool
	}
	cols := map[int]col{}
	n := 0
	for i, f := range keyFields {
		d := ""
		if i < len(keyDescs) {
			d = keyDescs[i]
		}
		cols[i+1] = col{f, d, true}
		n = max(n, i+1)
	}
	cols[3] = col{stringProp(viz, "valueField"), stringProp(viz, "valueDesc"), false}
	n = max(n, 3)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b = append(b, ',')
		}
		c, ok := cols[i]
		if !ok {
			b = append(b, "null"...)
			continue
		}
		b = append(b, "{\n      \"name\":"...)
		b = appendJSONString(b, c.name)
		b = append(b, ",\n      \"desc\":"...)
		b = appendJSONString(b, c.desc)
		b = append(b, ",\n      \"is_key\":"...)
		b = strconv.AppendBool(b, c.key)
		b = append(b, "\n    }"...)
	}
	b = append(b, "]\n}\n"...)
	rt.out().Write(b)
}

// appendJSONString quotes s as dkjson does: ", \\ and the usual control
// characters get short escapes, other control characters and DEL \u00XX.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			if c < 0x20 || c == 0x7f {
				b = append(b, `\u00`...)
				b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
				continue
			}
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// prop returns o[key], undefined when o has no such property.
func prop(o *goja.Object, key string) goja.Value {
	if v := o.Get(key); v != nil {
		return v
	}
	return goja.Undefined()
}

func stringProp(o *goja.Object, key string) string {
	v := o.Get(key)
	if isNullish(v) {
		return ""
	}
	return goString(v)
}

// terminalModule builds require("ansiterminal"): colour escape strings
// (red, blue, reset, ...) that enableColor(false) turns into empty
// strings, and cursor helpers that write escapes directly.
func (rt *runtime) terminalModule() *goja.Object {
	vm := rt.vm
	m := vm.NewObject()
	colors := map[string]int{
		"reset": 0, "clear": 0, "bright": 1, "dim": 2, "underscore": 4, "blink": 5, "reverse": 7, "hidden": 8,
		"black": 30, "red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36, "white": 37,
		"onblack": 40, "onred": 41, "ongreen": 42, "onyellow": 43, "onblue": 44, "onmagenta": 45, "oncyan": 46, "onwhite": 47,
	}
	enable := func(on bool) {
		for name, code := range colors {
			s := ""
			if on {
				s = "\x1b[" + strconv.Itoa(code) + "m"
			}
			must(m.Set(name, s))
		}
	}
	enable(true)
	must(m.Set("enableColor", func(c goja.FunctionCall) goja.Value {
		enable(c.Argument(0).ToBoolean())
		return goja.Undefined()
	}))
	esc := func(name, seq string) {
		must(m.Set(name, func(goja.FunctionCall) goja.Value {
			rt.out().Write([]byte("\x1b[" + seq))
			return goja.Undefined()
		}))
	}
	esc("clearScreen", "2J")
	esc("clearLine", "2K")
	esc("hideCursor", "?25l")
	esc("showCursor", "?25h")
	must(m.Set("moveTo", func(c goja.FunctionCall) goja.Value {
		rt.out().Write([]byte("\x1b[" + c.Argument(0).String() + ";" + c.Argument(1).String() + "H"))
		return goja.Undefined()
	}))
	must(m.Set("setFgCol", func(c goja.FunctionCall) goja.Value {
		rt.out().Write([]byte("\x1b[38;5;" + c.Argument(0).String() + "m"))
		return goja.Undefined()
	}))
	must(m.Set("setBgCol", func(c goja.FunctionCall) goja.Value {
		rt.out().Write([]byte("\x1b[48;5;" + c.Argument(0).String() + "m"))
		return goja.Undefined()
	}))
	must(m.Set("moveUp", func(c goja.FunctionCall) goja.Value {
		rt.out().Write([]byte("\x1b[" + c.Argument(0).String() + "F"))
		return goja.Undefined()
	}))
	return m
}
