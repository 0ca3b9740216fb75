package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/alecthomas/kong"

	"xtrace/export"
)

// ExportCLI is `xtrace export`: a capture as rows for analysis tools.
type ExportCLI struct {
	File   string   `arg:"" name:"file" placeholder:"FILE" help:"The scap capture to export (plain or gzip)."`
	Filter []string `arg:"" optional:"" name:"filter" help:"Keep the syscalls whose exit event matches this filter (sysdig's language; words are joined with spaces)."`
	Format string   `short:"f" name:"format" enum:"ndjson,csv,parquet,perfetto" default:"ndjson" help:"ndjson, csv, parquet or perfetto (trace-event JSON for ui.perfetto.dev)."`
	Output string   `short:"o" name:"output" placeholder:"OUT" help:"Output file (created 0600); ndjson and perfetto go to stdout without it. csv and parquet write the process table to procs/ beside OUT, under the same name (see --procs)."`
	Procs  string   `name:"procs" placeholder:"FILE" help:"Where csv and parquet write the process table (default: DIR/procs/NAME for -o DIR/NAME)."`
	Data   bool     `name:"data" help:"Also export each call's data buffer (base64 in ndjson and csv)."`
}

// exportMemLimit is the Go heap's soft limit during an export.
const exportMemLimit = 32 << 20

// kongSub parses args into the struct of a subcommand.
func kongSub(name, desc string, v any, args []string, stdout io.Writer) (err error) {
	parser, err := kong.New(v, kong.Name("xtrace "+name), kong.Description(desc),
		kong.Writers(stdout, stdout),
		kong.Exit(func(code int) { panic(&exitError{code: code}) }))
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			ee, ok := r.(*exitError)
			if !ok {
				panic(r)
			}
			err = ee
		}
	}()
	_, err = parser.Parse(args)
	return err
}

// runExport is `xtrace export ARGS`.
func runExport(ctx context.Context, args []string, stdout io.Writer) error {
	var c ExportCLI
	if err := kongSub("export", "Export a capture as one row per syscall (enter and exit merged) plus a process table: NDJSON, CSV, Parquet, or a Perfetto timeline. The columns are described in docs/schema.md.", &c, args, stdout); err != nil {
		return err
	}
	match, err := compileFilter(strings.Join(c.Filter, " "))
	if err != nil {
		return err
	}
	// The Parquet writer keeps each row group's pages until it is
	// written out, then drops them: without a limit the collector lets
	// that garbage grow the heap to twice the live data. A soft limit
	// keeps the resident size flat and small on captures of any size
	// (GOMEMLIMIT in the environment takes precedence).
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(exportMemLimit)
	}
	sink, err := openExportSink(&c, stdout)
	if err != nil {
		return err
	}
	x, err := export.New(sink, export.Options{Filter: match, Data: c.Data})
	if err != nil {
		sink.Close()
		return err
	}
	if err := export.ExportFile(ctx, c.File, x); err != nil {
		return fmt.Errorf("xtrace: %w", err)
	}
	return nil
}

// openExportSink creates the output files of an export.
func openExportSink(c *ExportCLI, stdout io.Writer) (export.Sink, error) {
	create := func(name string) (*os.File, error) {
		// A partitioned layout (caps/host=web1/syscalls.parquet) needs
		// its directories.
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return nil, fmt.Errorf("xtrace: export: %w", err)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("xtrace: export: %w", err)
		}
		return f, nil
	}
	var out io.Writer = nopCloser{stdout}
	switch c.Format {
	case "csv", "parquet":
		if c.Output == "" || c.Output == "-" {
			return nil, fmt.Errorf("xtrace: export: --format %s needs -o FILE (it writes two files)", c.Format)
		}
		procs := c.Procs
		if procs == "" {
			// Beside OUT in procs/, so that a glob over the syscall
			// files (caps/*/*.parquet) does not take it in.
			procs = filepath.Join(filepath.Dir(c.Output), "procs", filepath.Base(c.Output))
		}
		sys, err := create(c.Output)
		if err != nil {
			return nil, err
		}
		pf, err := create(procs)
		if err != nil {
			sys.Close()
			return nil, err
		}
		if c.Format == "parquet" {
			return export.NewParquet(sys, pf), nil
		}
		return export.NewCSV(sys, pf)
	}
	if c.Output != "" && c.Output != "-" {
		f, err := create(c.Output)
		if err != nil {
			return nil, err
		}
		out = f
	}
	if c.Format == "perfetto" {
		return export.NewPerfetto(out), nil
	}
	return closeAfter{export.NewNDJSON(out), out}, nil
}

// nopCloser keeps stdout open.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// closeAfter closes a file after the sink that writes to it.
type closeAfter struct {
	export.Sink
	w io.Writer
}

func (c closeAfter) Close() error {
	err := c.Sink.Close()
	if cl, ok := c.w.(io.Closer); ok {
		if err2 := cl.Close(); err == nil {
			err = err2
		}
	}
	return err
}

// runSubcommand runs `xtrace doctor`, `xtrace export ...` and `xtrace diff ...`; ok is false
// for every other command line, which the sysdig-style CLI handles (a
// first word that is not an option is otherwise a filter, useless without
// -r or a command).
func runSubcommand(ctx context.Context, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	if len(args) == 0 {
		return 0, false
	}
	var err error
	switch args[0] {
	case "doctor":
		return runDoctor(args[1:], stdout, stderr), true
	case "export":
		err = runExport(ctx, args[1:], stdout)
	case "diff":
		err = runDiff(ctx, args[1:], stdout)
	default:
		return 0, false
	}
	return exitCode(err, stderr), true
}

// exitCode prints err (if any) and returns the exit status it stands for.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, err)
	return 1
}
