package main

import (
	"fmt"
	"slices"
	"strings"

	"xtrace/internal/eventtables"
)

// event_facts.tsv gives per-event facts beyond the parameter layout: one
// row per event symbol (without PPME_), with space-separated facts from
// the vocabulary below. A name outside it fails generation, and so does a
// symbol or parameter name the event table does not have.

// parserNames maps parser=NAME to the event.Parser constant.
var parserNames = map[string]string{
	"rw_exit": "ParserRWExit", "open_exit": "ParserOpenExit", "wait_enter": "ParserWaitEnter",
	"clone_exit": "ParserCloneExit", "execve_exit": "ParserExecveExit",
	"thread_exit": "ParserThreadExit", "pipe_exit": "ParserPipeExit",
	"socket_exit": "ParserSocketExit", "bind_exit": "ParserBindExit",
	"connect_enter": "ParserConnectEnter", "connect_exit": "ParserConnectExit",
	"accept_exit": "ParserAcceptExit", "close_enter": "ParserCloseEnter",
	"close_exit": "ParserCloseExit", "fcntl_enter": "ParserFcntlEnter",
	"fcntl_exit": "ParserFcntlExit", "new_fd": "ParserNewFD",
	"chdir_exit": "ParserChdirExit", "fchdir_exit": "ParserFchdirExit",
	"dup_exit": "ParserDupExit", "rlimit_exit": "ParserRlimitExit",
	"prlimit_exit": "ParserPrlimitExit", "socketpair_exit": "ParserSocketpairExit",
	"context_switch": "ParserContextSwitch", "mem_exit": "ParserMemExit",
	"setresuid_exit": "ParserSetresuidExit", "setresgid_exit": "ParserSetresgidExit",
	"setuid_exit": "ParserSetuidExit", "setgid_exit": "ParserSetgidExit",
	"container": "ParserContainer", "container_json": "ParserContainerJSON",
	"chroot_exit": "ParserChrootExit", "setsid_exit": "ParserSetsidExit",
	"getsockopt_exit": "ParserGetsockoptExit",
}

// factNames maps a yes/no fact to its event.Fact constant.
var factNames = map[string]string{
	"store": "FactStore", "infer_sendto": "FactInferSendto", "open_like": "FactOpenLike",
	"creat_exit": "FactCreatExit", "name_from_param1": "FactNameFromParam1",
	"name_from_dirfd": "FactNameFromDirfd", "open_enter": "FactOpenEnter",
	"connect_exit": "FactConnectExit", "open_exit": "FactOpenExit",
	"never_fails": "FactNeverFails",
}

// fdKinds are the fd.typechar values an fd_kind= fact may name.
const fdKinds = "f4p6duesltinX"

// eventFacts is what the facts of one event type generate.
type eventFacts struct {
	parser  string
	facts   []string
	fdKind  byte
	absPath [2][2]int
}

// literal returns the Desc fields of f.
func (f *eventFacts) literal() string {
	parser, facts := "ParserNone", "0"
	if f.parser != "" {
		parser = f.parser
	}
	if len(f.facts) > 0 {
		facts = strings.Join(f.facts, "|")
	}
	kind := "0"
	if f.fdKind != 0 {
		kind = fmt.Sprintf("%q", f.fdKind)
	}
	return fmt.Sprintf("Parser: %s, Facts: %s, FDKind: %s, AbsPath: [2][2]int8{{%d, %d}, {%d, %d}}",
		parser, facts, kind, f.absPath[0][0], f.absPath[0][1], f.absPath[1][0], f.absPath[1][1])
}

// paramNames returns the parameter names of an events.tsv-layout row.
func paramNames(r []string) []string {
	var names []string
	if len(r) > 7 && strings.TrimSpace(r[7]) != "" {
		for _, spec := range strings.Split(r[7], "; ") {
			names = append(names, strings.SplitN(spec, ":", 2)[0])
		}
	}
	return names
}

// readFacts reads event_facts.tsv against the event rows (events.tsv
// layout, xtrace's types included) and returns the facts of every row.
func readFacts(dir string, evRows [][]string, nSysdig int) ([]eventFacts, error) {
	out := make([]eventFacts, len(evRows))
	bySymbol := map[string]int{}
	for i, r := range evRows {
		bySymbol[strings.TrimPrefix(r[1], "PPME_")] = i
		out[i].absPath = [2][2]int{{-1, -1}, {-1, -1}}
	}
	// xtrace's own types get evt.abspath from their parameters: each
	// FSRELPATH relative to a dirfd parameter, the first for abspath
	// (and .src), the second (or the first again) for abspath.dst.
	for i := nSysdig; i < len(evRows); i++ {
		var pairs [][2]int
		if len(evRows[i]) > 7 && strings.TrimSpace(evRows[i][7]) != "" {
			for j, spec := range strings.Split(evRows[i][7], "; ") {
				d, err := dirfdOf(spec)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", evRows[i][1], err)
				}
				if d >= 0 && strings.Split(spec, ":")[1] == "FSRELPATH" {
					pairs = append(pairs, [2]int{d, j})
				}
			}
		}
		if len(pairs) > 0 {
			out[i].absPath = [2][2]int{pairs[0], pairs[len(pairs)-1]}
		}
	}
	rows, err := eventtables.Read(dir, "event_facts.tsv")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if len(r) < 2 {
			return nil, fmt.Errorf("event_facts.tsv: short row %q", r)
		}
		i, ok := bySymbol[r[0]]
		if !ok {
			return nil, fmt.Errorf("event_facts.tsv: unknown event %q", r[0])
		}
		if seen[r[0]] {
			return nil, fmt.Errorf("event_facts.tsv: %s listed twice", r[0])
		}
		seen[r[0]] = true
		f := &out[i]
		for _, word := range strings.Fields(r[1]) {
			key, val, hasVal := strings.Cut(word, "=")
			switch {
			case key == "parser" && hasVal:
				c, ok := parserNames[val]
				if !ok {
					return nil, fmt.Errorf("event_facts.tsv: %s: unknown parser %q", r[0], val)
				}
				f.parser = c
			case key == "fd_kind" && hasVal:
				if len(val) != 1 || !strings.Contains(fdKinds, val) {
					return nil, fmt.Errorf("event_facts.tsv: %s: bad fd_kind %q (one of %s)", r[0], val, fdKinds)
				}
				f.fdKind = val[0]
			case key == "abspath" && hasVal:
				// abspath=DIRFD,PATH[/DSTDIRFD,DSTPATH]
				names := paramNames(evRows[i])
				parts := strings.Split(val, "/")
				if len(parts) > 2 {
					return nil, fmt.Errorf("event_facts.tsv: %s: bad abspath %q", r[0], val)
				}
				for j := range 2 {
					part := parts[min(j, len(parts)-1)]
					pair := strings.Split(part, ",")
					if len(pair) != 2 {
						return nil, fmt.Errorf("event_facts.tsv: %s: bad abspath %q", r[0], val)
					}
					for k, name := range pair {
						idx := slices.Index(names, name)
						if idx < 0 {
							return nil, fmt.Errorf("event_facts.tsv: %s: abspath names %q, which the event has no parameter of", r[0], name)
						}
						f.absPath[j][k] = idx
					}
				}
			case !hasVal && factNames[key] != "":
				f.facts = append(f.facts, factNames[key])
			default:
				return nil, fmt.Errorf("event_facts.tsv: %s: unknown fact %q", r[0], word)
			}
		}
	}
	return out, nil
}

// optTraits maps a native_values.tsv trait to its event.OptValue.
var optTraits = map[string]string{
	"-": "OptBytes", "u32": "OptU32", "errno": "OptErrno", "timeval": "OptTimeval", "u64": "OptU64",
}

// generateNative emits the native values of PPM flag names
// (native_values.tsv), checking every table and name against the flag
// tables.
func generateNative(p func(string, ...any), dir string, tables map[string][]entry) error {
	rows, err := eventtables.Read(dir, "native_values.tsv")
	if err != nil {
		return err
	}
	p("var nativeValues = [...]NativeValue{\n")
	for _, r := range rows {
		if len(r) < 4 {
			return fmt.Errorf("native_values.tsv: short row %q", r)
		}
		es, ok := tables[r[0]]
		if !ok {
			return fmt.Errorf("native_values.tsv: unknown flag table %q", r[0])
		}
		var ppm uint64
		found := false
		for _, e := range es {
			if e.name == r[1] {
				ppm, found = e.value, true
				break
			}
		}
		if !found {
			return fmt.Errorf("native_values.tsv: flag table %s has no %q", r[0], r[1])
		}
		var native uint64
		if _, err := fmt.Sscan(r[2], &native); err != nil {
			return fmt.Errorf("native_values.tsv: %s %s: bad native value %q", r[0], r[1], r[2])
		}
		opt, ok := optTraits[r[3]]
		if !ok {
			return fmt.Errorf("native_values.tsv: %s %s: unknown trait %q", r[0], r[1], r[3])
		}
		p("\t{Table: %q, Name: %q, Native: %#x, PPM: %#x, Opt: %s},\n", r[0], r[1], native, ppm, opt)
	}
	p("}\n\n")
	return nil
}
