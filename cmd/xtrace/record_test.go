package main

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/agent"
	"xtrace/event"
	"xtrace/inspect"
	"xtrace/internal/capturetest"
	"xtrace/internal/testutil"
	"xtrace/scap"
)

// Recording tests run the real binary against real workloads and check the
// captures with the oracles: Debian's sysdig 0.29.3 must read them and
// print what `xtrace -r` prints, tshark must read one frame per event,
// and the syscalls must agree with strace -f on the same recWorkload. They
// need root (or ptrace rights over children), gcc, sysdig, tshark and
// strace; without them they skip, unless CI=true, where a skip fails.

var (
	recBuildOnce sync.Once
	recBuiltBin  string
	recBuildErr  error
	recBuildDir  string
)

// recXtraceBin builds the xtrace binary once per test process.
func recXtraceBin(t *testing.T) string {
	t.Helper()
	recBuildOnce.Do(func() {
		recBuildDir, recBuildErr = os.MkdirTemp("", "xtrace-test-bin")
		if recBuildErr != nil {
			return
		}
		recBuiltBin = filepath.Join(recBuildDir, "xtrace")
		out, err := exec.Command("go", "build", "-o", recBuiltBin, ".").CombinedOutput()
		if err != nil {
			recBuildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
		// Other users (the unprivileged test) must reach it.
		os.Chmod(recBuildDir, 0o755)
	})
	if recBuildErr != nil {
		t.Fatal(recBuildErr)
	}
	return recBuiltBin
}

// recRequireTracing skips when this process cannot ptrace its children.
func recRequireTracing(t *testing.T) {
	t.Helper()
	bin := recXtraceBin(t)
	out, err := exec.Command(bin, "-q", "-w", "/dev/null", "--", "true").CombinedOutput()
	if err != nil {
		testutil.SkipOrFail(t, fmt.Sprintf("tracing not available here: %v: %s", err, out))
	}
}

// recResult is one run of a command.
type recResult struct {
	stdout, stderr string
	code           int
}

// recTimeout bounds one recRun: a run that hangs fails with the state of
// its process tree and xtrace's goroutines instead of stalling the suite.
const recTimeout = 3 * time.Minute

func recRun(t *testing.T, dir string, env []string, name string, args ...string) recResult {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	// A descendant left holding stdout (a daemon) may keep Wait waiting
	// this long after the command exited.
	cmd.WaitDelay = recTimeout
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var hung string
	timer := time.AfterFunc(recTimeout, func() {
		// Say where everything is, then end it: SIGABRT makes a Go
		// program print its goroutines.
		tree := testutil.ProcessTree(cmd.Process.Pid)
		hung = testutil.DescribeProcesses(tree)
		cmd.Process.Signal(unix.SIGABRT)
		time.Sleep(2 * time.Second)
		for _, pid := range tree {
			unix.Kill(pid, unix.SIGKILL)
		}
	})
	err := cmd.Wait()
	if !timer.Stop() {
		t.Fatalf("%s %s: still running after %v; its processes then:\n%s\nstderr:\n%s", name, strings.Join(args, " "), recTimeout, hung, se.String())
	}
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil // it exited 0; what a descendant wrote later is lost
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return recResult{so.String(), se.String(), code}
}

// recWorkload is one recorded scenario.
type recWorkload struct {
	name string
	// c holds C sources compiled with gcc into the work dir (name →
	// source); script files are written as is.
	c      map[string]string
	files  map[string]string
	argv   []string
	code   int      // expected exit status
	failed bool     // the recWorkload has failing syscalls (evt.failed=true)
	etc    bool     // it opens something under /etc
	want   []string // regexps that some sysdig line must match
	// ptraceOnly and agentOnly must match in a capture of that backend:
	// what only ptrace sees (an interrupted call's restart code, the
	// delivery of a stop signal) and how the agent shows the same
	// (docs/agent.md).
	ptraceOnly, agentOnly []string
	// strace: compare syscall counts and results with strace -f.
	strace bool
}

const recFileIOC = `#include <fcntl.h>
#include <unistd.h>
#include <string.h>
#include <stdio.h>
#include <sys/uio.h>
#include <sys/stat.h>
int main(void) {
	int fd = open("data.txt", O_CREAT|O_TRUNC|O_WRONLY, 0640);
	write(fd, "hello file\n", 11);
	struct iovec iov[2] = {{"abc", 3}, {"defgh\n", 6}};
	writev(fd, iov, 2);
	pwrite(fd, "XY", 2, 1);
	close(fd);
	fd = openat(AT_FDCWD, "data.txt", O_RDONLY);
	char buf[64];
	read(fd, buf, sizeof buf);
	lseek(fd, 0, SEEK_SET);
	char a[4], b[8];
	struct iovec r[2] = {{a, 4}, {b, 8}};
	readv(fd, r, 2);
	pread(fd, buf, 5, 2);
	close(fd);
	open("/nonexistent/x", O_RDONLY);
	open("/etc/hostname", O_RDONLY);
	int d = dup(1); dup2(d, 10); close(d); close(10);
	mkdir("dd", 0755); rmdir("dd");
	rename("data.txt", "data2.txt"); unlink("data2.txt");
	int p[2]; pipe(p); write(p[1], "x", 1); read(p[0], buf, 1);
	return 3;
}
`

const recThreadsC = `#include <pthread.h>
#include <unistd.h>
#include <fcntl.h>
static void *worker(void *arg) {
	int fd = open("/etc/hostname", O_RDONLY);
	char b[16]; read(fd, b, sizeof b); close(fd);
	return NULL;
}
int main(void) {
	pthread_t t[4];
	for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
	write(1, "done\n", 5);
	return 0;
}
`

const recNetC = `#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
int main(int argc, char **argv) {
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET; a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr*)&a, sizeof a);
	socklen_t al = sizeof a;
	getsockname(s, (struct sockaddr*)&a, &al);
	listen(s, 5);
	pid_t c = fork();
	if (c == 0) {
		int k = socket(AF_INET, SOCK_STREAM, 0);
		connect(k, (struct sockaddr*)&a, sizeof a);
		send(k, "ping", 4, 0);
		char b[8]; recv(k, b, sizeof b, 0);
		struct msghdr m = {0}; struct iovec v = {"msg!", 4}; m.msg_iov = &v; m.msg_iovlen = 1;
		sendmsg(k, &m, 0);
		close(k); _exit(0);
	}
	struct sockaddr_in peer; socklen_t pl = sizeof peer;
	int c2 = accept4(s, (struct sockaddr*)&peer, &pl, 0);
	char b[8]; recvfrom(c2, b, sizeof b, 0, NULL, NULL);
	sendto(c2, "pong", 4, 0, NULL, 0);
	struct msghdr m = {0}; struct iovec v = {b, 8}; m.msg_iov = &v; m.msg_iovlen = 1;
	recvmsg(c2, &m, 0);
	int sp[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sp); write(sp[0], "u", 1);
	int us = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un ua = {AF_UNIX, "/nonexistent.sock"};
	connect(us, (struct sockaddr*)&ua, sizeof ua);
	waitpid(c, NULL, 0);
	shutdown(c2, SHUT_RDWR);
	return 0;
}
`

const recSegvC = `#include <pthread.h>
#include <unistd.h>
static void *w(void *a) { sleep(10); return 0; }
int main(void) { pthread_t t; pthread_create(&t, 0, w, 0); usleep(20000); *(volatile int *)0 = 1; return 0; }
`

const recQuirksC = `#define _GNU_SOURCE
#include <pthread.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
static void h(int s) { (void)s; }
static void *execer(void *a) {
	usleep(20000);
	execl("/bin/echo", "echo", "exec-from-thread", NULL);
	return NULL;
}
int main(int argc, char **argv) {
	pid_t v = vfork();
	if (v == 0) { execl("/bin/true", "true", NULL); _exit(127); }
	waitpid(v, NULL, 0);
	pid_t d = fork();
	if (d == 0) {
		setsid();
		if (fork() == 0) { usleep(50000); _exit(0); }
		_exit(0);
	}
	waitpid(d, NULL, 0);
	pid_t s = fork();
	if (s == 0) { raise(SIGSTOP); _exit(4); }
	int st; waitpid(s, &st, WUNTRACED);
	if (!WIFSTOPPED(st)) return 10;
	kill(s, SIGCONT); waitpid(s, &st, 0);
	if (WEXITSTATUS(st) != 4) return 11;
	struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = h; sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, 0);
	int p[2]; pipe(p);
	pid_t k = fork();
	if (k == 0) { usleep(30000); kill(getppid(), SIGUSR1); usleep(30000); write(p[1], "z", 1); _exit(0); }
	char c; read(p[0], &c, 1);
	waitpid(k, NULL, 0);
	usleep(80000); /* the daemon ends */
	pthread_t t; pthread_create(&t, 0, execer, 0);
	pause();
	return 12;
}
`

var recWorkloads = []recWorkload{
	{
		name:   "pipeline",
		argv:   []string{"/bin/sh", "-c", "cat /etc/hostname | tr a-z A-Z | wc -c"},
		etc:    true,
		want:   []string{`< clone res=\d+`, `< clone res=0 `, `< pipe res=0 fd1=\d+\(<p>\) fd2=\d+\(<p>\)`, `> execve filename=/usr/bin/tr`, `procexit status=0`},
		strace: true,
	},
	{
		name:   "fileio",
		c:      map[string]string{"fileio": recFileIOC},
		argv:   []string{"./fileio"},
		code:   3,
		failed: true,
		etc:    true,
		want: []string{
			`< openat fd=3\(<f>/\S+/data.txt\) dirfd=-100\(AT_FDCWD\) name=data.txt\(/\S+/data.txt\) flags=262\(O_TRUNC\|O_CREAT\|O_WRONLY\) mode=0640 dev=`,
			`< writev res=9 data=abcdefgh\. `,
			`< readv res=12 size=12 data=hXYlo file\.a `,
			`< openat fd=-2\(ENOENT\) dirfd=-100\(AT_FDCWD\) name=/nonexistent/x`,
			`< pwrite res=2 data=XY `,
			`< rename res=0 oldpath=data.txt\(\S+\) newpath=data2.txt`,
			`procexit status=768 ret=3 sig=0 core=0`,
		},
		strace: true,
	},
	{
		name:   "forkexec",
		files:  map[string]string{"script.sh": "#!/bin/sh\nfor i in 1 2 3; do /bin/true; done\n(sleep 0.05; echo child) &\nwait\nls /etc/hostname >/dev/null\nexit 0\n"},
		argv:   []string{"/bin/sh", "./script.sh"},
		etc:    true,
		want:   []string{`> execve filename=/bin/true`, `< execve res=0 exe=/bin/true`, `signaldeliver spid=\d+ dpid=\d+\(sh\) sig=17\(SIGCHLD\)`},
		strace: true,
	},
	{
		name:   "threads",
		c:      map[string]string{"threads": recThreadsC},
		argv:   []string{"./threads"},
		etc:    true,
		want:   []string{`< clone3 res=0 .*flags=41990659\(CLONE_FILES\|CLONE_FS\|CLONE_PARENT_SETTID\|CLONE_SIGHAND\|CLONE_SYSVSEM\|CLONE_THREAD\|CLONE_VM\|CLONE_CHILD_CLEARTID\|CLONE_SETTLS\)`, `> exit `},
		strace: true,
	},
	{
		name:   "net",
		c:      map[string]string{"net": recNetC},
		argv:   []string{"./net"},
		failed: true,
		want: []string{
			`< connect res=0 tuple=127.0.0.1:\d+->127.0.0.1:\d+`,
			`< accept fd=\d+\(<4t>127.0.0.1:\d+->127.0.0.1:\d+\) tuple=127.0.0.1:\d+->127.0.0.1:\d+ queuepct=0 queuelen=0 queuemax=5`,
			`< recvfrom res=4 data=ping tuple=NULL`,
			`< recvmsg res=4 size=4 data=msg! tuple=NULL`,
			`< socketpair res=0 fd1=\d+\(<u>\) fd2=\d+\(<u>\) source=[0-9A-F]+ peer=[0-9A-F]+`,
			`< connect res=-2\(ENOENT\) tuple=0->[0-9a-f]+ /nonexistent.sock`,
			`< shutdown res=0`,
		},
		strace: true,
	},
	{
		name: "quirks",
		c:    map[string]string{"quirks": recQuirksC},
		argv: []string{"./quirks"},
		want: []string{
			`< vfork res=0 `, `< vfork res=\d+`,
			`< setsid res=\d+`,
			`> procexit status=1024 ret=4 `,
			`> signaldeliver spid=0 dpid=\d+\(quirks\) sig=10\(SIGUSR1\)`,
			`> execve filename=/bin/echo`,
			`< execve res=0 exe=echo args=exec-from-thread\. `,
		},
		// ptrace writes the parent's vfork exit at its vfork event stop,
		// usually before the child runs (so the child is still
		// "quirks"); under load it may take the child's stops first,
		// which run it to its exec of true. (The agent runs vfork as
		// fork: the child may have exec'd.)
		ptraceOnly: []string{`> signaldeliver spid=0 dpid=\d+\(quirks\) sig=19\(SIGSTOP\)`, `< read res=-512\(ERESTARTSYS\)`,
			`< vfork res=\d+\((quirks|true)\)`},
		// The read a handler interrupted, restarted: one call.
		agentOnly: []string{`< read res=1 data=z`},
	},
	{
		name: "killed",
		c:    map[string]string{"segv": recSegvC},
		argv: []string{"./segv"},
		code: 128 + 11,
		want: []string{
			`> signaldeliver spid=0 dpid=\d+\(segv\) sig=11\(SIGSEGV\)`,
			`> procexit status=(11|139) ret=0 sig=11\(SIGSEGV\)`,
			`> signaldeliver spid=0 dpid=\d+\(segv\) sig=9\(SIGKILL\)`,
		},
	},
}

// recPrepare writes and compiles a recWorkload's files into dir.
func recPrepare(t *testing.T, w *recWorkload, dir string) {
	t.Helper()
	for name, src := range w.files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, src := range w.c {
		cf := filepath.Join(dir, name+".c")
		if err := os.WriteFile(cf, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("gcc", "-O0", "-pthread", "-o", filepath.Join(dir, name), cf).CombinedOutput()
		if err != nil {
			t.Fatalf("gcc %s: %v\n%s", name, err, out)
		}
	}
}

// recEachWorkload runs fn for every recording workload in a subtest, with
// its files prepared in a fresh directory.
// recProgram sets up a test that records a C program of its own: gcc and
// the other tools it needs, tracing, xtrace's binary, and a directory
// holding src built as name.
func recProgram(t *testing.T, name, src string, tools ...string) (bin, dir string) {
	t.Helper()
	testutil.RequireTools(t, append([]string{"gcc"}, tools...)...)
	recRequireTracing(t)
	bin = recXtraceBin(t)
	dir = t.TempDir()
	w := recWorkload{c: map[string]string{name: src}}
	recPrepare(t, &w, dir)
	return bin, dir
}

func recEachWorkload(t *testing.T, fn func(t *testing.T, w *recWorkload, dir string)) {
	for i := range recWorkloads {
		w := &recWorkloads[i]
		t.Run(w.name, func(t *testing.T) {
			dir := t.TempDir()
			recPrepare(t, w, dir)
			fn(t, w, dir)
		})
	}
}

func TestRecordWorkloads(t *testing.T) {
	testutil.RequireTools(t, "gcc", "sysdig", "tshark", "strace")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	recEachWorkload(t, func(t *testing.T, w *recWorkload, dir string) {
		for _, z := range []bool{false, true} {
			capture := filepath.Join(dir, "out.scap")
			args := []string{"-w", capture, "--"}
			if z {
				capture += ".z"
				args = []string{"-zw", capture, "--"}
			}
			r := recRun(t, dir, nil, bin, append(args, w.argv...)...)
			if r.code != w.code {
				t.Fatalf("exit status %d, want %d\nstderr: %s", r.code, w.code, r.stderr)
			}
			st, err := os.Stat(capture)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("capture mode %v, want 0600", st.Mode().Perm())
			}
			lines := recCheckCapture(t, bin, dir, capture)
			if z {
				continue
			}
			want := w.want
			switch b := recBackend(t, capture); b {
			case "ptrace":
				want = append(want[:len(want):len(want)], w.ptraceOnly...)
			case "agent":
				want = append(want[:len(want):len(want)], w.agentOnly...)
			default:
				t.Errorf("the capture names backend %q", b)
			}
			for _, re := range want {
				if !recMatchAny(lines, re) {
					t.Errorf("no line matches %s", re)
				}
			}
			if w.failed {
				if out := recSysdigLines(t, dir, capture, "evt.failed=true"); len(out) == 0 {
					t.Error("evt.failed=true finds nothing")
				}
			}
			if w.etc {
				out := recSysdigLines(t, dir, capture, "fd.name contains /etc")
				if len(out) == 0 {
					t.Error(`fd.name contains /etc finds nothing`)
				}
				got := recXtraceLines(t, bin, dir, capture, "fd.name contains /etc")
				if strings.Join(got, "\n") != strings.Join(out, "\n") {
					t.Errorf("filter output differs from sysdig's:\n%s", recFirstDiff(out, got))
				}
			}
			if w.strace {
				recCompareStrace(t, dir, w.argv, lines, capture)
			}
		}
	})
}

func recMatchAny(lines []string, re string) bool { return recCount(lines, re) > 0 }

// recCount counts the lines that match re.
func recCount(lines []string, re string) int {
	r := regexp.MustCompile(re)
	n := 0
	for _, l := range lines {
		if r.MatchString(l) {
			n++
		}
	}
	return n
}

func recSysdigLines(t *testing.T, dir, capture string, filter ...string) []string {
	t.Helper()
	r := recRun(t, dir, []string{"TZ=UTC"}, "sysdig", append([]string{"-r", capture}, filter...)...)
	if r.code != 0 {
		t.Fatalf("sysdig -r %s: exit %d: %s", capture, r.code, r.stderr)
	}
	return recSplitLines(r.stdout)
}

// recXtraceLines returns what xtrace -r --sysdig-compat prints for the
// capture: the lines that must equal sysdig's.
func recXtraceLines(t *testing.T, bin, dir, capture string, filter ...string) []string {
	t.Helper()
	r := recRun(t, dir, []string{"TZ=UTC"}, bin, append([]string{"-r", capture, "--sysdig-compat"}, filter...)...)
	if r.code != 0 {
		t.Fatalf("xtrace -r %s: exit %d: %s", capture, r.code, r.stderr)
	}
	return recSplitLines(r.stdout)
}

func recSplitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func recFirstDiff(want, got []string) string {
	for i := 0; i < len(want) || i < len(got); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n sysdig: %q\n xtrace: %q", i+1, w, g)
		}
	}
	return "(same)"
}

// recCheckCapture runs the oracles every capture must pass and returns
// sysdig's lines.
func recCheckCapture(t *testing.T, bin, dir, capture string) []string {
	t.Helper()
	want := recSysdigLines(t, dir, capture)
	if len(want) == 0 {
		t.Fatal("sysdig prints no events")
	}
	got := recXtraceLines(t, bin, dir, capture)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("xtrace -r and sysdig -r differ (%d vs %d lines):\n%s", len(got), len(want), recFirstDiff(want, got))
	}
	// tshark: one frame per event block.
	n := recCountEvents(t, capture)
	r := recRun(t, dir, nil, "tshark", "-r", capture, "-T", "fields", "-e", "frame.number")
	if r.code != 0 {
		t.Fatalf("tshark -r: exit %d: %s", r.code, r.stderr)
	}
	if frames := len(recSplitLines(r.stdout)); frames != n {
		t.Errorf("tshark reads %d frames, the capture has %d events", frames, n)
	}
	return want
}

// recCountEvents counts the event blocks of a capture that tshark shows
// (it skips flagged EVF blocks).
func recCountEvents(t *testing.T, path string) int {
	t.Helper()
	n := 0
	capturetest.Replay(t, capturetest.Open(t, path), nil, func(ev *scap.Event, _ *inspect.Event) bool {
		if ev.DumpFlags == 0 {
			n++
		}
		return true
	})
	return n
}

// recStraceName maps strace's syscall names (the kernel's) to the names
// sysdig prints: the dedicated event's name, or for generic events the
// PPM_SC name ("<unknown>" for syscalls the routing table lacks).
var recStraceName = func() map[string]string {
	m := map[string]string{}
	for _, sc := range event.Syscalls() {
		if sc.Generic() {
			m[sc.Name] = event.SCName(sc.SC)
		} else {
			m[sc.Name] = event.Info(sc.Enter).Name
		}
	}
	return m
}()

var recStraceLine = regexp.MustCompile(`^(\d+) +([a-z0-9_]+)\((.*)`)
var recStraceRet = regexp.MustCompile(`\) += (-?\d+|0x[0-9a-f]+|\?)(?: ([A-Z]+))?`)

// recStraceCall is one syscall as strace printed it.
type recStraceCall struct {
	name, args, ret string
	// sys is the kernel's name of the syscall (name is the one sysdig
	// prints).
	sys string
	pid string
}

// recRunStrace records the recWorkload with strace -f and returns its calls.
func recRunStrace(t *testing.T, dir string, env, argv []string) []recStraceCall {
	t.Helper()
	return recParseStrace(recStraceLog(t, dir, env, argv))
}

// recStraceLog runs argv under strace -f in dir and returns its log lines.
func recStraceLog(t *testing.T, dir string, env, argv []string) []string {
	t.Helper()
	out := filepath.Join(dir, "strace.out")
	recRun(t, dir, env, "strace", append([]string{"-f", "-qq", "-s", "256", "-o", out, "--"}, argv...)...)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(b), "\n")
}

// recParseStrace turns strace -f log lines into calls, an interrupted
// call's result taken from its resumed line.
func recParseStrace(lines []string) []recStraceCall {
	var calls []recStraceCall
	unfinished := map[string]int{} // pid → index of its unfinished call
	resumed := regexp.MustCompile(`^(\d+) +<\.\.\. ([a-z0-9_]+) resumed>(.*)`)
	for _, line := range lines {
		if m := resumed.FindStringSubmatch(line); m != nil {
			if i, ok := unfinished[m[1]]; ok {
				if rm := recStraceRet.FindStringSubmatch(m[3]); rm != nil {
					calls[i].ret = rm[1]
					if rm[2] != "" {
						calls[i].ret = rm[2]
					}
				}
				delete(unfinished, m[1])
			}
			continue
		}
		m := recStraceLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		c := recStraceCall{name: m[2], args: m[3], sys: m[2], pid: m[1]}
		if n, ok := recStraceName[c.name]; ok {
			c.name = n
		}
		if strings.HasSuffix(line, "<unfinished ...>") {
			unfinished[m[1]] = len(calls)
		} else if rm := recStraceRet.FindStringSubmatch(m[3]); rm != nil {
			c.ret = rm[1]
			if rm[2] != "" {
				c.ret = rm[2]
			}
		}
		calls = append(calls, c)
	}
	return calls
}

var recSysdigEnter = regexp.MustCompile(`^\d+ \S+ \d+ \S+ \(\d+\) > (\S+) `)
var recSysdigExitRes = regexp.MustCompile(`^\d+ \S+ \d+ \S+ \(\d+\) < (\S+) (?:res|fd)=(-?\d+)(?:\(([A-Z]+)\))?`)

// recCompareStrace checks the capture against strace -f on the same
// recWorkload: the same number of calls of every syscall, and for the calls
// whose outcome does not depend on timing, the same results.
func recCompareStrace(t *testing.T, dir string, argv, lines []string, capture string) {
	t.Helper()
	calls := recStraceFor(t, dir, argv, capture)
	// Counts of enter events by name (generic events carry the
	// syscall's name; ppm_sc 0 prints "<unknown>").
	ours := map[string]int{}
	results := map[string][]string{}
	for _, l := range lines {
		if m := recSysdigEnter.FindStringSubmatch(l); m != nil {
			ours[m[1]]++
		}
		if m := recSysdigExitRes.FindStringSubmatch(l); m != nil {
			res := m[2]
			if m[3] != "" {
				res = m[3]
			} else if !strings.HasPrefix(res, "-") {
				res = "ok"
			}
			results[m[1]] = append(results[m[1]], res)
		}
	}
	theirs := map[string]int{}
	theirResults := map[string][]string{}
	for _, c := range calls {
		theirs[c.name]++
		if c.ret == "" || c.ret == "?" {
			continue
		}
		res := c.ret
		if !regexp.MustCompile(`^[A-Z]`).MatchString(res) {
			res = "ok"
		}
		theirResults[c.name] = append(theirResults[c.name], res)
	}
	// Syscalls whose number depends on timing or on the tracer.
	volatile := map[string]bool{"wait4": true, "waitid": true, "futex": true, "clock_nanosleep": true,
		"nanosleep": true, "restart_syscall": true, "rt_sigreturn": true, "<unknown>": true, "sched_yield": true,
		"poll": true, "ppoll": true, "select": true, "pselect6": true, "epoll_wait": true, "read": true, "rt_sigprocmask": true,
		"rt_sigaction": true, "kill": true, "tgkill": true, "sigreturn": true}
	for name, n := range theirs {
		if volatile[name] {
			continue
		}
		if ours[name] != n {
			t.Errorf("%s: strace saw %d calls, the capture has %d", name, n, ours[name])
		}
	}
	for name, n := range ours {
		if volatile[name] || name == "procexit" || name == "signaldeliver" {
			continue
		}
		if _, ok := theirs[name]; !ok {
			t.Errorf("%s: %d calls in the capture, none in strace", name, n)
		}
	}
	// Byte counts of data calls, exactly.
	exact := map[string][]string{}
	for _, l := range lines {
		if m := recSysdigExitRes.FindStringSubmatch(l); m != nil {
			exact[m[1]] = append(exact[m[1]], m[2])
		}
	}
	theirExact := map[string][]string{}
	for _, c := range calls {
		if c.ret != "" && c.ret != "?" {
			r := c.ret
			if regexp.MustCompile(`^[A-Z]`).MatchString(r) {
				r = "-" + strconv.Itoa(int(recErrno(r)))
			}
			theirExact[c.name] = append(theirExact[c.name], r)
		}
	}
	for _, name := range []string{"write", "pwrite", "writev", "pread", "sendto", "recvfrom", "sendmsg", "recvmsg"} {
		a, b := append([]string(nil), exact[name]...), append([]string(nil), theirExact[name]...)
		sort.Strings(a)
		sort.Strings(b)
		if strings.Join(a, " ") != strings.Join(b, " ") {
			t.Errorf("%s byte counts differ:\ncapture: %v\nstrace:  %v", name, a, b)
		}
	}
	// openat: the same paths with the same flags (strace's names; the
	// PPM-only O_TMPFILE and O_SYNC quirk bits and O_LARGEFILE left out).
	var ours2, theirs2 []string
	opRe := regexp.MustCompile(`< openat fd=\S+ dirfd=\S+ name=(\S+?)(?:\(\S+\))? flags=\d+\(([A-Z_|]+)\)`)
	for _, l := range lines {
		if m := opRe.FindStringSubmatch(l); m != nil {
			ours2 = append(ours2, m[1]+" "+recFlagSet(m[2]))
		}
	}
	stRe := regexp.MustCompile(`^AT_FDCWD, "([^"]*)", ([A-Z_|]+)`)
	for _, c := range calls {
		if c.name != "openat" {
			continue
		}
		if m := stRe.FindStringSubmatch(c.args); m != nil {
			theirs2 = append(theirs2, m[1]+" "+recFlagSet(m[2]))
		}
	}
	sort.Strings(ours2)
	sort.Strings(theirs2)
	if strings.Join(ours2, "\n") != strings.Join(theirs2, "\n") {
		t.Errorf("openat paths and flags differ:\ncapture:\n%s\nstrace:\n%s", strings.Join(ours2, "\n"), strings.Join(theirs2, "\n"))
	}
	// Results (success or errno name) of the state-changing calls,
	// compared as sorted lists (processes interleave differently).
	for _, name := range []string{"openat", "open", "close", "execve", "pipe", "socket", "bind", "connect",
		"accept", "unlink", "mkdir", "rmdir", "rename", "dup", "socketpair", "shutdown", "write", "writev", "pwrite"} {
		a, b := append([]string(nil), results[name]...), append([]string(nil), theirResults[name]...)
		sort.Strings(a)
		sort.Strings(b)
		if strings.Join(a, " ") != strings.Join(b, " ") {
			t.Errorf("%s results differ:\ncapture: %v\nstrace:  %v", name, a, b)
		}
	}
}

// TestSeedScenario: a recListener outside the trace holds a TCP port; a
// server started under xtrace -zw fails to bind it; the capture shows the
// bind failing with EADDRINUSE, and sysdig's lsof chisel lists the outside
// holder from the capture's fd tables.
func TestSeedScenario(t *testing.T) {
	testutil.RequireTools(t, "sysdig", "tshark", "python3")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	ln, err := recListenTCP()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ln.fd)
	// The holder is this test process itself: outside the traced tree.
	capture := filepath.Join(dir, "out.scap.z")
	script := fmt.Sprintf("import socket\ns = socket.socket()\ns.bind(('127.0.0.1', %d))\n", ln.port)
	r := recRun(t, dir, nil, bin, "-zw", capture, "--", "python3", "-c", script)
	if r.code != 1 || !strings.Contains(r.stderr, "Address already in use") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	lines := recCheckCapture(t, bin, dir, capture)
	if !recMatchAny(lines, fmt.Sprintf(`< bind res=-98\(EADDRINUSE\) addr=127.0.0.1:%d `, ln.port)) {
		t.Error("no bind failing with EADDRINUSE")
	}
	out := recRun(t, dir, []string{"TZ=UTC"}, "sysdig", "-r", capture, "-c", "lsof", fmt.Sprintf("fd.sport=%d", ln.port))
	pid := strconv.Itoa(os.Getpid())
	if !regexp.MustCompile(`(?m)^\S+\s+` + pid + `\s+\d+\s+\S+\s+\d+\s+ipv4\s+127.0.0.1:` + strconv.Itoa(ln.port)).MatchString(out.stdout) {
		t.Errorf("lsof does not list the holder (pid %s):\n%s", pid, out.stdout)
	}
	mine := recRun(t, dir, []string{"TZ=UTC"}, bin, "-r", capture, "-c", "lsof", fmt.Sprintf("fd.sport=%d", ln.port))
	if mine.stdout != out.stdout {
		t.Errorf("xtrace lsof differs from sysdig's:\n%s\nsysdig:\n%s", mine.stdout, out.stdout)
	}
}

// TestServiceApache2 is the seed scenario with the real service, where
// apache2 is installed (make test does not install it): with port 80 held
// by this test process, `xtrace -zw out.scap.z -- service apache2 start`
// records apache2 failing to bind, and lsof on the capture, xtrace's and
// sysdig's, names this process as the holder.
func TestServiceApache2(t *testing.T) {
	if _, err := os.Stat("/usr/sbin/apache2"); err != nil {
		t.Skip("apache2 is not installed")
	}
	testutil.RequireTools(t, "sysdig", "service")
	recRequireTracing(t)
	if os.Getuid() != 0 {
		testutil.SkipOrFail(t, "needs root for port 80")
	}
	bin := recXtraceBin(t)
	dir := t.TempDir()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Port: 80}); err != nil {
		t.Skipf("port 80 is in use: %v", err)
	}
	if err := unix.Listen(fd, 5); err != nil {
		t.Fatal(err)
	}
	// Should the service start after all, xtrace follows it until it
	// ends: stop it.
	stop := time.AfterFunc(60*time.Second, func() { exec.Command("service", "apache2", "stop").Run() })
	defer stop.Stop()
	defer exec.Command("service", "apache2", "stop").Run()
	capture := filepath.Join(dir, "out.scap.z")
	r := recRun(t, dir, nil, bin, "-zw", capture, "--", "service", "apache2", "start")
	if !strings.Contains(r.stdout+r.stderr, "Address already in use") {
		t.Fatalf("exit %d, output %q %q", r.code, r.stdout, r.stderr)
	}
	failed := recRun(t, dir, []string{"TZ=UTC"}, bin, "-r", capture, "proc.name=apache2 and evt.failed=true")
	if !recMatchAny(recSplitLines(failed.stdout), `apache2 \(\d+\) < bind res=-98\(EADDRINUSE\) addr=\S+:80 `) {
		t.Errorf("no failed bind of apache2 in:\n%s", failed.stdout)
	}
	pid := strconv.Itoa(os.Getpid())
	holder := regexp.MustCompile(`(?m)^\S+\s+` + pid + `\s+\d+\s+\S+\s+\d+\s+ipv4\s+0.0.0.0:80$`)
	for _, tool := range []string{bin, "sysdig"} {
		out := recRun(t, dir, []string{"TZ=UTC"}, tool, "-r", capture, "-c", "lsof", "fd.sport=80")
		if !holder.MatchString(out.stdout) {
			t.Errorf("%s lsof does not list the holder (pid %s):\n%s", filepath.Base(tool), pid, out.stdout)
		}
	}
}

type recListener struct{ fd, port int }

func recListenTCP() (recListener, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return recListener{}, err
	}
	sa := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return recListener{}, err
	}
	if err := unix.Listen(fd, 5); err != nil {
		unix.Close(fd)
		return recListener{}, err
	}
	got, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return recListener{}, err
	}
	return recListener{fd: fd, port: got.(*unix.SockaddrInet4).Port}, nil
}

// TestUnprivileged records a command as an ordinary user: the filter then
// needs no_new_privs, which xtrace sets and says so.
func TestUnprivileged(t *testing.T) {
	testutil.RequireTools(t, "sysdig", "tshark", "setpriv")
	recRequireTracing(t)
	if os.Geteuid() != 0 {
		testutil.SkipOrFail(t, "switching to another user needs root")
	}
	bin := recXtraceBin(t)
	dir := recSharedDir(t)
	capture := filepath.Join(dir, "user.scap")
	r := recRun(t, dir, nil, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
		bin, "-w", capture, "--", "/bin/sh", "-c", "id -u; ls / >/dev/null")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if strings.TrimSpace(r.stdout) != "65534" {
		t.Errorf("command output %q, want 65534", r.stdout)
	}
	// Under ptrace the user's filter needs no_new_privs, and xtrace
	// says so; the agent needs no filter.
	if b := recBackend(t, capture); (b == "ptrace") != strings.Contains(r.stderr, "no_new_privs") {
		t.Errorf("backend %s, stderr: %q", b, r.stderr)
	}
	lines := recCheckCapture(t, bin, dir, capture)
	if !recMatchAny(lines, `< execve res=0 exe=ls`) {
		t.Error("no execve of ls")
	}
}

// TestSetuidKeepsPrivileges: under a root tracer, a setuid-root program
// started by an unprivileged process in the traced tree gains root, as it
// does under strace.
func TestSetuidKeepsPrivileges(t *testing.T) {
	testutil.RequireTools(t, "setpriv")
	recRequireTracing(t)
	if os.Geteuid() != 0 {
		testutil.SkipOrFail(t, "needs root")
	}
	bin := recXtraceBin(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	id := recCopyProgram(t, "/usr/bin/id", filepath.Join(dir, "id"), os.ModeSetuid|0o755)
	capture := filepath.Join(dir, "suid.scap")
	r := recRun(t, dir, nil, bin, "-w", capture, "--", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", id, "-u")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if strings.TrimSpace(r.stdout) != "0" {
		t.Errorf("effective uid %q, want 0 (the setuid bit was not honoured)", strings.TrimSpace(r.stdout))
	}
}

// TestCommandNotFound: a clear error and the shell's status 127.
func TestCommandNotFound(t *testing.T) {
	bin := recXtraceBin(t)
	r := recRun(t, t.TempDir(), nil, bin, "-w", "/dev/null", "--", "no-such-command-xyz")
	if r.code != 127 || !strings.Contains(r.stderr, "no-such-command-xyz: command not found") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestInterrupt: SIGTERM to xtrace ends the capture: the command gets the
// signal, the file is complete, one line on stderr says what happened.
func TestInterrupt(t *testing.T) {
	testutil.RequireTools(t, "sysdig")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	capture := filepath.Join(dir, "int.scap.z")
	cmd := exec.Command(bin, "-zw", capture, "--", "sleep", "30")
	var se bytes.Buffer
	cmd.Stderr = &se
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(unix.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("xtrace did not end after SIGTERM")
	}
	if code := cmd.ProcessState.ExitCode(); code != 128+15 {
		t.Errorf("exit %d, want 143", code)
	}
	if !strings.Contains(se.String(), "interrupted by SIGTERM") {
		t.Errorf("stderr %q", se.String())
	}
	lines := recSysdigLines(t, dir, capture)
	if !recMatchAny(lines, `> signaldeliver spid=\d+\(xtrace\) dpid=\d+\(sleep\) sig=15\(SIGTERM\)`) ||
		!recMatchAny(lines, `> procexit status=15 ret=0 sig=15\(SIGTERM\)`) {
		t.Errorf("the capture does not end with the command's death:\n%s", strings.Join(lines[max(0, len(lines)-5):], "\n"))
	}
}

// TestLiveOutput: without -w the events are printed as xtrace -r prints
// the same capture.
func TestLiveOutput(t *testing.T) {
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	r := recRun(t, dir, []string{"TZ=UTC"}, bin, "--", "/bin/cat", "/etc/hostname")
	lines := recSplitLines(r.stdout)
	if !recMatchAny(lines, `^\d+ \d\d:\d\d:\d\d\.\d{9} \d+ cat \(\d+\) < openat fd=3\(<f>/etc/hostname\)`) {
		t.Errorf("no openat of /etc/hostname in:\n%s", r.stdout)
	}
	r = recRun(t, dir, []string{"TZ=UTC"}, bin, "-n", "10", "--", "/bin/true")
	if n := len(recSplitLines(r.stdout)); n != 10 {
		t.Errorf("-n 10 printed %d lines", n)
	}
}

// TestDiskFull: when the disk fills, recording stops with a clear error and
// the file reads up to its last complete block; the command runs on.
func TestDiskFull(t *testing.T) {
	testutil.RequireTools(t, "sysdig")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		testutil.SkipOrFail(t, fmt.Sprintf("cannot mount a small tmpfs: %v", err))
	}
	defer unix.Unmount(dir, 0)
	for _, name := range []string{"full.scap", "full.scap.z"} {
		capture := filepath.Join(dir, name)
		flag := "-w"
		if strings.HasSuffix(name, ".z") {
			flag = "-zw"
		}
		r := recRun(t, dir, nil, bin, flag, capture, "--", "/bin/sh", "-c", "for i in $(seq 3000); do cat /etc/hostname >/dev/null; done; echo finished")
		if r.code != 1 || !strings.Contains(r.stderr, "no space left on device") {
			t.Fatalf("%s: exit %d, stderr %q", name, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "finished") {
			t.Errorf("%s: the command did not run to its end", name)
		}
		m := regexp.MustCompile(`keeps its first (\d+) events`).FindStringSubmatch(r.stderr)
		if m == nil {
			t.Fatalf("%s: stderr %q", name, r.stderr)
		}
		lines := recSysdigLines(t, dir, capture)
		if strconv.Itoa(len(lines)) != m[1] || len(lines) == 0 {
			t.Errorf("%s: sysdig reads %d events, xtrace says %s", name, len(lines), m[1])
		}
		os.Remove(capture)
	}
}

// TestDuration: -M ends the capture after that many seconds; the command
// goes on untroubled and xtrace waits for it.
func TestDuration(t *testing.T) {
	testutil.RequireTools(t, "sysdig")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	capture := filepath.Join(dir, "m.scap")
	start := time.Now()
	r := recRun(t, dir, nil, bin, "-M", "1", "-w", capture, "--", "/bin/sh", "-c", "cat /etc/hostname; sleep 2; echo late >/dev/null")
	if r.code != 0 || !strings.Contains(r.stderr, "capture stopped (duration of 1s reached)") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if time.Since(start) < 2*time.Second {
		t.Error("xtrace did not wait for the command")
	}
	lines := recSysdigLines(t, dir, capture)
	if !recMatchAny(lines, `< openat fd=3\(<f>/etc/hostname\)`) || recMatchAny(lines, `> execve filename=/usr/bin/echo`) {
		t.Errorf("capture does not stop at 1s:\n%s", strings.Join(lines, "\n"))
	}
}

// recFlagSet normalises a |-joined flag list for comparison.
func recFlagSet(s string) string {
	var out []string
	for _, f := range strings.Split(s, "|") {
		switch f {
		case "O_TMPFILE", "O_SYNC", "O_LARGEFILE", "O_NONE":
			continue
		}
		out = append(out, f)
	}
	sort.Strings(out)
	return strings.Join(out, "|")
}

// recErrno returns the number of an errno name.
func recErrno(name string) unix.Errno {
	for e := unix.Errno(1); e < 150; e++ {
		if unix.ErrnoName(e) == name {
			return e
		}
	}
	return 0
}

// TestCaptureFilter: with a filter, -w writes only the matching events as
// events; the state-changing ones are kept too, flagged state-only (as
// sysdig -F keeps them; a recording always does), so a replay still names
// processes and fds.
func TestCaptureFilter(t *testing.T) {
	bin, dir := recProgram(t, "fileio", recFileIOC, "sysdig", "tshark")
	capture := filepath.Join(dir, "f.scap")
	if r := recRun(t, dir, nil, bin, "-w", capture, "evt.type=write", "--", "./fileio"); r.code != 3 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	all := recCheckCapture(t, bin, dir, capture)
	if len(all) == 0 || len(recSysdigLines(t, dir, capture, "evt.type=write")) != len(all) {
		t.Errorf("the capture holds events that do not match:\n%s", strings.Join(all, "\n"))
	}
	fat := filepath.Join(dir, "fat.scap")
	if r := recRun(t, dir, nil, bin, "-F", "-w", fat, "evt.type=write", "--", "./fileio"); r.code != 3 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := recCheckCapture(t, bin, dir, fat)
	if len(lines) != len(all) || !recMatchAny(lines, `fileio \(\d+\) > write fd=3\(<f>/\S+/data.txt\) size=11`) {
		t.Errorf("fat capture prints:\n%s", strings.Join(lines, "\n"))
	}
}

// TestCommandKeepsCPUs: the tracer thread is pinned to its CPU, the
// launched command is not (a multi-threaded command keeps every CPU xtrace
// may use); XTRACE_PIN=tree pins it too.
func TestCommandKeepsCPUs(t *testing.T) {
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	var own unix.CPUSet
	if err := unix.SchedGetaffinity(0, &own); err != nil {
		t.Fatal(err)
	}
	allowed := func(env []string) int {
		r := recRun(t, dir, env, bin, "-q", "-w", filepath.Join(dir, "a.scap"), "--", "/bin/grep", "Cpus_allowed_list", "/proc/self/status")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		n := 0
		for _, part := range strings.Split(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(r.stdout), "Cpus_allowed_list:")), ",") {
			var lo, hi int
			if c, _ := fmt.Sscanf(part, "%d-%d", &lo, &hi); c == 2 {
				n += hi - lo + 1
			} else if c == 1 {
				n++
			}
		}
		return n
	}
	if got := allowed(nil); got != own.Count() {
		t.Errorf("the command may use %d CPUs, xtrace %d", got, own.Count())
	}
	// Pinning the tree is the ptrace backend's (its stops are cheapest on
	// the tracer's CPU); the agent has no stops.
	if got := allowed([]string{"XTRACE_PIN=tree", "XTRACE_BACKEND=ptrace"}); got != 1 {
		t.Errorf("XTRACE_PIN=tree: the command may use %d CPUs, want 1", got)
	}
}

// recBackend returns the backend that recorded a capture (its header's
// recorder block).
func recBackend(t *testing.T, capture string) string {
	t.Helper()
	rd := capturetest.Open(t, capture)
	for _, kv := range strings.Split(rd.Header().Recorder, "\n") {
		if v, ok := strings.CutPrefix(kv, "backend="); ok {
			return v
		}
	}
	return ""
}

// recStraceFor runs argv under strace -f and returns the calls the
// backend that recorded capture can see: all of them for ptrace. The
// agent comes in as an audit module: it misses the dynamic loader's work
// before its constructor runs in each image of a dynamically linked
// program (docs/agent.md), and the loader works differently with an
// audit module (it sets up the thread pointer first). So for an agent
// capture strace runs the program with a marker audit module, which the
// loader loads where it loads the agent and whose constructor makes one
// recognisable call (close(-77)); every image's calls up to that one are
// left out.
func recStraceFor(t *testing.T, dir string, argv []string, capture string) []recStraceCall {
	t.Helper()
	if recBackend(t, capture) != "agent" {
		return recRunStrace(t, dir, nil, argv)
	}
	return recParseStrace(straceAfterMarker(recStraceLog(t, dir, []string{"LD_AUDIT=" + recAuditMarker(t)}, argv)))
}

// straceAfterMarker leaves out of a strace -f log, after every successful
// execve, the lines up to and including the marker audit module's
// close(-77): what the agent cannot see (recStraceFor). An execve that
// strace shows interrupted succeeds on its resumed line.
func straceAfterMarker(lines []string) []string {
	loading := map[string]bool{} // pid -> its image's loader runs before the marker
	var out []string
	for _, l := range lines {
		pid, rest, _ := strings.Cut(l, " ")
		rest = strings.TrimLeft(rest, " ")
		execed := strings.HasSuffix(l, "= 0") && (strings.HasPrefix(rest, "execve(") || strings.HasPrefix(rest, "execveat(") ||
			strings.HasPrefix(rest, "<... execve resumed>") || strings.HasPrefix(rest, "<... execveat resumed>"))
		switch {
		case execed:
			loading[pid] = true
			out = append(out, l)
		case loading[pid]:
			if strings.HasPrefix(rest, "close(-77") {
				loading[pid] = false
			}
		default:
			out = append(out, l)
		}
	}
	return out
}

var (
	recMarkerOnce sync.Once
	recMarkerLib  string
	recMarkerFile *os.File
	recMarkerErr  error
)

// recAuditMarker builds the marker audit module of recStraceFor once.
func recAuditMarker(t *testing.T) string {
	t.Helper()
	recMarkerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "xtrace-audit-marker")
		if err != nil {
			recMarkerErr = err
			return
		}
		src := filepath.Join(dir, "marker.c")
		// Freestanding, as the agent is, with a static TLS block of
		// the agent's size: the loader loads it as it loads the agent.
		size, align := recAgentTLS(t)
		code := "unsigned la_version(unsigned v) { return v; }\n" +
			fmt.Sprintf("static __thread char tls[%d] __attribute__((aligned(%d), tls_model(\"initial-exec\")));\n", size, align) +
			"__attribute__((constructor)) static void marker(void) {\n" +
			"\tlong r; tls[0] = 1;\n" +
			"\t__asm__ volatile(\"syscall\" : \"=a\"(r) : \"a\"(3L), \"D\"(-77L) : \"rcx\", \"r11\", \"memory\");\n}\n"
		if recMarkerErr = os.WriteFile(src, []byte(code), 0o644); recMarkerErr != nil {
			return
		}
		recMarkerLib = filepath.Join(dir, "marker.so")
		if out, err := exec.Command("gcc", "-shared", "-fPIC", "-nostdlib", "-O2", "-o", recMarkerLib, src).CombinedOutput(); err != nil {
			recMarkerErr = fmt.Errorf("gcc marker.so: %v\n%s", err, out)
		}
		os.Chmod(dir, 0o755)
		// Named as xtrace names the agent, /proc/PID/fd/N: the loader
		// keeps the name, and a name of another length can move its
		// small allocations across a page (one mmap more or less).
		f, err := os.Open(recMarkerLib)
		if err != nil {
			recMarkerErr = err
			return
		}
		recMarkerLib = fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), f.Fd())
		recMarkerFile = f // open for the test process' life
	})
	if recMarkerErr != nil {
		t.Fatal(recMarkerErr)
	}
	return recMarkerLib
}

// recAgentTLS returns the size and alignment of the agent library's
// static TLS block.
func recAgentTLS(t *testing.T) (size, align uint64) {
	f, err := elf.NewFile(bytes.NewReader(agent.Library()))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_TLS {
			return max(p.Memsz, 1), max(p.Align, 1)
		}
	}
	return 1, 1
}

// recCopyProgram copies program src to dst with mode (a setuid bit, say)
// and returns dst.
func recCopyProgram(t *testing.T, src, dst string, mode os.FileMode) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dst, mode); err != nil {
		t.Fatal(err)
	}
	return dst
}

// recSharedDir returns a directory that any user can write to, outside
// t.TempDir's 0700 parent, removed when the test ends.
func recSharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "xtrace-shared")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	return dir
}
