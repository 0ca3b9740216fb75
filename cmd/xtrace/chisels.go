package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"xtrace/chisel"
	"xtrace/format"
	"xtrace/inspect"
)

// Layout of -cl and -i, as sysdig's chisel_fields_info.cpp prints them:
// descriptions start at column 16 and wrap at column 79.
const (
	chiselDescCol  = 16
	chiselLineLen  = 79
	chiselWrapCols = chiselLineLen - chiselDescCol
)

// chiselRegistry returns the registry of the command line's chisels: the
// --chisel-dir folders, $XTRACE_CHISEL_PATH, ~/.xtrace/chisels (the
// environment is read here), then the built-ins; warn (nil for none)
// hears of user chisels not used in place of a built-in.
func chiselRegistry(dirs []string, warn io.Writer) *chisel.Registry {
	home, _ := os.UserHomeDir()
	s := chisel.Search{Dirs: dirs, Path: os.Getenv("XTRACE_CHISEL_PATH"), Home: home, UID: os.Geteuid()}
	if warn != nil {
		s.Warn = func(msg string) { fmt.Fprintln(warn, "xtrace: "+msg) }
	}
	return chisel.NewRegistry(s)
}

// listChisels prints the chisel list (-cl): chisels grouped by category,
// one line each (wrapped), as sysdig does. Chisels whose script fails to
// load are left out.
func listChisels(cli *CLI, stdout io.Writer) error {
	infos, _ := chiselRegistry(cli.ChiselDirs, os.Stderr).List()
	w := bufio.NewWriter(stdout)
	writeChiselList(w, infos)
	fmt.Fprintf(w, "\nUse the -i flag to get detailed information about a specific chisel\n")
	if err := w.Flush(); err != nil {
		return fmt.Errorf("xtrace: writing output: %w", err)
	}
	return nil
}

// writeChiselList prints infos under "Category: X" headers.
func writeChiselList(w *bufio.Writer, infos []*chisel.Info) {
	last := ""
	for i, in := range infos {
		if i == 0 || in.Category != last {
			head := "Category: " + in.Category
			fmt.Fprintf(w, "\n%s\n%s\n", head, strings.Repeat("-", len(head)))
			last = in.Category
		}
		w.WriteString(in.Name)
		n := len(in.Name)
		if n >= chiselDescCol {
			w.WriteByte('\n')
			n = 0
		}
		w.WriteString(strings.Repeat(" ", chiselDescCol-n))
		for l := 0; l < len(in.ShortDesc); l++ {
			if l%chiselWrapCols == 0 && l != 0 {
				w.WriteString("\n" + strings.Repeat(" ", chiselDescCol))
			}
			w.WriteByte(in.ShortDesc[l])
		}
		w.WriteByte('\n')
	}
}

// chiselInfo describes one chisel (-i NAME): its list line, its
// description and its arguments, in sysdig's layout.
func chiselInfo(cli *CLI, stdout io.Writer) error {
	reg := chiselRegistry(cli.ChiselDirs, os.Stderr)
	var info *chisel.Info
	if strings.HasSuffix(cli.ChiselInfo, ".js") || strings.ContainsRune(cli.ChiselInfo, '/') {
		in, err := reg.Info(cli.ChiselInfo)
		if err != nil {
			return err
		}
		info = in
	} else {
		infos, _ := reg.List()
		for _, in := range infos {
			if in.Name == cli.ChiselInfo {
				info = in
				break
			}
		}
	}
	if info == nil {
		return fmt.Errorf("chisel %s not found - use -cl to list them.", cli.ChiselInfo)
	}
	w := bufio.NewWriter(stdout)
	writeChiselUsage(w, info)
	if err := w.Flush(); err != nil {
		return fmt.Errorf("xtrace: writing output: %w", err)
	}
	return nil
}

// writeChiselUsage prints what -i shows for one chisel.
func writeChiselUsage(w *bufio.Writer, info *chisel.Info) {
	writeChiselList(w, []*chisel.Info{info})
	w.WriteByte('\n')
	for l := 0; l < len(info.Desc); l++ {
		if l%chiselLineLen == 0 && l != 0 {
			w.WriteByte('\n')
		}
		w.WriteByte(info.Desc[l])
	}
	w.WriteByte('\n')
	var args strings.Builder
	args.WriteString("Args:\n")
	if len(info.Args) == 0 {
		args.WriteString("(None)")
	}
	for _, a := range info.Args {
		fmt.Fprintf(&args, "[%s] %s - %s\n", a.Type, a.Name, a.Desc)
	}
	s := args.String()
	pos := 0
	for l := 0; l < len(s); l, pos = l+1, pos+1 {
		if s[l] == '\n' {
			pos = -1
		} else if pos%chiselWrapCols == 0 && pos != 0 {
			w.WriteString("\n" + strings.Repeat(" ", chiselDescCol))
		}
		w.WriteByte(s[l])
	}
	w.WriteByte('\n')
}

// chiselSink runs the -c chisels on the events that pass the command-line
// filter (internal events included, as in sysdig).
type chiselSink struct {
	s         *chisel.Session
	out       io.Writer
	stopWatch func()
	stopMem   func()
	started   bool
	ended     bool
}

// hungChiselGrace is how long after Ctrl-C a chisel callback may go on
// running before it is interrupted.
const hungChiselGrace = time.Second

// newChiselSink loads the chisels given with -c, in order, and gives them
// their arguments.
func newChiselSink(ctx context.Context, cli *CLI, opts format.Options, out *bufio.Writer) (eventSink, error) {
	allow, err := chisel.ParsePerm(cli.ChiselAllow)
	if err != nil {
		return nil, fmt.Errorf("xtrace: --chisel-allow: %w", err)
	}
	reg := chiselRegistry(cli.ChiselDirs, os.Stderr)
	s := chisel.NewSession(reg, chisel.Options{
		Allow:          allow,
		Out:            out,
		Err:            os.Stderr,
		Buffer:         opts.Render.Buffer,
		JSON:           cli.JSON,
		PrintContainer: cli.Preset == "container",
		Filter:         strings.Join(cli.Filter, " "),
		Source:         cli.Read,
		Loc:            opts.Loc,
		Time:           byte(opts.Time),
	})
	for _, spec := range cli.Chisels {
		info, err := reg.Info(spec.Name)
		if err != nil {
			s.Close()
			return nil, err
		}
		if !spec.HasArgs && info.Required() > 0 {
			s.Close()
			var usage strings.Builder
			w := bufio.NewWriter(&usage)
			writeChiselUsage(w, info)
			w.Flush()
			return nil, fmt.Errorf("missing arguments for chisel %s\n%s", spec.Name, strings.TrimRight(usage.String(), "\n"))
		}
		if err := s.Add(spec.Name, spec.Args); err != nil {
			s.Close()
			if errors.Is(err, chisel.ErrExit) {
				out.Flush()
				return nil, &exitError{code: 0}
			}
			return nil, err
		}
	}
	return &chiselSink{s: s, out: out, stopWatch: s.WatchHung(ctx, hungChiselGrace),
		stopMem: s.WatchMemory(uint64(cli.ChiselMem) << 20)}, nil
}

// Event hands e to the chisels. When a chisel ends the capture
// (sysdig.endCapture), it runs the capture-end callbacks at once and stops
// the replay with a successful status, so that the state the chisels saw
// is the one at that event.
func (k *chiselSink) Event(e *inspect.Event) error {
	if !k.started {
		k.started = true
		if err := k.s.CaptureStart(e.Inspector()); err != nil {
			k.End()
			return err
		}
	}
	stop, err := k.s.Event(e)
	if err != nil {
		// sysdig still runs the capture-end callbacks after an error.
		k.End()
		return err
	}
	if stop {
		if err := k.End(); err != nil {
			return err
		}
		return &exitError{code: 0}
	}
	return nil
}

// End runs the chisels' capture-end callbacks once (end of input, or
// Ctrl-C: the replay loop stops reading and calls End). When a chisel
// asked for another run (sysdig.runApp: spy_logs, spy_syslog and around
// write the events around what they found), xtrace then runs with those
// arguments, as sysdig does.
func (k *chiselSink) End() error {
	if k.ended {
		return nil
	}
	k.ended = true
	k.stopWatch()
	defer k.stopMem()
	if !k.started {
		k.started = true
		if err := k.s.CaptureStart(nil); err != nil {
			return err
		}
	}
	if err := k.s.End(); err != nil {
		return err
	}
	if args := k.s.NextRun(); args != nil {
		cli, err := parseArgs(args)
		if err != nil {
			return fmt.Errorf("xtrace: running %s: %w", strings.Join(args, " "), err)
		}
		return run(context.Background(), cli, k.out, os.Stderr)
	}
	return nil
}
