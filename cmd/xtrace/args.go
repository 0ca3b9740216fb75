package main

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"xtrace/chisel"
)

// shortOptions returns the short option letters of the CLI struct (its
// `short` tags) as getopt sees them: those that take a value and the
// switches (bool fields). -c, the chisel, takes a value too although
// normalizeArgs handles it without a field; -h is kong's help.
func shortOptions() (withArg, noArg string) {
	with, without := []byte{'c'}, []byte{'h'}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				walk(f.Type) // embedded flag groups
				continue
			}
			short := f.Tag.Get("short")
			if short == "" {
				continue
			}
			if f.Type.Kind() == reflect.Bool {
				without = append(without, short[0])
			} else {
				with = append(with, short[0])
			}
		}
	}
	walk(reflect.TypeFor[CLI]())
	return string(with), string(without)
}

// normalizeArgs rewrites sysdig-style arguments into a form kong parses,
// and takes out what kong cannot express:
//
//   - everything after the first "--" is the command to record;
//   - -cl (getopt reads it as -c l) lists chisels;
//   - -c NAME takes the next word as the chisel's argument string when the
//     chisel declares arguments, as sysdig does;
//   - -p with digits and commas only is a PID list (strace's -p); -pc,
//     -pcontainer, -pk, -pkubernetes, -pm, -pmesos pick sysdig's presets.
//
// Short options may be clustered (-zw FILE, -Ac echo_fds).
func normalizeArgs(args []string, cli *CLI) ([]string, error) {
	var out []string
	shortWithArg, shortNoArg := shortOptions()
	reg := func() *chisel.Registry { return chiselRegistry(chiselDirsFromArgs(args), nil) }
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			cli.Command = append([]string(nil), args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "--inject=") || a == "--inject" {
			out, i = takeInject(out, args, i)
			continue
		}
		if strings.HasPrefix(a, "--chisel=") || a == "--chisel" {
			name := strings.TrimPrefix(a, "--chisel=")
			if a == "--chisel" {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("--chisel needs a chisel name")
				}
				i++
				name = args[i]
			}
			var err error
			i, err = addChisel(cli, reg, name, args, i)
			if err != nil {
				return nil, err
			}
			continue
		}
		if strings.HasPrefix(a, "--print=") || a == "--print" {
			val := strings.TrimPrefix(a, "--print=")
			if a == "--print" {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("--print needs a format")
				}
				i++
				val = args[i]
			}
			var err error
			if out, err = appendPrint(out, cli, val); err != nil {
				return nil, err
			}
			continue
		}
		if len(a) < 2 || a[0] != '-' || a[1] == '-' {
			out = append(out, a)
			continue
		}
		// A cluster of short options.
		var kept strings.Builder
		for j := 1; j < len(a); j++ {
			c := a[j]
			if strings.IndexByte(shortNoArg, c) >= 0 {
				kept.WriteByte(c)
				continue
			}
			if strings.IndexByte(shortWithArg, c) < 0 {
				// Unknown to us: let kong report it.
				kept.WriteString(a[j:])
				break
			}
			val := a[j+1:]
			if val == "" {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("option -%c needs a value", c)
				}
				i++
				val = args[i]
			}
			switch c {
			case 'c':
				if val == "l" {
					out = append(out, "--list-chisels")
				} else {
					var err error
					i, err = addChisel(cli, reg, val, args, i)
					if err != nil {
						return nil, err
					}
				}
			case 'p':
				var err error
				if out, err = appendPrint(out, cli, val); err != nil {
					return nil, err
				}
			default:
				out = append(out, "-"+string(c), val)
			}
			break
		}
		if kept.Len() > 0 {
			out = append(out, "-"+kept.String())
		}
	}
	return out, nil
}

// appendPrint handles the value of -p/--print.
func appendPrint(out []string, cli *CLI, val string) ([]string, error) {
	switch val {
	case "":
		return nil, errors.New("empty formatting token")
	case "c", "container":
		cli.Preset = "container"
		return out, nil
	case "k", "kubernetes":
		cli.Preset = "kubernetes"
		return out, nil
	case "m", "mesos":
		cli.Preset = "mesos"
		return out, nil
	}
	if isPIDList(val) {
		return append(out, "--pid", val), nil
	}
	return append(out, "--print", val), nil
}

// isPIDList reports whether s is made only of digits and commas (with at
// least one digit).
func isPIDList(s string) bool {
	digit := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r == ',':
		default:
			return false
		}
	}
	return digit
}

// addChisel records -c NAME and, when the chisel declares arguments, takes
// the next word as its argument string. It returns the new index into args.
func addChisel(cli *CLI, reg func() *chisel.Registry, name string, args []string, i int) (int, error) {
	spec := ChiselSpec{Name: name}
	info, err := reg().Info(name)
	if err != nil {
		return i, err
	}
	if len(info.Args) > 0 && i+1 < len(args) && args[i+1] != "--" {
		i++
		spec.Args, spec.HasArgs = args[i], true
	}
	cli.Chisels = append(cli.Chisels, spec)
	return i, nil
}

// chiselDirsFromArgs finds --chisel-dir values before kong has parsed them,
// so that -c can look chisels up while arguments are normalised.
func chiselDirsFromArgs(args []string) []string {
	var dirs []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "--chisel-dir=") {
			dirs = append(dirs, strings.TrimPrefix(a, "--chisel-dir="))
		} else if a == "--chisel-dir" && i+1 < len(args) {
			dirs = append(dirs, args[i+1])
			i++
		}
	}
	return dirs
}
