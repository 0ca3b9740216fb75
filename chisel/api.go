package chisel

import (
	"fmt"
	goruntime "runtime"
	"strconv"

	"github.com/dop251/goja"
)

// install puts the host API in the VM's global scope: chisel, sysdig, evt,
// print, console and require.
func (rt *runtime) install() {
	vm := rt.vm
	fn := func(o *goja.Object, name string, f func(goja.FunctionCall) goja.Value) {
		must(o.Set(name, rt.safe(f)))
	}

	ch := vm.NewObject()
	fn(ch, "requestField", rt.requestField)
	fn(ch, "setFilter", rt.setFilter)
	fn(ch, "setEventFormatter", rt.setEventFormatter)
	fn(ch, "setIntervalS", func(c goja.FunctionCall) goja.Value {
		rt.interval = uint64(c.Argument(0).ToFloat() * 1e9)
		return goja.Undefined()
	})
	fn(ch, "setIntervalNs", func(c goja.FunctionCall) goja.Value {
		rt.interval = uint64(c.Argument(0).ToFloat())
		return goja.Undefined()
	})
	fn(ch, "setPreciseIntervalNs", func(c goja.FunctionCall) goja.Value {
		rt.preciseInterval = uint64(c.Argument(0).ToFloat())
		return goja.Undefined()
	})
	fn(ch, "exec", rt.exec)
	fn(ch, "aggregate", rt.aggregate)
	must(vm.Set("chisel", ch))

	sd := vm.NewObject()
	fn(sd, "endCapture", func(goja.FunctionCall) goja.Value {
		rt.endCapture = true
		return goja.Undefined()
	})
	fn(sd, "setSnaplen", func(c goja.FunctionCall) goja.Value {
		if rt.host != nil {
			rt.host.snaplen = int(c.Argument(0).ToInteger())
		}
		return goja.Undefined()
	})
	fn(sd, "setOutputFormat", rt.setOutputFormat)
	fn(sd, "getOutputFormat", func(goja.FunctionCall) goja.Value {
		if rt.host != nil && rt.host.opts.JSON {
			return vm.ToValue("json")
		}
		return vm.ToValue("normal")
	})
	fn(sd, "setFilter", rt.setFilter)
	fn(sd, "getFilter", func(goja.FunctionCall) goja.Value { return vm.ToValue(rt.opts().Filter) })
	fn(sd, "isLive", func(goja.FunctionCall) goja.Value { return vm.ToValue(rt.opts().Live) })
	fn(sd, "isTTY", func(goja.FunctionCall) goja.Value { return vm.ToValue(rt.opts().TTY) })
	fn(sd, "isPrintContainerData", func(goja.FunctionCall) goja.Value { return vm.ToValue(rt.opts().PrintContainer) })
	fn(sd, "getEvtSourceName", func(goja.FunctionCall) goja.Value {
		if rt.opts().Live {
			return vm.ToValue("")
		}
		return vm.ToValue(rt.opts().Source)
	})
	fn(sd, "getTerminalInfo", func(goja.FunctionCall) goja.Value {
		o := vm.NewObject()
		must(o.Set("width", -1))
		must(o.Set("height", -1))
		return o
	})
	fn(sd, "getMachineInfo", rt.machineInfo)
	fn(sd, "getThreadTable", rt.threadTable)
	fn(sd, "getContainerTable", rt.containerTable)
	fn(sd, "getFirstEventTs", func(goja.FunctionCall) goja.Value {
		if rt.host == nil {
			return vm.ToValue("0")
		}
		return vm.ToValue(strconv.FormatUint(rt.host.firstTS, 10))
	})
	fn(sd, "getLastEventTs", func(goja.FunctionCall) goja.Value {
		if rt.host == nil {
			return vm.ToValue("0")
		}
		return vm.ToValue(strconv.FormatUint(rt.host.lastTS, 10))
	})
	fn(sd, "makeTs", func(c goja.FunctionCall) goja.Value {
		s, ns := uint32(c.Argument(0).ToInteger()), uint32(c.Argument(1).ToInteger())
		return vm.ToValue(strconv.FormatUint(uint64(s)*1e9+uint64(ns), 10))
	})
	fn(sd, "addTs", func(c goja.FunctionCall) goja.Value {
		a, b := parseU64(c.Argument(0)), parseU64(c.Argument(1))
		return vm.ToValue(strconv.FormatUint(a+b, 10))
	})
	fn(sd, "subtractTs", func(c goja.FunctionCall) goja.Value {
		a, b := parseU64(c.Argument(0)), parseU64(c.Argument(1))
		return vm.ToValue(strconv.FormatUint(a-b, 10))
	})
	fn(sd, "runApp", func(c goja.FunctionCall) goja.Value {
		rt.need(PermExec, "sysdig.runApp")
		if rt.host != nil {
			rt.host.nextRun = c.Argument(0).String()
		}
		return goja.Undefined()
	})
	fn(sd, "udpSetPeerName", rt.udpSetPeerName)
	fn(sd, "udpSend", rt.udpSend)
	fn(sd, "getReadProgress", func(goja.FunctionCall) goja.Value { return vm.ToValue(0) })
	fn(sd, "log", func(goja.FunctionCall) goja.Value { return goja.Undefined() })
	must(vm.Set("sysdig", sd))

	ev := vm.NewObject()
	fn(ev, "field", rt.field)
	fn(ev, "getNum", func(goja.FunctionCall) goja.Value {
		return vm.ToValue(rt.current("evt.getNum").Num)
	})
	fn(ev, "getTs", func(goja.FunctionCall) goja.Value {
		ts := rt.current("evt.getTs").TS
		return vm.NewArray(ts/1e9, ts%1e9)
	})
	fn(ev, "getType", func(goja.FunctionCall) goja.Value {
		return vm.ToValue(rt.current("evt.getType").TypeName())
	})
	fn(ev, "getCpuid", func(goja.FunctionCall) goja.Value {
		return vm.ToValue(rt.current("evt.getCpuid").CPU)
	})
	must(vm.Set("evt", ev))
	rt.evtObj = ev
	rt.evtArgs = []goja.Value{ev}

	must(vm.Set("print", rt.safe(rt.print)))
	must(vm.Set("write", rt.safe(rt.write)))
	console := vm.NewObject()
	fn(console, "log", rt.print)
	fn(console, "error", func(c goja.FunctionCall) goja.Value {
		if rt.host != nil && rt.host.opts.Err != nil {
			rt.host.opts.Err.Write(rt.line(nil, c))
		}
		return goja.Undefined()
	})
	must(vm.Set("console", console))
	must(vm.Set("require", rt.safe(rt.require)))
}

// safe wraps a host function so that a Go runtime error in it (a bug)
// becomes a JavaScript exception the chisel may catch, instead of a Go
// panic. JavaScript exceptions thrown by host functions pass through.
func (rt *runtime) safe(f func(goja.FunctionCall) goja.Value) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) goja.Value {
		defer func() {
			if r := recover(); r != nil {
				if re, ok := r.(goruntime.Error); ok {
					panic(rt.vm.NewGoError(fmt.Errorf("internal error in a host function: %v", re)))
				}
				panic(r)
			}
		}()
		return f(c)
	}
}

// opts returns the session options (zero options while loading metadata).
func (rt *runtime) opts() *Options {
	if rt.host == nil {
		return &Options{}
	}
	return &rt.host.opts
}

// print writes its arguments separated by tabs and a newline, as Lua's
// print does.
func (rt *runtime) print(c goja.FunctionCall) goja.Value {
	rt.lineBuf = rt.line(rt.lineBuf[:0], c)
	rt.out().Write(rt.lineBuf)
	return goja.Undefined()
}

// write writes its arguments one after the other, without separators or a
// newline, as Lua's io.write does. It is cheaper than building a string
// with + and printing it.
func (rt *runtime) write(c goja.FunctionCall) goja.Value {
	b := rt.lineBuf[:0]
	for _, a := range c.Arguments {
		b = appendJS(b, a)
	}
	rt.lineBuf = b
	rt.out().Write(b)
	return goja.Undefined()
}

// line appends print's arguments to b.
func (rt *runtime) line(b []byte, c goja.FunctionCall) []byte {
	for i, a := range c.Arguments {
		if i > 0 {
			b = append(b, '\t')
		}
		b = appendJS(b, a)
	}
	return append(b, '\n')
}

// exec records the chisel to hand over to when onInit returns.
func (rt *runtime) exec(c goja.FunctionCall) goja.Value {
	name := c.Argument(0)
	if isNullish(name) {
		rt.throwAPI("invalid exec field name in chisel %s", rt.src.name)
	}
	rt.execName = name.String()
	rt.execArgs = rt.execArgs[:0]
	for _, a := range c.Arguments[1:] {
		if isNullish(a) {
			break
		}
		rt.execArgs = append(rt.execArgs, goString(a))
	}
	return goja.Undefined()
}

// machineInfo returns the capture's machine block.
func (rt *runtime) machineInfo(goja.FunctionCall) goja.Value {
	if rt.host == nil || !rt.host.started || rt.host.in == nil || rt.host.in.Machine == nil {
		rt.throwAPI("get_machine_info can only be called from the on_capture_start callback")
	}
	m := rt.host.in.Machine
	o := rt.vm.NewObject()
	must(o.Set("numCpus", m.NumCPUs))
	must(o.Set("memorySizeBytes", float64(m.MemoryBytes)))
	must(o.Set("maxPid", float64(m.MaxPID)))
	must(o.Set("hostname", m.Hostname))
	return o
}

// setOutputFormat is sysdig.set_output_format: it picks the buffer format
// unless one was given on the command line.
func (rt *runtime) setOutputFormat(c goja.FunctionCall) goja.Value {
	if rt.host == nil || rt.host.opts.Buffer != 0 {
		return goja.Undefined()
	}
	f, ok := bufferFormats[c.Argument(0).String()]
	if !ok {
		rt.throwAPI("invalid set_output_format value in chisel %s", rt.src.name)
	}
	rt.host.fieldOpts.Render.Buffer = f
	return goja.Undefined()
}

func parseU64(v goja.Value) uint64 {
	n, _ := strconv.ParseUint(v.String(), 10, 64)
	return n
}
