package diff

import (
	"strings"
	"testing"

	"xtrace/field"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/proc/1234/status", "/proc/PID/status"},
		{"/proc/1234", "/proc/PID"},
		{"/proc/self/maps", "/proc/self/maps"},
		{"/tmp/tmp.a8Xk2q9/file", "/tmp/tmp.TEMP/file"},
		{"/tmp/build/output.txt", "/tmp/build/output.txt"},
		{"/var/tmp/sess_9f8e7d6c5b", "/var/tmp/sess_TEMP"},
		{"/home/u/abc123def", "/home/u/abc123def"},
		{"127.0.0.1:45678->127.0.0.1:80", "127.0.0.1:EPHEMERAL->127.0.0.1:80"},
		{"10.0.0.1:8080", "10.0.0.1:8080"},
		{"pipe:[220114]", "pipe:[INODE]"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := Normalize(tc.in); got != tc.want {
				t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func run(procs ...*Proc) *Run {
	r := &Run{byKey: map[string]*Proc{}}
	for _, p := range procs {
		r.Procs = append(r.Procs, p)
		r.byKey[p.Key] = p
	}
	return r
}

func code(n int64) *int64 { return &n }

func TestCompare(t *testing.T) {
	open := func(res string) Call { return Call{"openat", "/data/in.txt", res} }
	read := Call{"read", "/data/in.txt", "ok"}
	a := run(
		&Proc{Key: "sh run.sh", Exit: code(0), Calls: []Call{{"brk", "", "ok"}}},
		&Proc{Key: "sh run.sh > cat in.txt", Exit: code(0), Calls: []Call{{"brk", "", "ok"}, open("ok"), read}},
		&Proc{Key: "sh run.sh > true", Exit: code(0)},
	)
	b := run(
		&Proc{Key: "sh run.sh", Exit: code(0), Calls: []Call{{"brk", "", "ok"}}},
		&Proc{Key: "sh run.sh > cat in.txt", Exit: code(1), Calls: []Call{{"brk", "", "ok"}, open("ENOENT")}},
		&Proc{Key: "sh run.sh > false", Exit: code(1)},
	)
	if r := Compare(a, a); !r.Equal() {
		t.Fatalf("a run differs from itself: %+v", r)
	}
	r := Compare(a, b)
	if r.Equal() {
		t.Fatal("equal")
	}
	var sb strings.Builder
	r.Write(&sb, "a", "b")
	want := `A = a
B = b

processes only in A:
  sh run.sh > true

processes only in B:
  sh run.sh > false

exit status differs:
  sh run.sh > cat in.txt: A 0, B 1

result differs:
  sh run.sh > cat in.txt: openat /data/in.txt: A ok x1; B ENOENT x1

first divergence:
  sh run.sh > cat in.txt, call 2:
      brk = ok
    A: openat /data/in.txt = ok
    B: openat /data/in.txt = ENOENT
`
	if sb.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", sb.String(), want)
	}
}

func TestSplitJSONStrings(t *testing.T) {
	got := splitJSONStrings(`["a b","c\"d","\u00e9"]`)
	if strings.Join(got, "|") != `a b|c"d|é` {
		t.Errorf("%q", got)
	}
	// Every escape AppendJSONString writes: short ones and surrogate
	// pairs.
	got = splitJSONStrings(string(field.AppendJSONString([]byte("["), "a\r\b\f\t\n\U0001F600")) + "]")
	if len(got) != 1 || got[0] != "a\r\b\f\t\n\U0001F600" {
		t.Errorf("%q", got)
	}
}
