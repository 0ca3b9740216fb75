package chisel

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	chiselsjs "xtrace/chisels-js"
	"xtrace/event"
	"xtrace/inspect"
	"xtrace/scap"
)

// testRegistry returns a registry over the built-ins and a temporary
// folder holding the given user chisels (name -> source).
func testRegistry(t testing.TB, user map[string]string) (*Registry, string) {
	t.Helper()
	dir := t.TempDir()
	for name, src := range user {
		if err := os.WriteFile(filepath.Join(dir, name+".js"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return newRegistry([]string{dir}, chiselsjs.FS), dir
}

// syntheticEvents returns n events of a few types, processed by an
// inspector without state.
func syntheticEvents(n int) (*inspect.Inspector, []*scap.Event) {
	in := inspect.New(nil)
	types := []event.Type{2, 3, 4, 5, 2, 3}
	var evs []*scap.Event
	for i := 0; i < n; i++ {
		evs = append(evs, &scap.Event{TS: uint64(1e9 + i*1000), TID: 42, Type: types[i%len(types)]})
	}
	return in, evs
}

// runSynthetic runs the chisels (name -> arg string, in order) over n
// synthetic events and returns their output.
func runSynthetic(t *testing.T, reg *Registry, n int, chisels ...[2]string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	s := NewSession(reg, Options{Out: &out})
	defer s.Close()
	for _, c := range chisels {
		if err := s.Add(c[0], c[1]); err != nil {
			return out.String(), err
		}
	}
	in, evs := syntheticEvents(n)
	if err := s.CaptureStart(in); err != nil {
		return out.String(), err
	}
	for _, sev := range evs {
		stop, err := s.Event(in.Process(sev))
		if err != nil {
			return out.String(), err
		}
		if stop {
			break
		}
	}
	err := s.End()
	return out.String(), err
}

// countByType is the user chisel of docs/chisels.md: events by type, as a
// table.
const countByType = `"use strict";
const { extendString, topByValue } = require("common");

const counts = new Map();
let type;

module.exports = {
  description: "Counts events by type and prints a table at the end.",
  shortDescription: "Events by type",
  category: "Misc",
  args: [{ name: "min", description: "smallest count to show", type: "int", optional: true }],

  onInit(args) {
    this.min = Number(args.min ?? 0);
    type = chisel.requestField("evt.type");
  },

  onEvent(e) {
    const t = e.field(type);
    counts.set(t, (counts.get(t) ?? 0) + 1);
  },

  onCaptureEnd() {
    print(extendString("TYPE", 10) + "COUNT");
    for (const [t, n] of topByValue(counts, 0)) {
      if (n >= this.min) {
        print(extendString(t, 10) + n);
      }
    }
  },
};
`

func TestUserChisel(t *testing.T) {
	reg, _ := testRegistry(t, map[string]string{"count_by_type": countByType})
	tests := []struct {
		name, args, want string
	}{
		{"all", "", "TYPE      COUNT\nopen      8\nclose     4\n"},
		{"with argument", "5", "TYPE      COUNT\nopen      8\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runSynthetic(t, reg, 12, [2]string{"count_by_type", tt.args})
			if err != nil {
				t.Fatal(err)
			}
			if out != tt.want {
				t.Errorf("output:\n%s\nwant:\n%s", out, tt.want)
			}
		})
	}
}

func TestUserChiselOverridesBuiltin(t *testing.T) {
	reg, _ := testRegistry(t, map[string]string{
		"topscalls": `module.exports = { description: "mine", onCaptureEnd() { print("user topscalls"); } };`,
	})
	out, err := runSynthetic(t, reg, 3, [2]string{"topscalls", ""})
	if err != nil {
		t.Fatal(err)
	}
	if out != "user topscalls\n" {
		t.Errorf("output %q, want the user chisel's", out)
	}
	info, err := reg.Info("topscalls")
	if err != nil || info.Desc != "mine" || strings.HasPrefix(info.Path, builtinPrefix) {
		t.Errorf("Info(topscalls) = %+v, %v; want the user chisel", info, err)
	}
}

func TestBuiltinTopscalls(t *testing.T) {
	reg, _ := testRegistry(t, nil)
	out, err := runSynthetic(t, reg, 12, [2]string{"topscalls", ""})
	if err != nil {
		t.Fatal(err)
	}
	want := "# Calls             Syscall             \n" + strings.Repeat("-", 80) + "\n8                   open\n4                   close\n"
	if out != want {
		t.Errorf("output:\n%q\nwant:\n%q", out, want)
	}
}

func TestChiselErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		args string
		// want is the error text: its first line, or all of it.
		want string
		// stack lists strings the error must also contain.
		stack []string
	}{
		{
			name: "syntax error",
			src:  "module.exports = {\n  description: 'x',\n  onEvent() { let = ; },\n};\n",
			want: "chisel: DIR/broken.js:3:21: syntax error: Unexpected token ;",
		},
		{
			name: "syntax error on the first line",
			src:  "module.exports = { description: 'x' ;",
			want: "chisel: DIR/broken.js:1:37: syntax error: Unexpected token ;",
		},
		{
			name:  "throw in onEvent",
			src:   "module.exports = {\n  description: 'x',\n  onEvent() { boom(); },\n};\nfunction boom() {\n  throw new Error('boom');\n}\n",
			want:  "chisel: DIR/broken.js:6:9: onEvent (event 1): Error: boom",
			stack: []string{"\tat boom (DIR/broken.js:6:9)", "\tat onEvent (DIR/broken.js:3:19)"},
		},
		{
			name:  "type error in onCaptureEnd",
			src:   "module.exports = {\n  description: 'x',\n  onCaptureEnd() { null.x; },\n};\n",
			want:  "chisel: DIR/broken.js:3:25: onCaptureEnd: TypeError: Cannot read property 'x' of undefined",
			stack: []string{"\tat onCaptureEnd (DIR/broken.js:3:25)"},
		},
		{
			name: "throw at load",
			src:  "throw new Error('no');",
			want: "chisel: DIR/broken.js:1:7: Error: no",
		},
		{
			name: "no description",
			src:  "module.exports = {};",
			want: "chisel: DIR/broken.js: module.exports.description is missing",
		},
		{
			name: "callback not a function",
			src:  "module.exports = { description: 'x', onEvent: 3 };",
			want: "chisel: DIR/broken.js: module.exports.onEvent is not a function",
		},
		{
			name: "unknown field",
			src:  "module.exports = { description: 'x', onInit() { chisel.requestField('foo.bar'); } };",
			want: "chisel requesting nonexistent field foo.bar",
		},
		{
			name: "bad filter",
			src:  "module.exports = { description: 'x', onInit() { chisel.setFilter('proc.name'); } };",
			want: "invalid filter in chisel broken: filter error at position 9: filter error: unrecognized comparison operator after proc.name",
		},
		{
			name: "bad formatter",
			src:  "module.exports = { description: 'x', onInit() { chisel.setEventFormatter('%foo.bar'); } };",
			want: "invalid event formatter in chisel broken: invalid formatting token foo.bar",
		},
		{
			name: "init fails",
			src:  "module.exports = { description: 'x', onInit() { return false; } };",
			want: "init() for chisel broken failed.",
		},
		{
			name: "set arg fails",
			src:  "module.exports = { description: 'x', args: [{name: 'a'}], onSetArg() { return false; } };",
			args: "v",
			want: "set_arg() for chisel broken failed.",
		},
		{
			name: "too many arguments",
			src:  "module.exports = { description: 'x', args: [{name: 'a', optional: true}] };",
			args: "a b c",
			want: "too many parameters for chisel broken, 0 required, 1 optional, 3 given",
		},
		{
			name: "unknown module",
			src:  "require('nosuch'); module.exports = { description: 'x' };",
			want: "module nosuch not found",
		},
		{
			name: "event API outside an event",
			src:  "module.exports = { description: 'x', onInit() { evt.getNum(); } };",
			want: "invalid call to evt.getNum()",
		},
		{
			name: "exec of a missing chisel",
			src:  "module.exports = { description: 'x', onInit() { chisel.exec('nosuch', 'a'); } };",
			want: "chisel: can't open file nosuch",
		},
		{
			name: "infinite exec",
			src:  "module.exports = { description: 'x', onInit() { chisel.exec('broken'); } };",
			want: "chisel: DIR/broken.js: onInit: chisel.exec nested too deeply",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, dir := testRegistry(t, map[string]string{"broken": tt.src})
			_, err := runSynthetic(t, reg, 2, [2]string{"broken", tt.args})
			if err == nil {
				t.Fatal("no error")
			}
			msg := strings.ReplaceAll(err.Error(), dir, "DIR")
			first, _, _ := strings.Cut(msg, "\n")
			if first != tt.want {
				t.Errorf("error:\n%s\nwant first line:\n%s", msg, tt.want)
			}
			for _, s := range tt.stack {
				if !strings.Contains(msg, s) {
					t.Errorf("error:\n%s\ndoes not contain %q", msg, s)
				}
			}
		})
	}
}

func TestParseNumericInputExits(t *testing.T) {
	reg, _ := testRegistry(t, nil)
	out, err := runSynthetic(t, reg, 1, [2]string{"spy_users", "x"})
	if !errors.Is(err, ErrExit) {
		t.Fatalf("error %v, want ErrExit", err)
	}
	if out != "Input max_depth must be a number.\n" {
		t.Errorf("output %q", out)
	}
}

func TestNotFound(t *testing.T) {
	reg, dir := testRegistry(t, nil)
	for _, name := range []string{"nosuchchisel", filepath.Join(dir, "missing.js")} {
		_, err := reg.Info(name)
		if !errors.Is(err, ErrNotFound) || err.Error() != "chisel: can't open file "+name {
			t.Errorf("Info(%q) error = %v", name, err)
		}
	}
}

func TestListHidesHiddenAndSorts(t *testing.T) {
	reg, _ := testRegistry(t, map[string]string{
		"zz_mine":   `module.exports = { description: "d", shortDescription: "s", category: "AAA" };`,
		"secret":    `module.exports = { description: "d", hidden: true };`,
		"bad":       `module.exports = {`,
		"lsof":      `module.exports = { description: "d", shortDescription: "mine", category: "System State" };`,
		"not_js.lu": `x`,
	})
	infos, err := reg.List()
	if err == nil || !strings.Contains(err.Error(), "bad.js") {
		t.Errorf("List error = %v, want the broken chisel's", err)
	}
	var names []string
	for _, in := range infos {
		names = append(names, in.Name)
		if in.Name == "secret" || in.Name == "table_generator" {
			t.Errorf("hidden chisel %s listed", in.Name)
		}
		if in.Name == "lsof" && in.ShortDesc != "mine" {
			t.Errorf("lsof is the built-in, want the user's")
		}
	}
	if names[0] != "zz_mine" {
		t.Errorf("first chisel %s, want zz_mine (category AAA)", names[0])
	}
	for i := 1; i < len(infos); i++ {
		a, b := infos[i-1], infos[i]
		if a.Category > b.Category || (a.Category == b.Category && a.Name > b.Name) {
			t.Errorf("%s/%s before %s/%s", a.Category, a.Name, b.Category, b.Name)
		}
	}
}

func TestEndCaptureAndFormatter(t *testing.T) {
	reg, _ := testRegistry(t, map[string]string{
		"stopper": `let n = 0;
module.exports = {
  description: "x",
  onInit() { chisel.setEventFormatter("%evt.num %evt.type"); },
  onEvent() { if (++n === 3) sysdig.endCapture(); return n !== 2; },
  onCaptureEnd() { print("seen " + n); },
};`,
	})
	out, err := runSynthetic(t, reg, 10, [2]string{"stopper", ""})
	if err != nil {
		t.Fatal(err)
	}
	// Event 2 returns false (not formatted); event 3 ends the capture
	// before its formatter runs.
	if want := "1 open\nseen 3\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
}

func TestIntervals(t *testing.T) {
	reg, _ := testRegistry(t, map[string]string{
		"ticks": `module.exports = {
  description: "x",
  onInit() { chisel.setIntervalNs(2500); },
  onInterval(s, ns, delta) { print(s + "." + ns + " " + delta); },
};`,
	})
	out, err := runSynthetic(t, reg, 8, [2]string{"ticks", ""})
	if err != nil {
		t.Fatal(err)
	}
	// Events every 1000ns from 1e9: boundaries at ...2500, ...5000, ...7500.
	if want := "1.3000 0\n1.5000 2000\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
}

func TestPrintAndWrite(t *testing.T) {
	reg, _ := testRegistry(t, map[string]string{
		"p": `module.exports = {
  description: "x",
  onCaptureEnd() { print("a", 1, true, undefined); write("b", 2, "\n"); print(); },
};`,
	})
	out, err := runSynthetic(t, reg, 1, [2]string{"p", ""})
	if err != nil {
		t.Fatal(err)
	}
	if want := "a\t1\ttrue\tundefined\nb2\n\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
}

func TestAggregate(t *testing.T) {
	reg, _ := testRegistry(t, map[string]string{
		"agg": `let t;
module.exports = {
  description: "x",
  onInit() { t = chisel.aggregate(["evt.type", "evt.dir"], "evt.count"); },
  onCaptureEnd() {
    const { topByValue } = require("common");
    for (const [k, v] of topByValue(t, 0)) print(k.split("\x01\x01").join("|"), v);
    print("size", t.size());
    t.clear();
    print("size", t.size());
  },
};`,
	})
	out, err := runSynthetic(t, reg, 12, [2]string{"agg", ""})
	if err != nil {
		t.Fatal(err)
	}
	if want := "open|<\t4\nopen|>\t4\nclose|>\t2\nclose|<\t2\nsize\t3\nsize\t0\n"; out != want {
		// ties ordered by key: "close|<" < "close|>"
		if want2 := "open|<\t4\nopen|>\t4\nclose|<\t2\nclose|>\t2\nsize\t4\nsize\t0\n"; out != want2 {
			t.Errorf("output %q", out)
		}
	}
}

func TestNoGoPanics(t *testing.T) {
	// Host functions called with nonsense must throw, not crash.
	calls := []string{
		"chisel.requestField()", "chisel.requestField(null)", "evt.field('x')", "chisel.exec()",
		"sysdig.getThreadTable({})", "sysdig.setOutputFormat('nope')", "require()", "chisel.aggregate(5, 'evt.num')",
		"chisel.aggregate([], 'evt.num')", "require('common').printSortedTable(1, 2, 3, 4, 5)",
		"require('common').topByValue(null)", "require('common').sprintf()", "sysdig.getMachineInfo()",
	}
	for _, call := range calls {
		t.Run(call, func(t *testing.T) {
			reg, _ := testRegistry(t, map[string]string{
				"p": "module.exports = { description: 'x', onCaptureEnd() { try { " + call + "; } catch (e) { print('caught'); } } };",
			})
			if _, err := runSynthetic(t, reg, 1, [2]string{"p", ""}); err != nil {
				t.Fatalf("%s: %v", call, err)
			}
		})
	}
}

func TestDocExampleIsValid(t *testing.T) {
	data, err := os.ReadFile("../docs/chisels.md")
	if err != nil {
		t.Fatal(err)
	}
	// The complete example is the first ```js block.
	doc := string(data)
	start := strings.Index(doc, "```js\n")
	end := strings.Index(doc[start+6:], "```")
	if start < 0 || end < 0 {
		t.Fatal("no js example in docs/chisels.md")
	}
	reg, _ := testRegistry(t, map[string]string{"example": doc[start+6 : start+6+end]})
	if _, err := runSynthetic(t, reg, 12, [2]string{"example", ""}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Info("example"); err != nil {
		t.Fatal(err)
	}
}

var _ = io.Discard
