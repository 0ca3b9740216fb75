package doctor

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"xtrace/internal/linux"
	"xtrace/internal/testutil"
)

// simEnv makes the test binary run the doctor in a simulated environment
// and print its report: "seccomp" installs a filter that denies ptrace and
// process_vm_readv first (as a container profile does), "plain" runs it
// as it is (started as another user by the test).
const simEnv = "XTRACE_DOCTOR_TEST_SIM"

func TestMain(m *testing.M) {
	if os.Getenv(ChildEnv) != "" {
		RunChild()
	}
	switch os.Getenv(simEnv) {
	case "":
		os.Exit(m.Run())
	case "seccomp":
		if err := denyPtrace(); err != nil {
			fmt.Println("installing the filter:", err)
			os.Exit(3)
		}
	case "noproc":
		// In a mount namespace of its own (see TestNoProc): hide /proc
		// under an empty tmpfs, as a container that masks it does.
		if err := unix.Mount("", "/", "", unix.MS_PRIVATE|unix.MS_REC, ""); err != nil {
			fmt.Println("mount:", err)
			os.Exit(3)
		}
		if err := unix.Mount("tmpfs", "/proc", "tmpfs", 0, ""); err != nil {
			fmt.Println("mount:", err)
			os.Exit(3)
		}
	}
	if Report(os.Stdout, Run(Options{})) {
		os.Exit(0)
	}
	os.Exit(1)
}

// denyPtrace installs, on every thread, a seccomp filter returning EPERM
// for ptrace and process_vm_readv.
func denyPtrace() error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	return linux.SeccompSetModeFilterAllThreads(linux.DenyProgram(unix.EPERM, unix.SYS_PTRACE, unix.SYS_PROCESS_VM_READV))
}

// runSim runs the test binary in simulation mode and returns its report
// and exit status.
func runSim(t *testing.T, mode string, cred *syscall.Credential, bin string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), simEnv+"="+mode)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if mode == "noproc" {
		cmd.SysProcAttr.Unshareflags = syscall.CLONE_NEWNS
	}
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", bin, err)
	}
	return string(out), code
}

func lineOf(t *testing.T, report, name string) string {
	t.Helper()
	for _, l := range strings.Split(report, "\n") {
		if len(l) > 9 && strings.HasPrefix(l[9:], name+" ") {
			return l
		}
	}
	t.Fatalf("no %q line in:\n%s", name, report)
	return ""
}

func TestHere(t *testing.T) {
	checks := Run(Options{})
	if len(checks) != 9 {
		t.Fatalf("got %d checks, want 9", len(checks))
	}
	for _, c := range checks {
		if c.Status == Blocked && c.Fix == "" {
			t.Errorf("blocked check without a fix: %s", c)
		}
		if strings.Contains(c.String(), "\n") {
			t.Errorf("check is not one line: %q", c)
		}
	}
}

// TestSeccompDeniesPtrace runs the doctor under a filter that denies
// ptrace and process_vm_readv, as Docker's default profile does without
// CAP_SYS_PTRACE on old kernels.
func TestSeccompDeniesPtrace(t *testing.T) {
	out, code := runSim(t, "seccomp", nil, os.Args[0])
	if code != 1 {
		t.Fatalf("exit status %d, want 1; report:\n%s", code, out)
	}
	for name, want := range map[string]string{
		"ptrace":           "blocked  ptrace           PTRACE_SEIZE of a child: operation not permitted: a seccomp profile on xtrace",
		"process_vm_readv": "blocked  process_vm_readv operation not permitted: a seccomp profile",
		"attach (-p)":      "blocked  attach (-p)      needs ptrace",
	} {
		l := lineOf(t, out, name)
		if !strings.HasPrefix(l, want) {
			t.Errorf("%s line:\n got %q\nwant prefix %q", name, l, want)
		}
		if name != "attach (-p)" && !strings.Contains(l, "fix: docker run --cap-add=SYS_PTRACE") {
			t.Errorf("%s line names no fix: %q", name, l)
		}
	}
	if l := lineOf(t, out, "seccomp"); !strings.HasPrefix(l, "ok ") || !strings.Contains(l, "runs under 1 filters") {
		t.Errorf("seccomp line: %q", l)
	}
}

// TestUnprivileged runs the doctor as nobody: recording works (exit 0),
// attaching to others' processes and setuid privileges are limited.
func TestUnprivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.SkipOrFail(t, "needs root to start a process as nobody")
	}
	dir, err := os.MkdirTemp("", "doctor")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "doctor.test")
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	out, code := runSim(t, "plain", &syscall.Credential{Uid: 65534, Gid: 65534}, bin)
	if code != 0 {
		t.Fatalf("exit status %d, want 0; report:\n%s", code, out)
	}
	for name, want := range map[string]string{
		"ptrace":      "ok       ptrace           a child can be seized",
		"attach (-p)": "limited  attach (-p)      no CAP_SYS_PTRACE",
		"setuid":      "limited  setuid           without CAP_SYS_ADMIN the command runs with no_new_privs",
	} {
		if l := lineOf(t, out, name); !strings.HasPrefix(l, want) {
			t.Errorf("%s line:\n got %q\nwant prefix %q", name, l, want)
		}
	}
}

// TestNoProc runs the doctor with /proc hidden under an empty tmpfs (in a
// mount namespace of its own): /proc blocks recording, ptrace still works.
func TestNoProc(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.SkipOrFail(t, "needs root for a mount namespace")
	}
	out, code := runSim(t, "noproc", nil, os.Args[0])
	if code != 1 {
		t.Fatalf("exit status %d, want 1; report:\n%s", code, out)
	}
	if l := lineOf(t, out, "/proc"); !strings.HasPrefix(l, "blocked  /proc            /proc is not readable: open /proc/self/status: no such file or directory; fix: mount proc") {
		t.Errorf("/proc line: %q", l)
	}
	if l := lineOf(t, out, "ptrace"); !strings.HasPrefix(l, "ok       ptrace") {
		t.Errorf("ptrace line: %q", l)
	}
}

// TestProc simulates a missing /proc and one mounted with hidepid.
func TestProc(t *testing.T) {
	empty := t.TempDir()
	hidden := t.TempDir()
	os.MkdirAll(filepath.Join(hidden, "self"), 0o755)
	os.WriteFile(filepath.Join(hidden, "self/status"), []byte("Name:\tx\nCapEff:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n"), 0o644)
	os.WriteFile(filepath.Join(hidden, "self/mountinfo"), []byte("22 27 0:21 / /proc rw,nosuid - proc proc rw,hidepid=invisible\n"), 0o644)
	tests := []struct {
		name, root string
		euid       int
		want       Check
	}{
		{"missing", empty, 1000, Check{Name: "/proc", Status: Blocked,
			Detail: empty + " is not readable: open " + empty + "/self/status: no such file or directory",
			Fix:    "mount proc on /proc (mount -t proc proc /proc; docker: do not mask it)"}},
		{"hidepid", hidden, 1000, Check{Name: "/proc", Status: Limited,
			Detail: "mounted with hidepid=invisible: the capture header lists only your own processes",
			Fix:    "run as root, or mount proc without hidepid (or with gid= of a group you are in)"}},
		{"hidepid-root", hidden, 0, Check{Name: "/proc", Detail: "mounted with hidepid=invisible (root sees every process)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts{yama: -1}
			status, err := os.ReadFile(filepath.Join(tt.root, "self/status"))
			f.procErr = err
			if err == nil {
				f.hidepid, f.procErr = procHidepid(tt.root)
				_ = status
			}
			f.euid = tt.euid
			if got := procCheck(&f, tt.root); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	// The whole run with no /proc blocks recording.
	if Works(Run(Options{ProcRoot: empty})) {
		t.Error("Run with an empty proc root works, want blocked")
	}
}

func TestYama(t *testing.T) {
	tests := []struct {
		yama   int
		cap    bool
		attach Status
	}{
		{-1, false, Limited}, {0, false, Limited}, {1, false, Limited}, {1, true, OK}, {2, false, Blocked},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.yama, tt.cap), func(t *testing.T) {
			f := facts{yama: tt.yama, capPtrace: tt.cap}
			if got := attachCheck(&f); got.Status != tt.attach {
				t.Errorf("attach: %s, want %s", got, tt.attach)
			}
		})
	}
	f := facts{yama: 3, seizeErr: unix.EPERM}
	if got := ptraceCheck(&f); got.Status != Blocked || !strings.Contains(got.Detail, "ptrace_scope=3") || !strings.Contains(got.Fix, "reboot") {
		t.Errorf("yama 3: %s", got)
	}
}
