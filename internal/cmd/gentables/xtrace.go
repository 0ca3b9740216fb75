package main

import (
	"fmt"
	"strings"

	"xtrace/internal/eventtables"
)

// xtrace_events.tsv gives every syscall that sysdig 0.29.3 records only as
// a generic event a pair of event types of xtrace's own, numbered after
// sysdig's table in row order (enter even, exit odd). A row holds both
// what the event table says of each parameter and how the decoder fetches
// it: "name:TYPE:FORMAT[:extra]=kind(operands)".

// xtraceRow is one parsed row of xtrace_events.tsv.
type xtraceRow struct {
	syscall  string
	category string
	flags    string
	// enter and exit are the parameter specs without their fetch part
	// (in events.tsv syntax); enterFetch and exitFetch are the fetch
	// specs in x86_64_fetch.tsv syntax ("name=kind(operands)").
	enter, exit           []string
	enterFetch, exitFetch []string
}

// symbols returns the event symbols of the row's pair.
func (r *xtraceRow) symbols() (enter, exit string) {
	base := "XT_" + strings.ToUpper(r.syscall)
	return base + "_E", base + "_X"
}

// splitParams splits one params column into event specs and fetch specs.
func splitParams(col string) (specs, fetches []string, err error) {
	col = strings.TrimSpace(col)
	if col == "" || col == "-" {
		return nil, nil, nil
	}
	for _, p := range strings.Split(col, "; ") {
		p = strings.TrimSpace(p)
		loc := eventtables.FetchTail.FindStringSubmatchIndex(p)
		if loc == nil {
			return nil, nil, fmt.Errorf("param %q has no =kind(operands)", p)
		}
		spec := p[:loc[0]]
		name := strings.SplitN(spec, ":", 2)[0]
		specs = append(specs, spec)
		fetches = append(fetches, name+"="+p[loc[2]:loc[3]])
	}
	return specs, fetches, nil
}

// readXtraceEvents reads xtrace_events.tsv.
func readXtraceEvents(dir string) ([]xtraceRow, error) {
	rows, err := eventtables.Read(dir, "xtrace_events.tsv")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []xtraceRow
	for _, r := range rows {
		for len(r) < 5 {
			r = append(r, "")
		}
		x := xtraceRow{syscall: r[0], category: r[1], flags: r[2]}
		if seen[x.syscall] {
			return nil, fmt.Errorf("xtrace_events.tsv: %s listed twice", x.syscall)
		}
		seen[x.syscall] = true
		if x.flags == "" {
			x.flags = "-"
		}
		if x.enter, x.enterFetch, err = splitParams(r[3]); err != nil {
			return nil, fmt.Errorf("xtrace_events.tsv: %s enter: %w", x.syscall, err)
		}
		if x.exit, x.exitFetch, err = splitParams(r[4]); err != nil {
			return nil, fmt.Errorf("xtrace_events.tsv: %s exit: %w", x.syscall, err)
		}
		if len(x.exit) == 0 {
			return nil, fmt.Errorf("xtrace_events.tsv: %s: the exit has no result param", x.syscall)
		}
		if n := strings.SplitN(x.exit[0], ":", 2)[0]; n != "res" && n != "fd" {
			return nil, fmt.Errorf("xtrace_events.tsv: %s: the first exit param is %q, not res or fd", x.syscall, n)
		}
		out = append(out, x)
	}
	return out, nil
}

// xtraceEventRows returns the rows' event pairs in events.tsv layout, numbered
// from first.
func xtraceEventRows(xs []xtraceRow, first int) [][]string {
	var out [][]string
	for i, x := range xs {
		enter, exit := x.symbols()
		out = append(out,
			[]string{fmt.Sprint(first + 2*i), enter, x.syscall, "E", x.category, x.flags,
				fmt.Sprint(len(x.enter)), strings.Join(x.enter, "; ")},
			[]string{fmt.Sprint(first + 2*i + 1), exit, x.syscall, "X", x.category, x.flags,
				fmt.Sprint(len(x.exit)), strings.Join(x.exit, "; ")})
	}
	return out
}

// xtraceFetchRows returns the rows' fetch specs in x86_64_fetch.tsv layout.
func xtraceFetchRows(xs []xtraceRow) [][]string {
	var out [][]string
	for _, x := range xs {
		enter, exit := x.symbols()
		out = append(out, []string{enter, strings.Join(x.enterFetch, "; ")},
			[]string{exit, strings.Join(x.exitFetch, "; ")})
	}
	return out
}
