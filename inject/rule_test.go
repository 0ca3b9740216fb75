package inject

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseRule(t *testing.T) {
	tests := []struct {
		in      string
		filter  string
		errno   unix.Errno
		retval  int64
		hasRet  bool
		delay   time.Duration
		first   uint64
		step    uint64
		prob    float64
		wantErr string
	}{
		{in: "evt.type=openat error=ENOENT", filter: "evt.type=openat", errno: unix.ENOENT, first: 1, step: 1, prob: 1},
		{in: "evt.type=openat and evt.arg.name contains hostname error=enoent when=2+", filter: "evt.type=openat and evt.arg.name contains hostname", errno: unix.ENOENT, first: 2, step: 1, prob: 1},
		{in: "evt.type=read retval=0 when=3+5 prob=25%", filter: "evt.type=read", retval: 0, hasRet: true, first: 3, step: 5, prob: 0.25},
		{in: "evt.type=write delay=10ms", filter: "evt.type=write", delay: 10 * time.Millisecond, first: 1, step: 1, prob: 1},
		{in: "evt.type=write delay=1500 error=5 when=7", filter: "evt.type=write", delay: 1500 * time.Microsecond, errno: unix.EIO, first: 7, step: 0, prob: 1},
		{in: "error=ENOENT", wantErr: `inject: "error=ENOENT": no filter before the options (give 'FILTER error=ERRNO', e.g. 'evt.type=openat error=ENOENT')`},
		{in: "evt.type=open", wantErr: `inject: "evt.type=open": no action: add error=ERRNO, retval=N or delay=DUR`},
		{in: "evt.type=open error=ENOPE", wantErr: `inject: "evt.type=open error=ENOPE": error=ENOPE: unknown errno name`},
		{in: "evt.type=open error=EIO retval=1", wantErr: `inject: "evt.type=open error=EIO retval=1": error= and retval= exclude each other`},
		{in: "evt.type=open error=EIO when=0", wantErr: `inject: "evt.type=open error=EIO when=0": when=0: want FIRST, FIRST+ or FIRST+STEP with FIRST >= 1`},
		{in: "evt.type=open error=EIO prob=2", wantErr: `inject: "evt.type=open error=EIO prob=2": prob=2: want a probability from 0 to 1 (or 0% to 100%)`},
		{in: "evt.type=open error=EIO error=EPERM", wantErr: `inject: "evt.type=open error=EIO error=EPERM": error= given twice`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRule(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Filter != tt.filter || r.Errno != tt.errno || r.Retval != tt.retval || r.HasRetval != tt.hasRet ||
				r.Delay != tt.delay || r.First != tt.first || r.Step != tt.step || r.Prob != tt.prob {
				t.Errorf("got %+v", *r)
			}
		})
	}
}

// firing parses rule and shows which of n matches fire: "x" fired, "."
// did not.
func firing(t *testing.T, rule string, n int) string {
	t.Helper()
	r, err := ParseRule(rule)
	if err != nil {
		t.Fatal(err)
	}
	s := ""
	for range n {
		if r.fires() {
			s += "x"
		} else {
			s += "."
		}
	}
	return s
}

func TestFiresWhen(t *testing.T) {
	tests := []struct {
		when string
		want string
	}{
		{"", "xxxxxxxx"},
		{"when=3", "..x....."},
		{"when=3+", "..xxxxxx"},
		{"when=2+3", ".x..x..x"},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			if got := firing(t, "evt.type=read error=EIO "+tt.when, 8); got != tt.want {
				t.Errorf("%s: %s, want %s", tt.when, got, tt.want)
			}
		})
	}
}

func TestProbSeed(t *testing.T) {
	const rule = "evt.type=read error=EIO prob=0.5 seed=7"
	a, b := firing(t, rule, 64), firing(t, rule, 64)
	if a != b {
		t.Fatalf("same seed, different runs:\n%s\n%s", a, b)
	}
	n := 0
	for _, c := range a {
		if c == 'x' {
			n++
		}
	}
	if n < 16 || n > 48 {
		t.Errorf("prob=0.5 fired %d of 64 times", n)
	}
}

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"evt.type=openat error=ENOENT when=2+3 prob=0.5 seed=1", "proc.name=cat retval=0", "x delay=5ms", "error="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if (r == nil) == (err == nil) {
			t.Fatalf("rule %v and error %v", r, err)
		}
		if r != nil && r.Errno == 0 && !r.HasRetval && r.Delay == 0 {
			t.Fatalf("rule without action: %+v", r)
		}
	})
}

func TestOptionWord(t *testing.T) {
	for w, want := range map[string]bool{
		"error=ENOENT": true, "retval=0": true, "delay=10ms": true, "when=2+": true, "prob=50%": true, "seed=7": true,
		"error=": true, "evt.type=openat": false, "error": false, "error=EIO when=2": false, "fd.name=/x": false,
	} {
		if got := OptionWord(w); got != want {
			t.Errorf("OptionWord(%q) = %v, want %v", w, got, want)
		}
	}
}
