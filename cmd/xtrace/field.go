package main

import (
	"bufio"
	"os"
	"strings"

	"xtrace/inspect"
	"xtrace/snaplen"
	"xtrace/straceout"

	"xtrace/inject"
	"xtrace/tracer"
)

// FieldOptions are the flags of field-ready recording: strace-style
// output, fault injection, the flight recorder. They are embedded in
// [CLI] and grouped in --help.
type FieldOptions struct {
	Strace  bool   `name:"strace" group:"Strace-style output" help:"Print events as strace -f -y does: one complete line per call with the pid, arguments in order, strings escaped and cut at -s (default 32), fds with their names, and the result (= -1 ENOENT (No such file or directory)). Live while recording, or with -r."`
	Times   bool   `short:"T" name:"syscall-times" group:"Strace-style output" help:"With --strace: show the time spent in each call, <0.000123>."`
	Color   string `name:"color" default:"auto" enum:"auto,always,never" group:"Strace-style output" placeholder:"WHEN" help:"With --strace: failed calls in red: auto (on a terminal, unless NO_COLOR is set), always or never."`
	Ring    string `name:"ring" group:"Flight recorder" placeholder:"SIZE" help:"With -w: keep only the most recent SIZE (64M, 512K, bytes) of events in memory and write them as a complete capture (its header the state as of its first event) when the recording ends, on SIGUSR1 (to xtrace), or when --trigger matches; later files get .1, .2, ... appended."`
	Trigger string `name:"trigger" group:"Flight recorder" placeholder:"FILTER" help:"With --ring: write the ring when an event matches FILTER (and then only: at the end it writes only a dump still waiting for its --after events)."`
	After   int64  `name:"after" group:"Flight recorder" placeholder:"N" help:"With --trigger: write the ring N events after the match, so that what followed is in it too."`

	ManPage       bool   `name:"man-page" hidden:"" help:"Print the man page (roff), from the same model as --help."`
	Completion    string `name:"completion" placeholder:"SHELL" enum:"bash,zsh,fish," default:"" help:"Print the completion script for bash, zsh or fish (flags, field names after -p %, chisel names after -c)."`
	CompleteWords string `name:"complete-words" hidden:"" help:"Print the words a completion script offers: fields, chisels or flags."`

	// snap is -s, parsed once by parseArgsTo.
	snap snaplen.Policy `kong:"-"`

	Inject []string `name:"inject" sep:"none" group:"Fault injection" placeholder:"'FILTER ACTION...'" help:"Fault a syscall at its entry when FILTER (the filter language, on the enter event: evt.type, evt.arg.*, proc.name, proc.pname, fd.name...) matches. ACTION words follow the filter: error=ERRNO (the call does not run and fails), retval=N (does not run, returns N), delay=DUR (held back before it runs; 10ms, or microseconds), when=FIRST[+[STEP]] (from the FIRST-th match, every STEP-th; default every match), prob=P (0-1 or N%), seed=N (for prob, a reproducible run). Repeatable; the first rule that fires wins. Injected calls are marked in the capture (the evt.injected field; --strace prints (INJECTED))."`
}

// takeInject handles "--inject FILTER [ACTION...]" in normalizeArgs: the
// action words after the filter belong to the rule, which becomes one
// --inject value. It returns the new index into args.
func takeInject(out []string, args []string, i int) ([]string, int) {
	a := args[i]
	var rule string
	if v, ok := strings.CutPrefix(a, "--inject="); ok {
		rule = v
	} else {
		if i+1 >= len(args) {
			return append(out, a), i
		}
		i++
		rule = args[i]
	}
	for i+1 < len(args) && inject.OptionWord(args[i+1]) {
		i++
		rule += " " + args[i]
	}
	return append(out, "--inject="+rule), i
}

// setupInject parses the --inject rules into an injector for the tracer
// and adds the syscalls the rules can match to the stop set (nil when
// there are none).
func setupInject(cli *CLI, opts *tracer.Options) (*inject.Injector, error) {
	if len(cli.Inject) == 0 {
		return nil, nil
	}
	var rules []*inject.Rule
	for _, s := range cli.Inject {
		r, err := inject.ParseRule(s)
		if err != nil {
			return nil, err
		}
		set := captureSyscalls(r.Filter)
		opts.Syscalls.Union(&set)
		rules = append(rules, r)
	}
	j := inject.New(rules)
	opts.Inject = j
	return j, nil
}

// newStracePrinter returns the --strace printer.
func newStracePrinter(cli *CLI, out *bufio.Writer) (eventSink, error) {
	o := straceout.Options{Times: cli.Times}
	if cli.Snaplen != "" {
		o.StrLen = cli.snap.Default
	}
	switch cli.Color {
	case "always":
		o.Color = true
	case "auto":
		o.Color = os.Getenv("NO_COLOR") == "" && isTerminal(os.Stdout)
	}
	p := straceout.New(o)
	line := func(dst []byte, e *inspect.Event) ([]byte, bool, error) {
		dst, ok := p.Append(dst, e)
		return dst, ok, nil
	}
	return &formatPrinter{out: out, quiet: cli.Quiet, line: line}, nil
}
