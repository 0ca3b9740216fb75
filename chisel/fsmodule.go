package chisel

import (
	"fmt"
	"os"

	"github.com/dop251/goja"
)

// fsModule builds require("fs"): the little file output the chisels that
// extract data need (udp_extract), in place of Lua's io and os.execute.
//
//	mkdir(path)            creates a folder (and its parents); no error if it exists
//	open(path)             creates or truncates a file; returns {write(...s), close()}
//
// Files still open are closed when the session ends.
func (rt *runtime) fsModule() *goja.Object {
	vm := rt.vm
	m := vm.NewObject()
	must(m.Set("mkdir", rt.safe(func(c goja.FunctionCall) goja.Value {
		rt.need(PermFS, "fs.mkdir")
		if err := os.MkdirAll(goString(c.Argument(0)), 0o755); err != nil {
			rt.throwAPI("fs.mkdir: %v", err)
		}
		return goja.Undefined()
	})))
	must(m.Set("open", rt.safe(func(c goja.FunctionCall) goja.Value {
		rt.need(PermFS, "fs.open")
		path := goString(c.Argument(0))
		f, err := os.Create(path)
		if err != nil {
			rt.throwAPI("fs.open: %v", err)
		}
		rt.files = append(rt.files, f)
		o := vm.NewObject()
		must(o.Set("write", rt.safe(func(c goja.FunctionCall) goja.Value {
			var b []byte
			for _, a := range c.Arguments {
				b = appendJS(b, a)
			}
			if _, err := f.Write(b); err != nil {
				rt.throwAPI("fs: writing %s: %v", path, err)
			}
			return goja.Undefined()
		})))
		must(o.Set("close", rt.safe(func(goja.FunctionCall) goja.Value {
			if err := f.Close(); err != nil && !os.IsNotExist(err) {
				return vm.ToValue(fmt.Sprint(err))
			}
			return goja.Undefined()
		})))
		return o
	})))
	return m
}

// closeFiles closes the files fs.open created and the UDP socket.
func (rt *runtime) closeFiles() {
	for _, f := range rt.files {
		f.Close()
	}
	rt.files = nil
	if rt.udp != nil {
		rt.udp.Close()
		rt.udp = nil
	}
}
