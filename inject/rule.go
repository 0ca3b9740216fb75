package inject

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/event"
	"xtrace/filter"
	"xtrace/inspect"
	"xtrace/tracer"
)

// Rule is one --inject rule.
type Rule struct {
	// Filter is the filter expression that picks the calls.
	Filter string
	// Errno, when non-zero, is the error the call fails with.
	Errno unix.Errno
	// Retval is the return value given instead (HasRetval set).
	Retval    int64
	HasRetval bool
	// Delay holds the call back before it runs (or fails).
	Delay time.Duration
	// First and Step say which matches fire: the First-th (1-based),
	// then every Step-th after it; Step 0 fires once. The default is
	// every match (First 1, Step 1).
	First, Step uint64
	// Prob is the probability that a match that passed when= fires.
	Prob float64
	// Seed seeds the rule's random source (used with Prob < 1).
	Seed uint64

	match func(*inspect.Event) bool
	rng   *rand.Rand
	seen  uint64
}

// keys are the option words a rule may end with.
var keys = []string{"error", "retval", "delay", "when", "prob", "seed"}

// ParseRule reads a rule: a filter expression followed by options,
// "evt.type=openat and evt.arg.name contains hostname error=ENOENT
// when=2+ prob=0.5 seed=7". The options are the trailing words that start
// with error=, retval=, delay=, when=, prob= or seed=; at least one of
// error=, retval= and delay= is required, and error= and retval= exclude
// each other. Without seed= a probabilistic rule is seeded from the clock.
func ParseRule(s string) (*Rule, error) {
	r := &Rule{First: 1, Step: 1, Prob: 1}
	rest := strings.TrimSpace(s)
	opts := map[string]string{}
	for {
		i := strings.LastIndexAny(rest, " \t\n")
		word := rest[i+1:]
		if !OptionWord(word) {
			break
		}
		key, val, _ := strings.Cut(word, "=")
		if _, dup := opts[key]; dup {
			return nil, fmt.Errorf("inject: %q: %s= given twice", s, key)
		}
		opts[key] = val
		if i < 0 {
			rest = ""
			break
		}
		rest = strings.TrimSpace(rest[:i])
	}
	r.Filter = rest
	if r.Filter == "" {
		return nil, fmt.Errorf("inject: %q: no filter before the options (give 'FILTER error=ERRNO', e.g. 'evt.type=openat error=ENOENT')", s)
	}
	for _, key := range keys {
		val, ok := opts[key]
		if !ok {
			continue
		}
		if err := r.set(key, val); err != nil {
			return nil, fmt.Errorf("inject: %q: %s=%s: %w", s, key, val, err)
		}
	}
	if r.Errno == 0 && !r.HasRetval && r.Delay == 0 {
		return nil, fmt.Errorf("inject: %q: no action: add error=ERRNO, retval=N or delay=DUR", s)
	}
	if r.Errno != 0 && r.HasRetval {
		return nil, fmt.Errorf("inject: %q: error= and retval= exclude each other", s)
	}
	if _, ok := opts["seed"]; !ok {
		r.Seed = uint64(time.Now().UnixNano())
	}
	r.rng = rand.New(rand.NewPCG(r.Seed, 0x78747261636521))
	f, err := filter.Compile(r.Filter, nil)
	if err != nil {
		var se *filter.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("inject: %w\n%s", se, se.Caret())
		}
		return nil, fmt.Errorf("inject: %w", err)
	}
	r.match = f.Func()
	return r, nil
}

// errnoByName looks name up in the errno table (0 when unknown).
func errnoByName(name string) unix.Errno {
	for e := int64(1); e < 1024; e++ {
		if event.ErrnoName(e) == name {
			return unix.Errno(e)
		}
	}
	return 0
}

// OptionWord reports whether w is one of the option words a rule ends
// with (error=..., retval=..., delay=..., when=..., prob=..., seed=...),
// which the command line gathers after an --inject filter.
func OptionWord(w string) bool {
	key, _, ok := strings.Cut(w, "=")
	return ok && !strings.ContainsAny(w, " \t\n") && slices.Contains(keys, key)
}

func (r *Rule) set(key, val string) error {
	switch key {
	case "error":
		if n, err := strconv.Atoi(val); err == nil {
			if n <= 0 || n > 4095 {
				return errors.New("an errno is 1 to 4095")
			}
			r.Errno = unix.Errno(n)
			return nil
		}
		e := errnoByName(strings.ToUpper(val))
		if e == 0 {
			return errors.New("unknown errno name")
		}
		r.Errno = e
	case "retval":
		n, err := strconv.ParseInt(val, 0, 64)
		if err != nil {
			return errors.New("not an integer")
		}
		r.Retval, r.HasRetval = n, true
	case "delay":
		if n, err := strconv.ParseUint(val, 10, 32); err == nil {
			r.Delay = time.Duration(n) * time.Microsecond // strace's unit
			return nil
		}
		d, err := time.ParseDuration(val)
		if err != nil || d < 0 {
			return errors.New("not a duration (10ms, 1.5s, or microseconds)")
		}
		r.Delay = d
	case "when":
		first, step, plus := strings.Cut(val, "+")
		n, err := strconv.ParseUint(first, 10, 64)
		if err != nil || n == 0 {
			return errors.New("want FIRST, FIRST+ or FIRST+STEP with FIRST >= 1")
		}
		r.First, r.Step = n, 0
		if plus {
			r.Step = 1
			if step != "" {
				if r.Step, err = strconv.ParseUint(step, 10, 64); err != nil || r.Step == 0 {
					return errors.New("STEP must be >= 1")
				}
			}
		}
	case "prob":
		pct := strings.HasSuffix(val, "%")
		p, err := strconv.ParseFloat(strings.TrimSuffix(val, "%"), 64)
		if pct {
			p /= 100
		}
		if err != nil || p < 0 || p > 1 {
			return errors.New("want a probability from 0 to 1 (or 0% to 100%)")
		}
		r.Prob = p
	case "seed":
		n, err := strconv.ParseUint(val, 0, 64)
		if err != nil {
			return errors.New("not an unsigned integer")
		}
		r.Seed = n
	}
	return nil
}

// fires counts a match and says whether the rule acts on it.
func (r *Rule) fires() bool {
	r.seen++
	n := r.seen
	switch {
	case n < r.First:
		return false
	case r.Step == 0 && n != r.First:
		return false
	case r.Step > 0 && (n-r.First)%r.Step != 0:
		return false
	}
	return r.Prob >= 1 || r.rng.Float64() < r.Prob
}

// Fault is what happens to a syscall at its entry.
type Fault = tracer.Fault

func (r *Rule) fault() Fault {
	f := Fault{Delay: r.Delay}
	switch {
	case r.Errno != 0:
		f.Skip, f.Ret = true, -int64(r.Errno)
	case r.HasRetval:
		f.Skip, f.Ret = true, r.Retval
	}
	return f
}
