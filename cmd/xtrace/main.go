// Command xtrace records a command's syscalls into a sysdig scap file with
// ptrace and seccomp-bpf, and replays scap files as sysdig does: same event
// lines, filters, output formats and (JavaScript) chisels.
//
//	xtrace -zw out.scap.z -- service apache2 start   # record
//	xtrace -r out.scap.z "proc.name=apache2 and evt.failed=true"
//	xtrace -r out.scap.z -c lsof "fd.sport=80"
//	xtrace -p 1234 -w app.scap                        # attach
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/alecthomas/kong"

	"xtrace/snaplen"
)

// CLI holds every flag. The names and short letters are sysdig's; options
// that sysdig spells in ways getopt allows but kong does not (-cl, -pc,
// -c NAME ARGS, -p PID) are normalised by normalizeArgs first.
type CLI struct {
	Read     string `short:"r" name:"read" aliases:"readfile" placeholder:"FILE" help:"Read events from a scap capture (plain or gzip) instead of recording."`
	Write    string `short:"w" name:"write" aliases:"writefile" placeholder:"FILE" help:"Write events to a scap capture (created 0600)."`
	Compress bool   `short:"z" name:"compress" help:"With -w: gzip the capture, as sysdig -z does."`

	NumEvents int64  `short:"n" name:"numevents" placeholder:"N" help:"Stop after N events (hidden events count too, as in sysdig). Recording with a filter counts the events that match it; attached processes are then detached."`
	Snaplen   string `short:"s" name:"snaplen" placeholder:"LEN[,CLASS=LEN...]" help:"Bytes of each I/O buffer to capture (default 80). Per fd class: -s 80,net=4096,file=256 (classes: file, dir, net = ipv4,ipv6,unix,netlink, pipe, or any fd.type such as ipv4, unix, event, signalfd, inotify, timerfd; the plain number is the default). With --strace: the longest string printed (default 32)."`
	Duration  int    `short:"M" name:"duration" placeholder:"SECS" help:"Stop after SECS seconds of capture: a launched command runs on (xtrace waits for it, recording nothing more), attached processes are detached. With -r -w: stop writing at the first event SECS seconds after the first one."`
	TimeType  string `short:"t" name:"timetype" placeholder:"h|a|r|d|D" help:"Time column: h human (default), a absolute, r relative to the first event, d enter-exit delta, D delta from the previous printed event."`

	ASCII    bool   `short:"A" name:"print-ascii" help:"Print data buffers as ASCII text (printable bytes and newlines)."`
	Hex      bool   `short:"x" name:"print-hex" help:"Print data buffers as hex."`
	HexASCII bool   `short:"X" name:"print-hex-ascii" help:"Print data buffers as hex and ASCII."`
	Base64   bool   `short:"b" name:"print-base64" help:"Print data buffers as base64."`
	JSON     bool   `short:"j" name:"json" help:"Print events as JSON objects, one per line."`
	Print    string `short:"p" name:"print" placeholder:"FORMAT" help:"Output format, e.g. \"%evt.num %proc.name %fd.name\" (a leading * prints events with missing fields as <NA>). -p with digits and commas only attaches to those PIDs instead (see --pid). -pc/-pk/-pm pick the container, k8s and mesos presets."`
	PID      string `name:"pid" placeholder:"PID[,PID...]" help:"Attach to running processes and record every thread of each, and the threads and processes they create, until Ctrl-C, SIGTERM, -n, -M or their exit; then detach, leaving them running as they were (pending signals delivered, stopped ones stopped). Attached processes get no seccomp filter: every syscall stops twice, as under strace -p, and a capture filter only decides what is written. Needs ptrace rights over them (root or CAP_SYS_PTRACE, the same user, kernel.yama.ptrace_scope)."`

	Backend string `name:"backend" enum:"auto,ptrace,agent" default:"auto" env:"XTRACE_BACKEND" placeholder:"auto|ptrace|agent" help:"How a launched command is recorded: agent (an interception library preloaded into the command's processes records each syscall from inside, several times cheaper than ptrace; dynamically linked programs only, Linux 5.11+), ptrace (a ptrace and seccomp supervisor: every program, and -p), or auto (default): the agent where it can enter the command, ptrace otherwise (a static, setuid or setcap program, --inject, -p); such a program run inside an agent-recorded tree is handed over to ptrace at its execve (setuid/setcap ones when xtrace runs as root), marked by a notification event. Also XTRACE_BACKEND."`

	Verbose        bool     `short:"v" name:"verbose" help:"Print buffers and long strings in full; statistics on stderr at the end."`
	Quiet          bool     `short:"q" name:"quiet" help:"Do not print events (with -w, or with -S)."`
	Summary        bool     `short:"S" name:"summary" help:"Print event counts per type at the end."`
	DisplayFilter  bool     `short:"d" name:"displayflt" help:"Apply the filter after the state engine has processed the event."`
	ResolvePorts   bool     `short:"R" name:"resolve-ports" help:"Resolve port numbers to service names."`
	Unbuffered     bool     `name:"unbuffered" help:"Flush output after every event."`
	Debug          bool     `short:"D" name:"debug" help:"Also show internal events."`
	SysdigCompat   bool     `name:"sysdig-compat" help:"Show syscalls that sysdig 0.29.3 has no event for (newfstatat, statx, wait4, ...) as sysdig prints them: generic events without result or arguments. By default xtrace shows their real name, result and arguments, which it records as extra parameters that sysdig ignores."`
	ExcludeUsers   bool     `short:"E" name:"exclude-users" help:"Do not write the user and group tables."`
	FatFile        bool     `short:"F" name:"fatfile" help:"With -r, -w and a filter: also write state-changing events that do not match, flagged state-only (readers update their state but show nothing). Recording with a capture filter always does this, so that processes and fds keep their names."`
	EventLimit     int64    `short:"e" name:"event-limit" placeholder:"N" help:"With -w: start a new file every N events (as in sysdig the first one gets N-1); files are named FILE0, FILE1, ..."`
	FileSize       int      `short:"C" name:"file-size" placeholder:"MB" help:"With -w: start a new file when the current one exceeds MB million bytes (compressed bytes with -z); files are named FILE0, FILE1, ..., the number zero-padded to the digits of -W."`
	Seconds        int      `short:"G" name:"seconds" placeholder:"SECS" help:"With -w: start a new file every SECS seconds; a % in FILE makes it a strftime pattern of the rotation time (-w 'cap-%H%M%S.scap'), otherwise files are named FILE0, FILE1, ... Every rotated file is a complete capture with its own header (recording: the processes and fds as the capture knows them at that point)."`
	Limit          int      `short:"W" name:"limit" placeholder:"N" help:"With -C, -G or -e: keep at most N files, reusing the names from the first (with -G and strftime names the oldest file is removed)."`
	Progress       bool     `short:"P" name:"progress" help:"Show the progress line (events, bytes, elapsed time, updated in place) on stderr even when it is not a terminal. When writing a file to a terminal it is shown anyway; -q hides it."`
	List           bool     `short:"l" name:"list" help:"List the fields usable in filters and formats (-lv for details)."`
	ListMarkdown   bool     `name:"list-markdown" help:"List fields as Markdown."`
	ListEvents     bool     `short:"L" name:"list-events" help:"List the event types."`
	ListChisels    bool     `name:"list-chisels" help:"List chisels (also -cl)."`
	ChiselInfo     string   `short:"i" name:"chisel-info" placeholder:"NAME" help:"Describe a chisel and its arguments."`
	ChiselDirs     []string `name:"chisel-dir" placeholder:"DIR" help:"Also look for chisels in DIR (repeatable; searched before $XTRACE_CHISEL_PATH, ~/.xtrace/chisels and the built-ins). A chisel there replaces a built-in of its name only if it and DIR belong to the user xtrace runs as and nobody else may write them."`
	ChiselAllow    string   `name:"chisel-allow" placeholder:"exec,fs,net" help:"Let chisels have side effects besides printing: exec (sysdig.runApp, which runs xtrace again: around, spy_logs and spy_syslog saving events), fs (creating folders and files: udp_extract), net (sending UDP: tracers_2_statsd). None by default."`
	ChiselMem      int      `name:"chisel-mem" default:"512" placeholder:"MB" help:"Stop a chisel whose callbacks make the heap grow by more than MB megabytes (MiB)."`
	Version        bool     `name:"version" help:"Print the version."`
	TracedSyscalls bool     `name:"traced-syscalls" help:"Print the syscalls a launched command stops on with the given capture filter (those it can match, plus those that change thread and fd state), comma-separated as strace's -e trace= takes them, and exit. Every other syscall runs without a stop."`

	FieldOptions `embed:""`

	Filter []string `arg:"" optional:"" name:"filter" help:"Filter expression in sysdig's filter language (words are joined with spaces). Unlike sysdig 0.29.3, and/or may be mixed without parentheses: not binds tighter than and, and tighter than or. Before -- it is a capture filter: only matching events are written."`

	// Filled by normalizeArgs.
	Chisels []ChiselSpec `kong:"-"`
	Command []string     `kong:"-"`
	Preset  string       `kong:"-"` // "container", "kubernetes", "mesos" from -pc/-pk/-pm
}

// ChiselSpec is one -c NAME [ARGS] on the command line.
type ChiselSpec struct {
	Name string
	// Args is the argument word that followed the name, when the chisel
	// declares arguments ("" otherwise or when none was given).
	Args    string
	HasArgs bool
}

// version is set by the build (-ldflags "-X main.version=...").
var version = "dev"

// exitError carries an exit status out of run.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first Ctrl-C asks for an orderly end; after it the signals'
	// default action is back (where nothing else handles them, as a
	// recording does), so a second one ends xtrace at once.
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := runMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runMain parses args, runs xtrace and returns the exit status.
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if code, ok := runSubcommand(ctx, args, stdout, stderr); ok {
		return code
	}
	cli, err := parseArgsTo(args, stdout)
	var done *exitError
	if errors.As(err, &done) {
		return done.code // --help
	}
	if err != nil {
		fmt.Fprintf(stderr, "xtrace: %v\n", err)
		return 1
	}
	return exitCode(run(ctx, cli, stdout, stderr), stderr)
}

// parseArgs turns the command line into a CLI.
func parseArgs(args []string) (*CLI, error) { return parseArgsTo(args, os.Stdout) }

// parseArgsTo is parseArgs with the writer for --help, which prints the
// usage and returns an *exitError with status 0.
func parseArgsTo(args []string, stdout io.Writer) (cli *CLI, err error) {
	var c CLI
	norm, err := normalizeArgs(args, &c)
	if err != nil {
		return nil, err
	}
	parser, err := kong.New(&c, kongOptions(stdout)...)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			ee, ok := r.(*exitError)
			if !ok {
				panic(r)
			}
			cli, err = nil, ee
		}
	}()
	kctx, err := parser.Parse(norm)
	if err != nil {
		return nil, err
	}
	if err := checkFlagRanges(kctx.Flags()); err != nil {
		return nil, err
	}
	// -s is a length or per-class lengths (-s 80,net=4096): checked
	// whatever the mode, as the numeric flags are.
	if n, err := strconv.ParseInt(c.Snaplen, 10, 64); err == nil {
		if err := (flagRange{1, snaplen.MaxLen}).check("-s/--snaplen", n); err != nil {
			return nil, err
		}
	}
	if c.snap, err = snaplen.Parse(c.Snaplen); err != nil {
		return nil, err
	}
	return &c, nil
}

// kongOptions are the options of the command-line parser; the man page
// and the completions are built from the same model.
func kongOptions(stdout io.Writer) []kong.Option {
	return []kong.Option{
		kong.Name("xtrace"),
		kong.Description("Record a command's syscalls into a sysdig scap file, and replay scap files like sysdig.\n\n" +
			"Record with xtrace -w FILE [FILTER] -- COMMAND [ARGS...], or attach with xtrace -w FILE -p PID; without -w the events are printed. " +
			"A launched command runs under a seccomp filter that stops only the syscalls the capture needs (a capture filter's evt.type and evt.failed=true terms narrow them). " +
			"Without CAP_SYS_ADMIN (an ordinary user) the filter requires no_new_privs, which xtrace then sets: setuid and file-capability programs in the command run without their privileges (xtrace says so unless -q). " +
			"Environment: XTRACE_PIN=0 lets the tracer thread move between CPUs (by default it stays on the CPU it starts on; the command keeps every CPU); " +
			"XTRACE_PIN=tree also keeps the launched command on that CPU (cheapest stops, but the command sees one CPU).\n\n" +
			"Also: xtrace doctor (what blocks recording here, and the fix), xtrace export FILE [FILTER] -f ndjson|csv|parquet|perfetto -o OUT (typed rows for analysis tools), xtrace diff A B [FILTER] (what differs between two runs); see xtrace export --help, xtrace diff --help."),
		kong.Writers(stdout, stdout),
		kong.Exit(func(code int) { panic(&exitError{code: code}) }),
	}
}

// run dispatches to the mode the flags select.
func run(ctx context.Context, cli *CLI, stdout, stderr io.Writer) error {
	switch {
	case cli.Version:
		return printVersion(stdout)
	case cli.ManPage:
		return writeManPage(stdout)
	case cli.Completion != "":
		return writeCompletion(stdout, cli.Completion)
	case cli.CompleteWords != "":
		return writeCompleteWords(cli, stdout)
	case cli.ListChisels:
		return listChisels(cli, stdout)
	case cli.ChiselInfo != "":
		return chiselInfo(cli, stdout)
	case cli.List || cli.ListMarkdown:
		return listFields(cli, stdout)
	case cli.ListEvents:
		return listEvents(cli, stdout)
	case cli.TracedSyscalls:
		return listTracedSyscalls(cli, stdout)
	case cli.Read != "":
		return runReplay(ctx, cli, stdout, stderr)
	case len(cli.Command) > 0 || cli.PID != "":
		return runRecord(ctx, cli, stdout, stderr)
	}
	return errors.New("xtrace: nothing to do: give -r FILE to replay a capture, -- COMMAND to record one, or -p PID to attach (see --help)")
}
