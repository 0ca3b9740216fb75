package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"xtrace/format"
	"xtrace/inspect"
	"xtrace/scap"
)

// runReplay reads a capture and prints its events.
func runReplay(ctx context.Context, cli *CLI, stdout, stderr io.Writer) error {
	opts, err := printOptions(cli)
	if err != nil {
		return err
	}
	f, err := os.Open(cli.Read)
	if err != nil {
		return fmt.Errorf("xtrace: %w", err)
	}
	defer f.Close()
	rd, err := scap.NewReader(f)
	if err != nil {
		return fmt.Errorf("xtrace: %s: %w", cli.Read, err)
	}
	match, err := simpleFilter(strings.Join(cli.Filter, " "))
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(stdout, 1<<16)
	defer out.Flush()
	in := inspect.New(rd.Header())
	printer := format.NewDefault(opts)
	section := rd.Section()
	var line []byte
	for n := int64(0); cli.NumEvents <= 0 || n < cli.NumEvents; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			break
		}
		sev, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			out.Flush()
			return fmt.Errorf("xtrace: %s: %w", cli.Read, err)
		}
		if rd.Section() != section {
			section = rd.Section()
			in.Reset(rd.Header())
		}
		ev := in.Process(sev)
		if ev.Hidden() || (match != nil && !match(ev)) {
			continue
		}
		if cli.Quiet {
			continue
		}
		line = printer.Append(line[:0], ev)
		if _, err := out.Write(line); err != nil {
			return fmt.Errorf("xtrace: writing output: %w", err)
		}
		if cli.Unbuffered {
			out.Flush()
		}
	}
	return out.Flush()
}

// printOptions turns the output flags into format options.
func printOptions(cli *CLI) (format.Options, error) {
	var o format.Options
	switch cli.TimeType {
	case "", "h":
		o.Time = format.TimeHuman
	case "a", "r", "d", "D":
		o.Time = format.TimeMode(cli.TimeType[0])
	default:
		return o, errors.New("invalid modifier for flag -t")
	}
	n := 0
	for _, on := range []bool{cli.ASCII, cli.Hex, cli.HexASCII, cli.Base64} {
		if on {
			n++
		}
	}
	if n > 1 {
		return o, errors.New("you cannot specify more than one output format")
	}
	switch {
	case cli.ASCII:
		o.Render.Buffer = inspect.BufASCII
	case cli.Hex:
		o.Render.Buffer = inspect.BufHex
	case cli.HexASCII:
		o.Render.Buffer = inspect.BufHexASCII
	case cli.Base64:
		o.Render.Buffer = inspect.BufBase64
	}
	o.Render.Full = cli.Verbose
	return o, nil
}

// simpleFilter supports "field=value" for evt.num/evt.type/proc.name until
// the filter package lands.
//
// TODO(filter): replace with filter.Compile.
func simpleFilter(expr string) (func(*inspect.Event) bool, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, nil
	}
	name, value, ok := strings.Cut(expr, "=")
	if !ok {
		return nil, fmt.Errorf("filter error: unrecognized comparison operator after %s", expr)
	}
	switch strings.TrimSpace(name) {
	case "evt.type":
		return func(e *inspect.Event) bool { return e.TypeName() == value }, nil
	case "proc.name":
		return func(e *inspect.Event) bool { return e.ProcName() == value }, nil
	}
	return nil, fmt.Errorf("filter error: unrecognized field %s", name)
}
