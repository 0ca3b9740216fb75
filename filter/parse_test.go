package filter

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestPrecedence checks the shape of the tree where String cannot show
// it: and binds tighter than or on either side.
func TestPrecedence(t *testing.T) {
	for _, tc := range []struct {
		src       string
		andOnLeft bool
	}{
		{"evt.num=1 or evt.num=2 and evt.num=3", false},
		{"evt.num=1 and evt.num=2 or evt.num=3", true},
	} {
		t.Run(tc.src, func(t *testing.T) {
			n, err := Parse(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			or, ok := n.(*BinaryExpr)
			if !ok || or.Op != Or {
				t.Fatalf("root is %#v, want an or", n)
			}
			side := or.Y
			if tc.andOnLeft {
				side = or.X
			}
			if and, ok := side.(*BinaryExpr); !ok || and.Op != And {
				t.Errorf("the and is not under the or: %#v", or)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"eq", "proc.name=curl", "proc.name = curl"},
		{"no blanks needed", "proc.name!=curl and evt.num<=3", "proc.name != curl and evt.num <= 3"},
		{"double equal", "proc.name==curl", "proc.name = curl"},
		{"and binds tighter than or", "evt.num=1 or evt.num=2 and evt.num=3", "evt.num = 1 or evt.num = 2 and evt.num = 3"},
		{"precedence", "evt.type=socket or evt.type=connect and evt.dir=<", "evt.type = socket or evt.type = connect and evt.dir = <"},
		{"left assoc", "evt.num=1 and evt.num=2 and evt.num=3", "evt.num = 1 and evt.num = 2 and evt.num = 3"},
		{"right group", "evt.num=1 and (evt.num=2 and evt.num=3)", "evt.num = 1 and (evt.num = 2 and evt.num = 3)"},
		{"or in and", "(evt.num=1 or evt.num=2) and evt.num=3", "(evt.num = 1 or evt.num = 2) and evt.num = 3"},
		{"not binds tightest", "not evt.type=read and evt.type in (read, write, close)", "not evt.type = read and evt.type in (read, write, close)"},
		{"not not is not", "not not evt.num=1", "not evt.num = 1"},
		{"double negation", "not (not evt.num=1)", "not (not evt.num = 1)"},
		{"parens", "evt.type=open and (fd.name contains ssl or fd.name contains resolv)", "evt.type = open and (fd.name contains ssl or fd.name contains resolv)"},
		{"quoted", `fd.name glob '/etc/*'`, `fd.name glob /etc/*`},
		{"quoted blank", `proc.name = "a b"`, `proc.name = "a b"`},
		{"escapes", `proc.name = "a\"b\\c\x41"`, `proc.name = "a\"b\\cA"`},
		{"single quote inside", `proc.name = "it\x27s"`, `proc.name = "it\x27s"`},
		{"pmatch", "fd.name pmatch (/etc, /usr)", "fd.name pmatch (/etc, /usr)"},
		{"empty list value", "proc.name in ()", `proc.name in ("")`},
		{"exists", "evt.arg.fd exists and evt.dir=>", "evt.arg.fd exists and evt.dir = >"},
		{"exists in parens", "(evt.arg.fd exists)", "evt.arg.fd exists"},
		{"operator prefix", "fd.name contains/etc", "fd.name contains /etc"},
		{"and after paren", "(fd.type=ipv4 or fd.type=ipv6)and (proc.name=curl)", "(fd.type = ipv4 or fd.type = ipv6) and proc.name = curl"},
		{"field args", "proc.aname[1]=bash and evt.arg[0] contains /etc and evt.type.is.open=1", "proc.aname[1] = bash and evt.arg[0] contains /etc and evt.type.is.open = 1"},
		{"empty value", "proc.name=", `proc.name = ""`},
		{"value is a keyword", "proc.name= and", `proc.name = "and"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Parse(tc.src)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("Parse(%q) = %s, want an error", tc.src, n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.src, err)
			}
			if got := n.String(); got != tc.want {
				t.Errorf("Parse(%q) = %s, want %s", tc.src, got, tc.want)
			}
			n2, err := Parse(n.String())
			if err != nil {
				t.Fatalf("reparse %q: %v", n.String(), err)
			}
			if !sameTree(n, n2) {
				t.Errorf("reparse of %q gives %s", n.String(), n2)
			}
		})
	}
}

// TestErrors checks sysdig's messages and positions, and the caret.
func TestErrors(t *testing.T) {
	tests := []struct {
		name, src, msg, caret string
	}{
		{"empty event type", "evt.type=", "filter error at position 9: unknown event type ", "evt.type=\n         ^"},
		{"unknown field", "foo.bar=1", "filter error at position 7: filter error: unrecognized field foo.bar at pos 0", "foo.bar=1\n~~~~~~~^"},
		{"near field", "proc.nme=curl", "filter error at position 8: filter error: unrecognized field proc.nme at pos 0 (did you mean proc.name?)", "proc.nme=curl\n~~~~~~~~^"},
		{"trailing and", "proc.name=curl and", "filter error at position 18: filter error: unexpected end of filter", "proc.name=curl and\n                  ^"},
		{"unbalanced", "(proc.name=curl", "filter error at position 16: filter error: unexpected end of filter", "(proc.name=curl\n               ^"},
		{"extra paren", "proc.name=curl)", "filter error at position 15: filter error: unexpected end of filter (unbalanced ')' at position 14)", "proc.name=curl)\n               ^"},
		{"and and", "evt.type=open and and", "filter error at position 21: filter error: unrecognized field and at pos 18", "evt.type=open and and\n                  ~~~^"},
		{"no operator", "proc.name", "filter error at position 9: filter error: unrecognized comparison operator after proc.name", "proc.name\n         ^"},
		{"bad port", "fd.port=abc", "filter error at position 11: unrecognized protocol abc", ""},
		{"bad ip", "fd.rip=1.2.3", "filter error at position 12: unrecognized IPv4 address 1.2.3", ""},
		{"bad number", "evt.num=x", "filter error at position 9: x is not a valid number", ""},
		{"field vs field", "thread.tid != proc.pid", "filter error at position 22: proc.pid is not a valid number", ""},
		{"bad number in list", "evt.num in (1, x)", "filter error at position 15: x is not a valid number", ""},
		{"bad boolean", "evt.failed=yes", "filter error at position 14: filter error: unrecognized boolean value yes", ""},
		{"numeric contains", "evt.num contains 3", "filter error at position 8: 'contains' not supported for numeric filters", ""},
		{"unclosed quote", `proc.name="curl`, "filter error at position 15: filter error: unclosed quotes", ""},
		{"no list", "evt.type in open", "filter error at position 12: expected '(' after 'in/intersects/pmatch' operand", ""},
		{"unknown argument", "evt.arg.nosuchparam=1", "filter error at position 19: unknown event argument nosuchparam", ""},
		{"pmatch on numbers", "evt.num pmatch (1)", "filter error at position 16: pmatch requires all charbuf arguments", ""},
		{"two checks", "proc.name=a proc.name=b", "filter error at position 12: syntax error in filter", ""},
		{"bad escape", `proc.name=a\ b`, `filter error at position 12: filter error: unrecognized escape sequence at a\ b`, ""},
		// Positions count characters: sysdig says 28 (bytes) here.
		{"non-ASCII", "proc.name=é and fd.num = é", "filter error at position 26: é is not a valid number", "proc.name=é and fd.num = é\n                          ^"},
		{"non-ASCII field", "proc.name=é and fóo = 1", "filter error at position 19: filter error: unrecognized field fóo at pos 16", "proc.name=é and fóo = 1\n                ~~~^"},
		// A long filter is quoted around the error, not whole.
		{"long filter", strings.Repeat("proc.name=a and ", 20) + "nosuch.field=1", "filter error at position 332: filter error: unrecognized field nosuch.field at pos 320",
			"...ame=a and proc.name=a and proc.name=a and proc.name=a and nosuch.field=1\n" + strings.Repeat(" ", 61) + "~~~~~~~~~~~~^"},
		{"long prefix", strings.Repeat("proc.name=a and ", 20) + "(", "filter error at position 321: filter error: unexpected end of filter", ""},
		{"long echo", strings.Repeat("proc.name=a or ", 20) + "proc.name", "filter error at position 309: filter error: unrecognized comparison operator after ... proc.name=a or proc.name=a or proc.name", ""},
		{"long middle", strings.Repeat("proc.name=a and ", 10) + "bad.field=1" + strings.Repeat(" and proc.name=a", 10), "filter error at position 169: filter error: unrecognized field bad.field at pos 160 (did you mean fd.uid?)",
			"...name=a and proc.name=a and bad.field=1 and proc.name=a and proc.name=a a...\n" + strings.Repeat(" ", 30) + "~~~~~~~~~^"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(tc.src, nil)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%q) error = %v, want a *SyntaxError", tc.src, err)
			}
			if se.Error() != tc.msg {
				t.Errorf("Compile(%q):\n got %q\nwant %q", tc.src, se.Error(), tc.msg)
			}
			if tc.caret != "" && se.Caret() != tc.caret {
				t.Errorf("Caret():\n%s\nwant\n%s", se.Caret(), tc.caret)
			}
			if se.Col < 1 || se.Col > len(tc.src)+1 {
				t.Errorf("Col %d outside the input", se.Col)
			}
			checkCaretAgrees(t, se)
		})
	}
}

func TestDepthLimit(t *testing.T) {
	src := ""
	for i := 0; i < maxDepth+5; i++ {
		src += "("
	}
	src += "evt.num=1"
	for i := 0; i < maxDepth+5; i++ {
		src += ")"
	}
	if _, err := Parse(src); err == nil {
		t.Fatal("no error for a filter nested too deeply")
	}
}

// sameTree compares two ASTs ignoring positions.
func sameTree(a, b Node) bool {
	switch a := a.(type) {
	case *BinaryExpr:
		b, ok := b.(*BinaryExpr)
		return ok && a.Op == b.Op && sameTree(a.X, b.X) && sameTree(a.Y, b.Y)
	case *NotExpr:
		b, ok := b.(*NotExpr)
		return ok && sameTree(a.X, b.X)
	case *Check:
		b, ok := b.(*Check)
		if !ok || a.Field != b.Field || a.Op != b.Op || len(a.Values) != len(b.Values) {
			return false
		}
		for i := range a.Values {
			if a.Values[i].Text != b.Values[i].Text {
				return false
			}
		}
		return true
	}
	return false
}

// checkCaretAgrees checks that the caret line points where the message
// says: the caret at "position N" (or at the end of the filter when N is
// past it), the underline from "at pos M"; and that it stays short.
func checkCaretAgrees(t *testing.T, se *SyntaxError) {
	t.Helper()
	lines := strings.Split(se.Caret(), "\n")
	text, mark := []rune(lines[0]), []rune(lines[1])
	// shift turns a column of the caret line into a column of the filter.
	from, _ := caretWindow(utf8.RuneCountInString(se.Src), se.Col-1)
	shift := -from
	if from > 0 {
		shift += 3 // "..."
	}
	caret := strings.IndexRune(string(mark), '^')
	caret = utf8.RuneCountInString(string(mark[:caret]))
	want := min(se.Pos, utf8.RuneCountInString(se.Src))
	if caret-shift != want {
		t.Errorf("caret at column %d, message says position %d", caret-shift, se.Pos)
	}
	var at int
	if _, err := fmt.Sscanf(se.Msg[max(0, strings.LastIndex(se.Msg, " at pos ")):], " at pos %d", &at); err == nil {
		if tilde := strings.IndexRune(string(mark), '~'); tilde-shift != at {
			t.Errorf("underline starts at column %d, message says pos %d", tilde-shift, at)
		}
	}
	if len(text) > caretWidth+6 {
		t.Errorf("caret line quotes %d characters", len(text))
	}
}
