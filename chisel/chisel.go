// Package chisel runs sysdig-style chisels written in JavaScript (goja).
//
// A chisel is a script that declares its metadata and callbacks in
// module.exports; xtrace calls the callbacks while it replays a capture:
//
//	module.exports = {
//		description: "...", shortDescription: "...", category: "I/O",
//		args: [{name: "key", description: "...", type: "string"}],
//		onInit(args) { ... },        // args: {key: "..."}
//		onEvent(evt) { ... },        // every event that passes the filters
//		onCaptureEnd(sec, nsec, delta) { ... },
//	};
//
// The host API (globals chisel, sysdig, evt, print and the require-able
// modules "common" and "ansiterminal") maps sysdig 0.29.3's Lua chisel API
// (libsinsp chisel_api.cpp) to JavaScript; docs/chisels.md describes it.
//
// Built-in chisels live in chisels-js/ and are embedded in the binary; user
// chisels are looked up in --chisel-dir folders, $XTRACE_CHISEL_PATH and
// ~/.xtrace/chisels (see [Search]).
//
// Security model. A chisel runs with xtrace's privileges, so what it may
// do is limited: it reads the capture and prints. A user chisel (or
// module) takes the place of a built-in of the same name only when it and
// its folder belong to the user xtrace runs as (root under sudo) and
// nobody else may write them, so that "sudo xtrace -c lsof" never runs
// another user's lsof.js. Side effects need a [Perm] granted on the
// command line (--chisel-allow=exec,fs,net): sysdig.runApp (exec), the fs
// module (fs), sysdig.udpSetPeerName and udpSend (net). [Session.WatchMemory]
// stops a chisel whose callbacks grow the heap past a cap (--chisel-mem),
// and [Session.WatchHung] one that does not return after Ctrl-C.
//
// A chisel runs on one goroutine: a [Chisel] and its goja runtime must not
// be used concurrently. Compiled programs are cached in the [Registry] and
// may be shared.
package chisel

import (
	"errors"
	"fmt"
	"strings"
)

// Arg describes one chisel argument.
type Arg struct {
	Name     string
	Desc     string
	Type     string // "string", "int", "filter", "ipv4", ... ("" when not declared)
	Optional bool
}

// Info is a chisel's metadata.
type Info struct {
	Name      string
	Category  string
	ShortDesc string
	Desc      string
	Args      []Arg
	Hidden    bool
	// Path is where the chisel was found ("builtin:NAME.js" for embedded ones).
	Path string
}

// Required returns the number of required arguments.
func (i *Info) Required() int {
	n := 0
	for _, a := range i.Args {
		if !a.Optional {
			n++
		}
	}
	return n
}

// ErrNotFound is matched (errors.Is) by the error for a chisel name that
// no chisel directory and no built-in provides.
var ErrNotFound = errors.New("chisel not found")

// notFoundError is sysdig's "can't open file NAME".
type notFoundError struct{ name string }

func (e *notFoundError) Error() string        { return "chisel: can't open file " + e.name }
func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }

// ArgError is a problem with the arguments given to a chisel: too many,
// too few, an unterminated quote, or an argument the chisel rejected. Its
// message is sysdig's.
type ArgError struct {
	Chisel string
	Msg    string
}

func (e *ArgError) Error() string { return e.Msg }

// Error is a failure inside a chisel's JavaScript: a syntax error, an
// exception thrown by a callback, or a host API misuse.
type Error struct {
	// File is the chisel's path (builtin:NAME.js for built-ins).
	File string
	// Line and Col locate the error (1-based; 0 when unknown).
	Line, Col int
	// Callback is the callback that failed ("onEvent"), empty for errors
	// while loading the script.
	Callback string
	// Event is the number of the event being handled (evt.num), 0 outside
	// onEvent.
	Event uint64
	// Msg is the error message (for exceptions: the thrown value).
	Msg string
	// Stack is the JavaScript stack, one "at ..." frame per line.
	Stack string
	// Syntax marks a syntax error in the script.
	Syntax bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("chisel: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	switch {
	case e.Syntax:
		b.WriteString("syntax error: ")
	case e.Callback != "" && e.Event > 0:
		fmt.Fprintf(&b, "%s (event %d): ", e.Callback, e.Event)
	case e.Callback != "":
		b.WriteString(e.Callback)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Stack != "" {
		b.WriteByte('\n')
		b.WriteString(strings.TrimRight(e.Stack, "\n"))
	}
	return b.String()
}
