package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"xtrace/internal/testutil"
)

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := printVersion(&out); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^xtrace version \S+\ngo: go1\.\d+\S* linux/\w+\nevent table: sysdig 0\.29\.3 scap format \(falcosecurity/libs e5c53d64\), \d{3,} event types, \d+ x86_64 syscalls with named events, fingerprint [0-9a-f]{12}\n$`)
	if !re.MatchString(out.String()) {
		t.Errorf("--version:\n%s", out.String())
	}
}

// TestManPage checks that every flag --help shows is in the man page,
// under its group, and that groff renders it without warnings.
func TestManPage(t *testing.T) {
	var out bytes.Buffer
	if err := writeManPage(&out); err != nil {
		t.Fatal(err)
	}
	page := out.String()
	app, err := model()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range visibleFlags(app) {
		if !strings.Contains(page, `\fB`+roffEscape("--"+f.Name)+`\fR`) {
			t.Errorf("--%s missing from the man page", f.Name)
		}
	}
	for _, sec := range []string{".SH FAULT INJECTION", ".SH FLIGHT RECORDER", ".SH STRACE\\-STYLE OUTPUT", ".SH OPTIONS", ".SH FILTER"} {
		if !strings.Contains(page, sec+"\n") {
			t.Errorf("no %q section", sec)
		}
	}
	groff := testutil.LookTool(t, "groff") // make deps installs it
	cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z")
	cmd.Stdin = strings.NewReader(page)
	msg, err := cmd.CombinedOutput()
	if err != nil || len(msg) > 0 {
		t.Errorf("groff: %v: %s", err, msg)
	}
}

// TestBashCompletion runs the bash completion function on a few command
// lines: fields after -p %, chisels after -c, flags, and commands after --.
func TestBashCompletion(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		testutil.SkipOrFail(t, "bash not installed")
	}
	bin := recXtraceBin(t)
	script := filepath.Join(t.TempDir(), "xtrace.bash")
	var out bytes.Buffer
	if err := writeCompletion(&out, "bash"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(script, out.Bytes(), 0o644)
	tests := []struct {
		words []string
		want  string
	}{
		{[]string{"xtrace", "-r", "x.scap", "-p", "%proc.name %evt.ty"}, "%proc.name %evt.type"},
		{[]string{"xtrace", "-r", "x.scap", "-c", "spy_"}, "spy_file"},
		{[]string{"xtrace", "--inj"}, "--inject"},
		{[]string{"xtrace", "--str"}, "--strace"},
		{[]string{"xtrace", "fd.na"}, "fd.name"},
		{[]string{"xtrace", "--color", "al"}, "always"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.words, " "), func(t *testing.T) {
			var quoted []string
			for _, w := range tt.words {
				quoted = append(quoted, "'"+w+"'")
			}
			prog := "source " + script + "; COMP_WORDS=(" + strings.Join(quoted, " ") + "); COMP_CWORD=" +
				strconv.Itoa(len(tt.words)-1) + "; _xtrace; printf '%s\\n' \"${COMPREPLY[@]}\""
			cmd := exec.Command("bash", "-c", prog)
			cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"))
			got, err := cmd.Output()
			if err != nil {
				t.Fatalf("bash: %v", err)
			}
			if !strings.Contains("\n"+string(got), "\n"+tt.want+"\n") {
				t.Errorf("completions %q, want %q among them", got, tt.want)
			}
		})
	}
	for _, sh := range []string{"zsh", "fish"} {
		if _, err := exec.LookPath(sh); err != nil {
			continue
		}
		var s bytes.Buffer
		writeCompletion(&s, sh)
		cmd := exec.Command(sh, "-n")
		cmd.Stdin = &s
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v: %s", sh, err, msg)
		}
	}
}
