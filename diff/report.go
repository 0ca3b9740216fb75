package diff

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Report is what differs between two runs.
type Report struct {
	OnlyA, OnlyB []string // process keys
	// Exits lists processes whose exit status differs.
	Exits []ExitDiff
	// FilesA and FilesB are targets (files, sockets) touched in one run
	// only, as "target (process key)".
	FilesA, FilesB []string
	// Results lists calls whose result differs.
	Results []ResultDiff
	// Divergences holds the first divergence of each process present in
	// both runs whose calls differ.
	Divergences []Divergence
}

// ExitDiff is a process whose exit status differs.
type ExitDiff struct {
	Key  string
	A, B string // exit code, or "running"
}

// ResultDiff is a call (by process, syscall and target) whose results
// differ: the results seen in each run, with counts.
type ResultDiff struct {
	Key  string
	Call string // syscall and target
	A, B string
}

// Divergence is the first call where a process' two runs differ.
type Divergence struct {
	Key string
	// Index is the 0-based position of the first differing call.
	Index   int
	Context []Call // the calls before it (at most 3)
	A, B    *Call  // nil when that run has no more calls
}

// Equal reports whether the runs are equivalent.
func (r *Report) Equal() bool {
	return len(r.OnlyA)+len(r.OnlyB)+len(r.Exits)+len(r.FilesA)+len(r.FilesB)+len(r.Results)+len(r.Divergences) == 0
}

func exitText(p *Proc) string {
	if p.Exit == nil {
		return "running"
	}
	return fmt.Sprint(*p.Exit)
}

// Compare compares run a with run b.
func Compare(a, b *Run) *Report {
	r := &Report{}
	for _, p := range a.Procs {
		q := b.byKey[p.Key]
		if q == nil {
			r.OnlyA = append(r.OnlyA, p.Key)
			continue
		}
		if ea, eb := exitText(p), exitText(q); ea != eb {
			r.Exits = append(r.Exits, ExitDiff{p.Key, ea, eb})
		}
		r.Results = append(r.Results, resultDiffs(p, q)...)
		if d, ok := firstDivergence(p, q); ok {
			r.Divergences = append(r.Divergences, d)
		}
	}
	for _, q := range b.Procs {
		if a.byKey[q.Key] == nil {
			r.OnlyB = append(r.OnlyB, q.Key)
		}
	}
	ta, tb := targets(a), targets(b)
	r.FilesA = onlyIn(ta, tb)
	r.FilesB = onlyIn(tb, ta)
	return r
}

// targets maps every target a run touches to the first process key that
// touched it.
func targets(r *Run) map[string]string {
	m := map[string]string{}
	for _, p := range r.Procs {
		for _, c := range p.Calls {
			if c.Target == "" {
				continue
			}
			if _, ok := m[c.Target]; !ok {
				m[c.Target] = p.Key
			}
		}
	}
	return m
}

func onlyIn(a, b map[string]string) []string {
	var out []string
	for t, k := range a {
		if _, ok := b[t]; !ok {
			out = append(out, t+"  ("+k+")")
		}
	}
	sort.Strings(out)
	return out
}

// resultDiffs compares the results of the same calls (syscall and
// target) of one process in both runs.
func resultDiffs(p, q *Proc) []ResultDiff {
	type tally map[string]int
	count := func(p *Proc) map[string]tally {
		m := map[string]tally{}
		for _, c := range p.Calls {
			if c.Result == "" {
				continue
			}
			k := c.Syscall + " " + c.Target
			if m[k] == nil {
				m[k] = tally{}
			}
			m[k][c.Result]++
		}
		return m
	}
	render := func(t tally) string {
		var parts []string
		for res, n := range t {
			parts = append(parts, fmt.Sprintf("%s x%d", res, n))
		}
		sort.Strings(parts)
		return strings.Join(parts, ", ")
	}
	ca, cb := count(p), count(q)
	var out []ResultDiff
	for k, ta := range ca {
		tb, ok := cb[k]
		if !ok {
			continue
		}
		// Only a change of outcome counts: success in one run and an
		// errno in the other, or different errnos.
		if outcomes(ta) == outcomes(tb) {
			continue
		}
		out = append(out, ResultDiff{p.Key, strings.TrimSpace(k), render(ta), render(tb)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Call < out[j].Call })
	return out
}

// outcomes is the sorted set of results in t.
func outcomes[T ~map[string]int](t T) string {
	var rs []string
	for r := range t {
		rs = append(rs, r)
	}
	sort.Strings(rs)
	return strings.Join(rs, ",")
}

func firstDivergence(p, q *Proc) (Divergence, bool) {
	n := min(len(p.Calls), len(q.Calls))
	i := 0
	for i < n && p.Calls[i] == q.Calls[i] {
		i++
	}
	if i == len(p.Calls) && i == len(q.Calls) {
		return Divergence{}, false
	}
	d := Divergence{Key: p.Key, Index: i, Context: p.Calls[max(0, i-3):i]}
	if i < len(p.Calls) {
		d.A = &p.Calls[i]
	}
	if i < len(q.Calls) {
		d.B = &q.Calls[i]
	}
	return d, true
}

// Write prints the report; nameA and nameB label the runs.
func (r *Report) Write(w io.Writer, nameA, nameB string) error {
	var b strings.Builder
	if r.Equal() {
		fmt.Fprintf(&b, "equivalent: %s and %s\n", nameA, nameB)
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "A = %s\nB = %s\n", nameA, nameB)
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s:\n", title)
		for _, s := range items {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	list("processes only in A", r.OnlyA)
	list("processes only in B", r.OnlyB)
	if len(r.Exits) > 0 {
		b.WriteString("\nexit status differs:\n")
		for _, e := range r.Exits {
			fmt.Fprintf(&b, "  %s: A %s, B %s\n", e.Key, e.A, e.B)
		}
	}
	list("touched only in A", r.FilesA)
	list("touched only in B", r.FilesB)
	if len(r.Results) > 0 {
		b.WriteString("\nresult differs:\n")
		for _, d := range r.Results {
			fmt.Fprintf(&b, "  %s: %s: A %s; B %s\n", d.Key, d.Call, d.A, d.B)
		}
	}
	if len(r.Divergences) > 0 {
		b.WriteString("\nfirst divergence:\n")
		for _, d := range r.Divergences {
			fmt.Fprintf(&b, "  %s, call %d:\n", d.Key, d.Index+1)
			for _, c := range d.Context {
				fmt.Fprintf(&b, "      %s\n", c)
			}
			side := func(l string, c *Call) {
				if c == nil {
					fmt.Fprintf(&b, "    %s: (no more calls)\n", l)
				} else {
					fmt.Fprintf(&b, "    %s: %s\n", l, c)
				}
			}
			side("A", d.A)
			side("B", d.B)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
