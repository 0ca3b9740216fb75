package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/alecthomas/kong"

	"xtrace/event"
	"xtrace/field"
)

// printVersion is --version: xtrace's version, the Go toolchain that
// built it, and the event table it was generated from (the sysdig
// release whose format it follows, its size, and a fingerprint of every
// event's name and parameter types, which changes with any table edit).
func printVersion(w io.Writer) error {
	v := version
	if v == "dev" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					v = "dev-" + s.Value[:12]
				}
			}
		}
	}
	types, syscalls, fp := eventTableFacts()
	_, err := fmt.Fprintf(w, "xtrace version %s\ngo: %s %s/%s\nevent table: sysdig 0.29.3 scap format (falcosecurity/libs e5c53d64), %d event types, %d x86_64 syscalls with named events, fingerprint %s\n",
		v, runtime.Version(), runtime.GOOS, runtime.GOARCH, types, syscalls, fp)
	return err
}

// eventTableFacts counts the event types and the syscalls with their own
// events, and hashes every type's name and parameter types.
func eventTableFacts() (types, syscalls int, fingerprint string) {
	h := sha256.New()
	var b [2]byte
	for t := range event.NumTypes {
		d := event.Info(t)
		if d == nil || d.Flags&event.Unused != 0 {
			continue
		}
		types++
		binary.LittleEndian.PutUint16(b[:], uint16(t))
		h.Write(b[:])
		h.Write([]byte(d.Name))
		for _, p := range d.Params {
			h.Write([]byte{0, byte(p.Type), byte(p.Format)})
			h.Write([]byte(p.Name))
		}
	}
	for _, sc := range event.Syscalls() {
		if !sc.Generic() {
			syscalls++
		}
	}
	return types, syscalls, fmt.Sprintf("%x", h.Sum(nil)[:6])
}

// model returns the kong model of the command line.
func model() (*kong.Application, error) {
	var c CLI
	p, err := kong.New(&c, kongOptions(io.Discard)...)
	if err != nil {
		return nil, err
	}
	return p.Model, nil
}

// visibleFlags returns the flags of the model that --help shows, in
// order, with their group titles ("" for the main group).
func visibleFlags(app *kong.Application) []*kong.Flag {
	var out []*kong.Flag
	for _, f := range app.Flags {
		if !f.Hidden {
			out = append(out, f)
		}
	}
	return out
}

// roffEscape escapes text for a man page line.
func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// writeManPage is --man-page: xtrace(1) in roff, built from the kong
// model (the same flags, help texts and groups as --help).
func writeManPage(w io.Writer) error {
	app, err := model()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	p(".TH XTRACE 1 \"\" \"xtrace %s\" \"User Commands\"\n", roffEscape(version))
	p(".SH NAME\nxtrace \\- record a command's syscalls into sysdig scap files, replay them like sysdig\n")
	p(".SH SYNOPSIS\n")
	p(".B xtrace\n[\\fIOPTIONS\\fR] [\\fB\\-w\\fR \\fIFILE\\fR] [\\fIFILTER\\fR] \\fB\\-\\-\\fR \\fICOMMAND\\fR [\\fIARGS\\fR...]\n.br\n")
	p(".B xtrace\n[\\fIOPTIONS\\fR] \\fB\\-p\\fR \\fIPID\\fR[,\\fIPID\\fR...] [\\fB\\-w\\fR \\fIFILE\\fR] [\\fIFILTER\\fR]\n.br\n")
	p(".B xtrace\n[\\fIOPTIONS\\fR] \\fB\\-r\\fR \\fIFILE\\fR [\\fIFILTER\\fR]\n.br\n")
	p(".B xtrace doctor\n")
	p(".SH DESCRIPTION\n")
	for _, para := range strings.Split(app.Help, "\n\n") {
		p(".PP\n%s\n", roffEscape(para))
	}
	p(".PP\n\\fBxtrace doctor\\fR checks whether recording works here (ptrace permission, process_vm_readv, seccomp, syscall user dispatch, user namespaces, /proc, kernel version, setuid privileges): one line per check, exit status 0 when recording works, 1 when not.\n")
	groups := map[string][]*kong.Flag{}
	var order []string
	for _, f := range visibleFlags(app) {
		title := "OPTIONS"
		if f.Group != nil {
			title = strings.ToUpper(f.Group.Title)
		}
		if _, ok := groups[title]; !ok {
			order = append(order, title)
		}
		groups[title] = append(groups[title], f)
	}
	for _, title := range order {
		p(".SH %s\n", roffEscape(title))
		for _, f := range groups[title] {
			p(".TP\n")
			var names []string
			if f.Short != 0 {
				names = append(names, fmt.Sprintf("\\fB\\-%c\\fR", f.Short))
			}
			long := "\\fB" + roffEscape("--"+f.Name) + "\\fR"
			if !f.IsBool() {
				long += "=\\fI" + roffEscape(f.FormatPlaceHolder()) + "\\fR"
			}
			names = append(names, long)
			p("%s\n%s\n", strings.Join(names, ", "), roffEscape(f.Help))
		}
	}
	for _, a := range app.Positional {
		p(".SH %s\n.PP\n%s\n", roffEscape(strings.ToUpper(a.Name)), roffEscape(a.Help))
	}
	p(".SH EXIT STATUS\nRecording exits with the command's status (128+N when a signal N killed it), 127 when the command is not found, 126 when it cannot be run; 1 for errors of xtrace itself.\n")
	p(".SH SEE ALSO\n.BR sysdig (8),\n.BR strace (1)\n")
	return bw.Flush()
}

// completeWordKinds are the lists --complete-words prints for the
// completion scripts.
var completeWordKinds = []string{"fields", "chisels", "flags"}

// writeCompleteWords prints one word per line: field names (after -p %
// and in filters), chisel names (after -c) or the long flags.
func writeCompleteWords(cli *CLI, w io.Writer) error {
	bw := bufio.NewWriter(w)
	switch cli.CompleteWords {
	case "fields":
		for _, d := range field.Defs() {
			if d.Flags&field.Hidden == 0 {
				fmt.Fprintln(bw, d.Name)
			}
		}
	case "chisels":
		infos, err := chiselRegistry(cli.ChiselDirs, nil).List()
		if err != nil {
			return err
		}
		for _, in := range infos {
			fmt.Fprintln(bw, in.Name)
		}
	case "flags":
		app, err := model()
		if err != nil {
			return err
		}
		var names []string
		for _, f := range visibleFlags(app) {
			names = append(names, "--"+f.Name)
			if f.Short != 0 {
				names = append(names, "-"+string(f.Short))
			}
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintln(bw, n)
		}
	default:
		return fmt.Errorf("xtrace: --complete-words: %q is not one of %s", cli.CompleteWords, strings.Join(completeWordKinds, ", "))
	}
	return bw.Flush()
}

// writeCompletion is --completion SHELL: a script that completes flags,
// field names after -p % (and in filters), chisel names after -c, files
// after -r and -w, and commands after --. The lists come from xtrace
// itself at completion time (--complete-words), so user chisels and new
// fields appear without regenerating the script.
func writeCompletion(w io.Writer, shell string) error {
	var s string
	switch shell {
	case "bash":
		s = bashCompletion
	case "zsh":
		s = zshCompletion
	case "fish":
		s = fishCompletion
	default:
		return errors.New("xtrace: --completion: want bash, zsh or fish")
	}
	_, err := io.WriteString(w, s)
	return err
}

const bashCompletion = `# bash completion for xtrace (xtrace --completion bash)
_xtrace() {
	local cur prev words cword
	_init_completion -n =% 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
	}
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == -- ]]; then
			COMPREPLY=($(compgen -c -- "$cur")); return
		fi
	done
	case $prev in
	-r|--read|-w|--write|--chisel-dir) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-c|--chisel|-i|--chisel-info) COMPREPLY=($(compgen -W "$(xtrace --complete-words chisels 2>/dev/null)" -- "$cur")); return ;;
	--color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
	--completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return ;;
	-p|--print)
		if [[ $cur == *%* ]]; then
			local pre=${cur%\%*} part=${cur##*%} w
			COMPREPLY=()
			for w in $(xtrace --complete-words fields 2>/dev/null); do
				[[ $w == "$part"* ]] && COMPREPLY+=("$pre%$w")
			done
			compopt -o nospace 2>/dev/null
		fi
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(xtrace --complete-words flags 2>/dev/null)" -- "$cur"))
	elif [[ $cur == [a-z]*.* || $cur == [a-z]* ]]; then
		COMPREPLY=($(compgen -W "$(xtrace --complete-words fields 2>/dev/null) doctor" -- "$cur"))
	fi
}
complete -F _xtrace xtrace
`

const zshCompletion = `#compdef xtrace
# zsh completion for xtrace (xtrace --completion zsh)
_xtrace() {
	local dd=${words[(I)--]}
	if (( dd && dd < CURRENT )); then
		shift $dd words
		(( CURRENT -= dd ))
		_normal
		return
	fi
	case ${words[CURRENT-1]} in
	-r|--read|-w|--write|--chisel-dir) _files; return ;;
	-c|--chisel|-i|--chisel-info) compadd -- ${(f)"$(xtrace --complete-words chisels 2>/dev/null)"}; return ;;
	--color) compadd auto always never; return ;;
	--completion) compadd bash zsh fish; return ;;
	-p|--print)
		if [[ $PREFIX == *%* ]]; then
			compset -P '*%'
			compadd -S '' -- ${(f)"$(xtrace --complete-words fields 2>/dev/null)"}
		fi
		return ;;
	esac
	if [[ $PREFIX == -* ]]; then
		compadd -- ${(f)"$(xtrace --complete-words flags 2>/dev/null)"}
	else
		compadd -- doctor ${(f)"$(xtrace --complete-words fields 2>/dev/null)"}
	fi
}
compdef _xtrace xtrace
`

const fishCompletion = `# fish completion for xtrace (xtrace --completion fish)
function __xtrace_after_dashdash
	contains -- -- (commandline -opc)
end
function __xtrace_prev_is
	set -l toks (commandline -opc)
	contains -- $toks[-1] $argv
end
function __xtrace_print_fields
	set -l tok (commandline -ct)
	string match -q -- '*%*' $tok; or return
	set -l pre (string replace -r '%[^%]*$' '%' -- $tok)
	for f in (xtrace --complete-words fields 2>/dev/null)
		echo $pre$f
	end
end
complete -c xtrace -n __xtrace_after_dashdash -f -a '(__fish_complete_subcommand --fcs-skip=1)'
complete -c xtrace -n 'not __xtrace_after_dashdash; and __xtrace_prev_is -c --chisel -i --chisel-info' -f -a '(xtrace --complete-words chisels 2>/dev/null)'
complete -c xtrace -n 'not __xtrace_after_dashdash; and __xtrace_prev_is -p --print' -f -a '(__xtrace_print_fields)'
complete -c xtrace -n 'not __xtrace_after_dashdash; and __xtrace_prev_is --color' -f -a 'auto always never'
complete -c xtrace -n 'not __xtrace_after_dashdash; and __xtrace_prev_is --completion' -f -a 'bash zsh fish'
complete -c xtrace -n 'not __xtrace_after_dashdash; and __xtrace_prev_is -r --read -w --write --chisel-dir' -F
complete -c xtrace -n 'not __xtrace_after_dashdash; and not __xtrace_prev_is -c --chisel -i --chisel-info -p --print --color --completion -r --read -w --write' -f -a '(xtrace --complete-words flags 2>/dev/null) doctor'
complete -c xtrace -n 'not __xtrace_after_dashdash; and not __xtrace_prev_is -c --chisel -i --chisel-info -p --print --color --completion -r --read -w --write' -f -a '(xtrace --complete-words fields 2>/dev/null)'
`
