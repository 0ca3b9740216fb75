package chisel

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"

	"xtrace/inspect"
)

// A chisel runs as the body of a function whose parameters are the host
// API, so that its top-level variables and the API are function-scope
// bindings (indexed) rather than globals (looked up by name on every use).
// The wrapper starts on the script's first line: columns on that line are
// shifted by len(wrapPrefix), which positions are corrected for.
const (
	wrapPrefix = "(function (module, exports, require, chisel, sysdig, evt, print, write, console) {"
	wrapSuffix = "\n})"
)

// compile parses and compiles a chisel script, reporting syntax errors
// with their file, line and column.
func compile(path, text string) (*goja.Program, error) {
	ast, err := parser.ParseFile(nil, path, wrapPrefix+text+wrapSuffix, 0)
	if err != nil {
		var list parser.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			p := list[0].Position
			line, col := unwrapPos(p.Line, p.Column)
			return nil, &Error{File: path, Line: line, Col: col, Msg: list[0].Message, Syntax: true}
		}
		return nil, &Error{File: path, Msg: err.Error(), Syntax: true}
	}
	prog, err := goja.CompileAST(ast, false)
	if err != nil {
		var se *goja.CompilerSyntaxError
		if errors.As(err, &se) && se.File != nil {
			p := se.File.Position(se.Offset)
			line, col := unwrapPos(p.Line, p.Column)
			return nil, &Error{File: path, Line: line, Col: col, Msg: se.Message, Syntax: true}
		}
		return nil, &Error{File: path, Msg: err.Error(), Syntax: true}
	}
	return prog, nil
}

// unwrapPos maps a position in the wrapped script to the chisel file.
func unwrapPos(line, col int) (int, int) {
	if line == 1 && col > len(wrapPrefix) {
		col -= len(wrapPrefix)
	}
	return line, col
}

// runtime is one loaded chisel script: its goja VM and everything the
// script asked of the host. The exported Chisel wraps the runtime of the
// chisel that is running (after chisel.exec, the one it handed over to).
type runtime struct {
	vm   *goja.Runtime
	src  *source
	reg  *Registry
	host *host // nil while only metadata is read

	// calls counts callback entries and returns: odd while a callback
	// runs. The only field another goroutine reads (Session.WatchHung).
	calls atomic.Uint64

	exports *goja.Object
	modules map[string]goja.Value

	// Callbacks found in module.exports (nil when absent).
	onSetArg, onInit, onCaptureStart, onEvent, onInterval, onCaptureEnd goja.Callable

	evtObj goja.Value
	// evtArgs is onEvent's argument list, made once.
	evtArgs []goja.Value
	// cur is the event being delivered (nil outside onEvent).
	cur *inspect.Event

	fields    []*fieldSlot
	aggs      []*aggregation
	aggObjs   map[*goja.Object]*aggregation
	filter    func(*inspect.Event) bool
	formatter *formatter

	interval        uint64 // on_interval period, aligned (ns)
	preciseInterval uint64 // on_interval period from the first event (ns)
	firstEvent      bool
	lastSample      uint64
	lastIntervalTS  uint64

	endCapture bool
	execName   string
	execArgs   []string

	// apiErr is the last host API error raised into JavaScript; when a
	// callback fails with it, the Go error is the API's own message.
	apiErr *APIError
	// exit is set when the script asked to stop xtrace (common's
	// parseNumericInput on bad input, as Lua's os.exit).
	exit bool

	// parked is closed to release the goroutine that keeps the VM inside
	// a native call (see park); exited is closed when it has returned.
	parked, exited chan struct{}

	// lineBuf is print's reused output buffer.
	lineBuf []byte
	// files are the files fs.open created.
	files []*os.File
	// udp is the peer of sysdig.udpSend.
	udp net.Conn
}

// parkFunc is the native function a parked VM sits in.
const parkFunc = "__xtrace_park"

// park makes every later callback a nested call: a goroutine enters a
// native function of the VM and blocks there until unpark. goja frees its
// value stack whenever a top-level call returns to Go, so without this
// each onEvent would allocate a new stack; with a native frame outstanding
// it keeps the stack and a callback costs no allocation. The VM is still
// used by one goroutine at a time: the parked goroutine only waits.
func (rt *runtime) park() {
	if rt.parked != nil {
		return
	}
	entered := make(chan struct{})
	rt.parked, rt.exited = make(chan struct{}), make(chan struct{})
	release := rt.parked
	must(rt.vm.Set(parkFunc, func(goja.FunctionCall) goja.Value {
		close(entered)
		<-release
		return goja.Undefined()
	}))
	go func() {
		defer close(rt.exited)
		rt.vm.RunString(parkFunc + "()")
	}()
	<-entered
}

// unpark releases the parked goroutine and waits for it to return.
func (rt *runtime) unpark() {
	if rt.parked == nil {
		return
	}
	close(rt.parked)
	<-rt.exited
	rt.parked = nil
}

// APIError is a misuse of the host API reported the way sysdig reports
// it (for example "invalid filter in chisel lsof: ..."); JavaScript sees it
// as a thrown Error with the same message.
type APIError struct {
	Msg string
}

func (e *APIError) Error() string { return e.Msg }

// errExit is returned when a chisel asked xtrace to exit successfully.
var errExit = errors.New("chisel: exit requested")

// newRuntime makes a VM for src with the host API installed. h is nil
// when the script is only loaded for its metadata.
func newRuntime(src *source, h *host, reg *Registry) *runtime {
	rt := &runtime{vm: goja.New(), src: src, reg: reg, host: h, modules: map[string]goja.Value{}, firstEvent: true}
	rt.install()
	return rt
}

// load runs the script's top level and returns its module.exports.
func (rt *runtime) load(prog *goja.Program) (exp *goja.Object, err error) {
	defer rt.recoverPanic("", &err)
	o, err := rt.run(prog)
	if err != nil {
		return nil, err
	}
	rt.exports = o
	for name, dst := range map[string]*goja.Callable{
		"onSetArg": &rt.onSetArg, "onInit": &rt.onInit, "onCaptureStart": &rt.onCaptureStart,
		"onEvent": &rt.onEvent, "onInterval": &rt.onInterval, "onCaptureEnd": &rt.onCaptureEnd,
	} {
		v := o.Get(name)
		if isNullish(v) {
			continue
		}
		fn, ok := goja.AssertFunction(v)
		if !ok {
			return nil, &Error{File: rt.src.path, Msg: fmt.Sprintf("module.exports.%s is not a function", name)}
		}
		*dst = fn
	}
	return o, nil
}

// run runs a compiled script (a chisel or a module) and returns its
// module.exports.
func (rt *runtime) run(prog *goja.Program) (*goja.Object, error) {
	module := rt.vm.NewObject()
	exports := rt.vm.NewObject()
	must(module.Set("exports", exports))
	wrapper, err := rt.vm.RunProgram(prog)
	if err != nil {
		return nil, rt.wrap("", err)
	}
	body, ok := goja.AssertFunction(wrapper)
	if !ok {
		return nil, &Error{File: rt.src.path, Msg: "internal error: chisel wrapper is not a function"}
	}
	g := rt.vm.GlobalObject()
	if _, err := body(goja.Undefined(), module, exports, g.Get("require"), g.Get("chisel"),
		g.Get("sysdig"), g.Get("evt"), g.Get("print"), g.Get("write"), g.Get("console")); err != nil {
		return nil, rt.wrap("", err)
	}
	o, ok := module.Get("exports").(*goja.Object)
	if !ok {
		return nil, &Error{File: rt.src.path, Msg: "module.exports is not an object"}
	}
	return o, nil
}

// must panics on errors that cannot happen (setting properties on plain
// objects); recoverPanic turns any panic into an error at the API.
func must(err error) {
	if err != nil {
		panic(err)
	}
}

// call runs one callback of the script, turning exceptions into *Error.
func (rt *runtime) call(name string, fn goja.Callable, args ...goja.Value) (v goja.Value, err error) {
	rt.calls.Add(1)
	defer rt.calls.Add(1)
	defer rt.recoverPanic(name, &err)
	v, err = fn(rt.exports, args...)
	if err != nil {
		return nil, rt.wrap(name, err)
	}
	return v, nil
}

// recoverPanic converts a Go panic escaping the runtime (a bug in a host
// function) into an error, so that no chisel can crash xtrace.
func (rt *runtime) recoverPanic(callback string, err *error) {
	if r := recover(); r != nil {
		*err = &Error{File: rt.src.path, Callback: callback, Event: rt.eventNum(),
			Msg: fmt.Sprintf("internal error: %v", r), Stack: string(debug.Stack())}
	}
}

func (rt *runtime) eventNum() uint64 {
	if rt.cur != nil {
		return rt.cur.Num
	}
	return 0
}

// wrap turns an error returned by goja into an *Error (or the *APIError /
// exit request the host raised).
func (rt *runtime) wrap(callback string, err error) error {
	if rt.exit {
		return errExit
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		if rt.apiErr != nil && ex.Value() != nil && strings.Contains(ex.Value().String(), rt.apiErr.Msg) {
			return rt.apiErr
		}
		e := &Error{File: rt.src.path, Callback: callback, Event: rt.eventNum()}
		if v := ex.Value(); v != nil {
			e.Msg = v.String()
		}
		var stack strings.Builder
		first := true
		for _, f := range ex.Stack() {
			p := f.Position()
			if p.Line == 0 || p.Filename == "" {
				// Host (native) frames, and the script that parked the VM.
				continue
			}
			line, col := unwrapPos(p.Line, p.Column)
			if first {
				e.Line, e.Col = line, col
				first = false
			}
			stack.WriteString("\tat ")
			if fn := f.FuncName(); fn != "" {
				stack.WriteString(fn)
				stack.WriteString(" (")
			}
			fmt.Fprintf(&stack, "%s:%d:%d", p.Filename, line, col)
			if f.FuncName() != "" {
				stack.WriteByte(')')
			}
			stack.WriteByte('\n')
		}
		e.Stack = stack.String()
		return e
	}
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		msg := "interrupted"
		if s, ok := ie.Value().(string); ok {
			msg = s
		}
		return &Error{File: rt.src.path, Callback: callback, Event: rt.eventNum(), Msg: msg}
	}
	return &Error{File: rt.src.path, Callback: callback, Event: rt.eventNum(), Msg: err.Error()}
}

// throwAPI raises a host API error into JavaScript.
func (rt *runtime) throwAPI(format string, a ...any) {
	rt.apiErr = &APIError{Msg: fmt.Sprintf(format, a...)}
	panic(rt.vm.NewGoError(rt.apiErr))
}

// throwType raises a TypeError for a bad call of a host function.
func (rt *runtime) throwType(format string, a ...any) {
	panic(rt.vm.NewTypeError(fmt.Sprintf(format, a...)))
}

// out is where the script prints.
func (rt *runtime) out() io.Writer {
	if rt.host == nil {
		return io.Discard
	}
	return rt.host
}
