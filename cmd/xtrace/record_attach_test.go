package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"xtrace/internal/testutil"
)

// Attach tests: xtrace -p on programs this test starts. After the
// capture every thread of the target must be free (TracerPid 0, not in a
// tracing stop), the target must go on (keep writing) and exit with its
// own status, and the capture must read the same in sysdig and xtrace.

// attLoopC reads and writes files in a loop until the file "stop"
// appears, then exits 7. Arguments: worker threads, and "spawn" to start
// a short-lived thread and a child process (fork + exec true) every 10
// rounds. Every round appends a line to out.txt, opened before the loop.
const attLoopC = `#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/wait.h>
static int stopped(void) { return access("stop", F_OK) == 0; }
static void *worker(void *a) {
	char b[64];
	while (!stopped()) {
		int fd = open("/etc/hostname", O_RDONLY);
		read(fd, b, sizeof b);
		close(fd);
		usleep(3000);
	}
	return 0;
}
static void *brief(void *a) { char b[8]; int fd = open("/etc/hostname", O_RDONLY); read(fd, b, 1); close(fd); return 0; }
int main(int argc, char **argv) {
	int n = argc > 1 ? atoi(argv[1]) : 0;
	int spawn = argc > 2 && strcmp(argv[2], "spawn") == 0;
	pthread_t t[16];
	for (int i = 0; i < n; i++) pthread_create(&t[i], 0, worker, 0);
	int out = open("out.txt", O_CREAT|O_WRONLY|O_TRUNC|O_APPEND, 0644);
	char line[32], b[64];
	for (int i = 0; !stopped(); i++) {
		int fd = open("/etc/hostname", O_RDONLY);
		read(fd, b, sizeof b);
		close(fd);
		int k = snprintf(line, sizeof line, "%d\n", i);
		write(out, line, k);
		if (spawn && i % 10 == 0) {
			pthread_t bt; pthread_create(&bt, 0, brief, 0); pthread_join(bt, 0);
			pid_t c = fork();
			if (c == 0) { execl("/bin/true", "true", (char *)0); _exit(127); }
			waitpid(c, 0, 0);
		}
		usleep(3000);
	}
	for (int i = 0; i < n; i++) pthread_join(t[i], 0);
	return 7;
}
`

// attVforkC blocks in vfork (a wait only SIGKILL ends) while its child
// pauses: an interrupt cannot stop it.
const attVforkC = `#include <unistd.h>
int main(void) { if (vfork() == 0) { pause(); _exit(0); } return 0; }
`

// attTarget is a running program of the test.
type attTarget struct {
	cmd  *exec.Cmd
	dir  string
	done chan struct{}
	err  error
}

func attStart(t *testing.T, dir string, argv ...string) *attTarget {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &attTarget{cmd: cmd, dir: dir, done: make(chan struct{})}
	go func() { a.err = cmd.Wait(); close(a.done) }()
	t.Cleanup(func() {
		select {
		case <-a.done:
		default:
			cmd.Process.Kill()
			<-a.done
		}
	})
	return a
}

func (a *attTarget) pid() int { return a.cmd.Process.Pid }

// lines returns how many lines the loop has written.
func (a *attTarget) lines() int {
	b, _ := os.ReadFile(filepath.Join(a.dir, "out.txt"))
	return bytes.Count(b, []byte("\n"))
}

// waitLines waits until the loop has written at least n lines.
func (a *attTarget) waitLines(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); a.lines() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("the target wrote %d lines, want %d", a.lines(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// finish asks the loop to stop and returns its exit status.
func (a *attTarget) finish(t *testing.T) int {
	t.Helper()
	if err := os.WriteFile(filepath.Join(a.dir, "stop"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case <-a.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the target did not exit after the stop file appeared")
	}
	var ee *exec.ExitError
	if errors.As(a.err, &ee) {
		return ee.ExitCode()
	}
	if a.err != nil {
		t.Fatal(a.err)
	}
	return 0
}

// attCheckFree asserts that no thread of pid is traced or in a tracing
// stop.
func attCheckFree(t *testing.T, pid int) {
	t.Helper()
	tids, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, e.Name()))
		if err != nil {
			continue // ended meanwhile
		}
		st := string(b)
		if m := regexp.MustCompile(`(?m)^TracerPid:\s+(\d+)`).FindStringSubmatch(st); m == nil || m[1] != "0" {
			t.Errorf("thread %s is still traced: %v", e.Name(), m)
		}
		if m := regexp.MustCompile(`(?m)^State:\s+(\S)`).FindStringSubmatch(st); m != nil && (m[1] == "t" || m[1] == "T") {
			t.Errorf("thread %s is stopped (state %s) after the detach", e.Name(), m[1])
		}
	}
}

// attXtrace starts xtrace with args in the background.
func attXtrace(t *testing.T, bin, dir string, args ...string) (*exec.Cmd, *bytes.Buffer, chan struct{}) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TZ=UTC")
	var se bytes.Buffer
	cmd.Stderr = &se
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
			<-done
		}
	})
	return cmd, &se, done
}

func attWait(t *testing.T, done chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not end", what)
	}
}

// TestAttach: attach to two running loops (-p A,B), record them,
// interrupt xtrace (SIGINT, as Ctrl-C); the loops run on untraced and exit
// with their own status, and the capture names the files of fds opened
// before the attach from the first event on.
func TestAttach(t *testing.T) {
	bin, dir := recProgram(t, "loop", attLoopC, "sysdig", "tshark")
	target := attStart(t, dir, "./loop")
	other := attStart(t, t.TempDir(), filepath.Join(dir, "loop"))
	target.waitLines(t, 5)
	other.waitLines(t, 5)

	capture := filepath.Join(dir, "att.scap")
	x, stderr, done := attXtrace(t, bin, dir, "-p", fmt.Sprintf("%d,%d", target.pid(), other.pid()), "-w", capture)
	time.Sleep(700 * time.Millisecond)
	x.Process.Signal(unix.SIGINT)
	attWait(t, done, "xtrace after SIGINT")
	if code := x.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("xtrace exit %d: %s", code, stderr)
	}
	pids := []int{target.pid(), other.pid()}
	sort.Ints(pids)
	if !regexp.MustCompile(fmt.Sprintf(`interrupted by SIGINT: \d+ events written to \S+; detached from 2 threads in 2 processes \(processes %d, %d\), which run on`, pids[0], pids[1])).MatchString(stderr.String()) {
		t.Errorf("stderr %q", stderr)
	}
	for _, a := range []*attTarget{target, other} {
		attCheckFree(t, a.pid())
		n := a.lines()
		a.waitLines(t, n+5) // it keeps writing
		if code := a.finish(t); code != 7 {
			t.Errorf("target exit status %d, want 7", code)
		}
	}

	lines := recCheckCapture(t, bin, dir, capture)
	pid := strconv.Itoa(target.pid())
	if !recMatchAny(lines, `loop \(`+strconv.Itoa(other.pid())+`\) < openat fd=\d+\(<f>/etc/hostname\)`) {
		t.Error("no event of the second process")
	}
	for _, re := range []string{
		`^1 \S+ \d+ loop \(\d+\) `, // named from the first event
		`loop \(` + pid + `\) > write fd=\d+\(<f>/\S+/out.txt\) size=\d+`,
		`loop \(` + pid + `\) < openat fd=\d+\(<f>/etc/hostname\)`,
		`loop \(` + pid + `\) < close res=0`,
	} {
		if !recMatchAny(lines, re) {
			t.Errorf("no line matches %s", re)
		}
	}
	if recMatchAny(lines, `<NA>`) {
		t.Errorf("a line lacks its process name:\n%s", strings.Join(lines[:min(10, len(lines))], "\n"))
	}
}

// TestAttachThreads: a multi-threaded target that keeps creating threads
// and processes; every thread is recorded, the new ones too, and all of
// them are given back at the end (-M).
func TestAttachThreads(t *testing.T) {
	bin, dir := recProgram(t, "loop", attLoopC, "sysdig", "tshark")
	target := attStart(t, dir, "./loop", "3", "spawn")
	target.waitLines(t, 5)
	tids, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", target.pid()))
	if err != nil {
		t.Fatal(err)
	}
	capture := filepath.Join(dir, "threads.scap")
	r := recRun(t, dir, []string{"TZ=UTC"}, bin, "-M", "1", "-w", capture, "-p", strconv.Itoa(target.pid()))
	// The summary tells threads from processes: the target's threads,
	// then the target and the children it created that still run.
	m := regexp.MustCompile(`capture stopped \(duration of 1s reached\) after \d+ events written to \S+; detached from (\d+) threads? in (\d+) process(?:es)? \(process (\d+)(?: and (\d+) child process(?:es)?)?\), which run on`).FindStringSubmatch(r.stderr)
	if r.code != 0 || m == nil {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	threads, procs, children := atoiOr0(m[1]), atoiOr0(m[2]), atoiOr0(m[4])
	if m[3] != strconv.Itoa(target.pid()) || procs != children+1 || threads < procs {
		t.Errorf("summary counts %d threads in %d processes with %d children: %q", threads, procs, children, m[0])
	}
	attCheckFree(t, target.pid())
	n := target.lines()
	target.waitLines(t, n+5)
	if code := target.finish(t); code != 7 {
		t.Errorf("target exit status %d, want 7", code)
	}
	lines := recCheckCapture(t, bin, dir, capture)
	out := recSysdigLines(t, dir, capture, "-p", "%thread.tid")
	seen := map[string]bool{}
	for _, l := range out {
		seen[l] = true
	}
	for _, e := range tids {
		if !seen[e.Name()] {
			t.Errorf("thread %s of the target has no event", e.Name())
		}
	}
	for _, re := range []string{
		`loop \(\d+\) < clone3 res=0 `,            // a new thread starts
		`loop \(\d+\) < clone res=\d+\(loop\)`,    // fork in the parent
		`< execve res=0 exe=true args=`,           // the child's exec
		`true \(\d+\) > procexit status=0 ret=0 `, // and its end
		`loop \(\d+\) > procexit status=0 ret=0 `, // a brief thread ends
		`loop \(\d+\) < openat fd=\d+\(<f>/etc/hostname\)`,
	} {
		if !recMatchAny(lines, re) {
			t.Errorf("no line matches %s", re)
		}
	}
}

// TestAttachLive: without -w the events of an attached process are
// printed as they come.
func TestAttachLive(t *testing.T) {
	bin, dir := recProgram(t, "loop", attLoopC)
	target := attStart(t, dir, "./loop")
	target.waitLines(t, 5)
	r := recRun(t, dir, []string{"TZ=UTC"}, bin, "-n", "20", "-p", strconv.Itoa(target.pid()), "evt.type=openat")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := recSplitLines(r.stdout)
	if len(lines) != 20 {
		t.Errorf("-n 20 printed %d lines", len(lines))
	}
	for _, l := range lines {
		if !regexp.MustCompile(`^\d+ \d\d:\d\d:\d\d\.\d{9} \d+ loop \(\d+\) [<>] openat `).MatchString(l) {
			t.Errorf("line %q", l)
		}
	}
	attCheckFree(t, target.pid())
	if code := target.finish(t); code != 7 {
		t.Errorf("target exit status %d, want 7", code)
	}
}

// TestAttachErrors: a pid that does not exist, one another tracer holds,
// a zombie, and one that dies while being attached each give one line
// naming the pid and exit status 1; no capture file is left behind.
func TestAttachErrors(t *testing.T) {
	bin, dir := recProgram(t, "vfork", attVforkC, "strace")
	capture := filepath.Join(dir, "err.scap")
	check := func(t *testing.T, r recResult, pid int, msg string) {
		t.Helper()
		want := fmt.Sprintf("xtrace: attach: pid %d: %s", pid, msg)
		if r.code != 1 || !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
		}
		if _, err := os.Stat(capture); err == nil {
			t.Errorf("%s left behind", capture)
			os.Remove(capture)
		}
	}

	t.Run("missing", func(t *testing.T) {
		pid := unusedPID(t)
		check(t, recRun(t, dir, nil, bin, "-p", strconv.Itoa(pid), "-w", capture), pid, "no such process")
	})

	t.Run("traced", func(t *testing.T) {
		sleeper := attStart(t, dir, "sleep", "30")
		st := attStart(t, dir, "strace", "-o", "/dev/null", "-p", strconv.Itoa(sleeper.pid()))
		for deadline := time.Now().Add(5 * time.Second); tracerOf(sleeper.pid()) != st.pid(); {
			if time.Now().After(deadline) {
				t.Fatal("strace did not attach")
			}
			time.Sleep(5 * time.Millisecond)
		}
		r := recRun(t, dir, nil, bin, "-p", strconv.Itoa(sleeper.pid()), "-w", capture)
		check(t, r, sleeper.pid(), fmt.Sprintf("operation not permitted: already traced by process %d (strace)", st.pid()))
	})

	t.Run("zombie", func(t *testing.T) {
		parent := attStart(t, dir, "sh", "-c", "sleep 0.01 & exec sleep 30")
		var zombie int
		for deadline := time.Now().Add(5 * time.Second); zombie == 0; {
			if time.Now().After(deadline) {
				t.Fatal("no zombie")
			}
			time.Sleep(5 * time.Millisecond)
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", parent.pid(), parent.pid()))
			for _, f := range strings.Fields(string(b)) {
				if pid, _ := strconv.Atoi(f); pid > 0 && procState(pid) == "Z" {
					zombie = pid
				}
			}
		}
		check(t, recRun(t, dir, nil, bin, "-p", strconv.Itoa(zombie), "-w", capture), zombie, "the process has exited (it is a zombie)")
	})

	t.Run("vanishing", func(t *testing.T) {
		// The target sits in vfork, where only SIGKILL reaches it: the
		// attach waits for its stop, and the target dies meanwhile.
		target := attStart(t, dir, "./vfork")
		var child int
		for deadline := time.Now().Add(5 * time.Second); child == 0; {
			if time.Now().After(deadline) {
				t.Fatal("the vfork child did not start")
			}
			time.Sleep(5 * time.Millisecond)
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", target.pid(), target.pid()))
			child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		defer unix.Kill(child, unix.SIGKILL)
		x, stderr, done := attXtrace(t, bin, dir, "-p", strconv.Itoa(target.pid()), "-w", capture)
		// TracerPid names the tracing thread of xtrace.
		for deadline := time.Now().Add(5 * time.Second); tracerOf(target.pid()) == 0; {
			if time.Now().After(deadline) {
				t.Fatal("xtrace did not seize the target")
			}
			time.Sleep(time.Millisecond)
		}
		target.cmd.Process.Kill()
		attWait(t, done, "xtrace")
		r := recResult{stderr: stderr.String(), code: x.ProcessState.ExitCode()}
		check(t, r, target.pid(), "the process exited while being attached")
	})

	t.Run("usage", func(t *testing.T) {
		r := recRun(t, dir, nil, bin, "-p", "1", "--", "true")
		if r.code != 1 || !strings.Contains(r.stderr, "either -p PID to attach or a command") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

// unusedPID returns a pid no process has.
func unusedPID(t *testing.T) int {
	b, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Fatal(err)
	}
	max, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	for pid := max - 1; pid > 1; pid-- {
		if err := unix.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return pid
		}
	}
	t.Fatal("no free pid")
	return 0
}

// tracerOf returns the TracerPid of process pid.
func tracerOf(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	m := regexp.MustCompile(`(?m)^TracerPid:\s+(\d+)`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// procState returns the state letter of process pid.
func procState(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return ""
	}
	return string(b[i+2])
}

// TestAttachBlockedRead: a program blocked in read() when xtrace attaches
// is woken by the attach, and the kernel restarts the read: the capture
// holds the read's entry and exit, and the program gets its data.
func TestAttachBlockedRead(t *testing.T) {
	testutil.RequireTools(t, "sysdig", "tshark")
	recRequireTracing(t)
	bin := recXtraceBin(t)
	dir := t.TempDir()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	out, err := os.Create(filepath.Join(dir, "cat.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cat := exec.Command("/bin/cat")
	cat.Stdin, cat.Stdout = pr, out
	if err := cat.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	catDone := make(chan error, 1)
	go func() { catDone <- cat.Wait() }()
	defer cat.Process.Kill()
	// Wait until cat sleeps in read.
	for deadline := time.Now().Add(5 * time.Second); ; {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", cat.Process.Pid))
		if strings.Contains(string(b), "pipe_read") || strings.Contains(string(b), "wait") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cat does not block in read (wchan %q)", b)
		}
		time.Sleep(5 * time.Millisecond)
	}
	capture := filepath.Join(dir, "read.scap")
	x, stderr, done := attXtrace(t, bin, dir, "-p", strconv.Itoa(cat.Process.Pid), "-w", capture)
	for deadline := time.Now().Add(5 * time.Second); tracerOf(cat.Process.Pid) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("xtrace did not attach")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	pw.Write([]byte("hello\n"))
	for deadline := time.Now().Add(5 * time.Second); ; {
		if b, _ := os.ReadFile(out.Name()); string(b) == "hello\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("cat did not copy its input")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	x.Process.Signal(unix.SIGINT)
	attWait(t, done, "xtrace")
	if code := x.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("xtrace exit %d: %s", code, stderr)
	}
	attCheckFree(t, cat.Process.Pid)
	pw.Write([]byte("more\n"))
	pw.Close()
	if err := <-catDone; err != nil {
		t.Errorf("cat: %v", err)
	}
	if b, _ := os.ReadFile(out.Name()); string(b) != "hello\nmore\n" {
		t.Errorf("cat wrote %q", b)
	}
	lines := recCheckCapture(t, bin, dir, capture)
	for _, re := range []string{
		`^1 \S+ \d+ cat \(\d+\) > read fd=0\(<p>\S*\) size=\d+`,
		`^2 \S+ \d+ cat \(\d+\) < read res=6 data=hello\.`,
		`cat \(\d+\) > write fd=1\(<f>\S+/cat.out\) size=6`,
	} {
		if !recMatchAny(lines, re) {
			t.Errorf("no line matches %s in\n%s", re, strings.Join(lines, "\n"))
		}
	}
}

// attForkC forks as fast as it can; the children exit at once.
const attForkC = `#include <unistd.h>
#include <sys/wait.h>
#include <fcntl.h>
int main(void) {
	for (;;) {
		if (access("stop", F_OK) == 0) return 7;
		pid_t c = fork();
		if (c == 0) _exit(0);
		waitpid(c, 0, 0);
	}
}
`

// TestAttachBusy attaches to and detaches from a process that forks all
// the time, a few times in a row: attaching lands in the middle of fork
// calls, and detaching meets children that are just being created. Each
// capture reads the same in sysdig and xtrace, and the target and its
// children are never left traced.
func TestAttachBusy(t *testing.T) {
	bin, dir := recProgram(t, "forker", attForkC, "sysdig", "tshark")
	target := attStart(t, dir, "./forker")
	time.Sleep(50 * time.Millisecond)
	for i := 0; i < 4; i++ {
		capture := filepath.Join(dir, fmt.Sprintf("busy%d.scap", i))
		r := recRun(t, dir, []string{"TZ=UTC"}, bin, "-n", "300", "-w", capture, "-p", strconv.Itoa(target.pid()))
		if r.code != 0 {
			t.Fatalf("round %d: exit %d: %s", i, r.code, r.stderr)
		}
		attCheckFree(t, target.pid())
		lines := recCheckCapture(t, bin, dir, capture)
		if !recMatchAny(lines, `forker \(\d+\) < clone res=\d+`) {
			t.Errorf("round %d: no fork in\n%s", i, strings.Join(lines[:min(20, len(lines))], "\n"))
		}
	}
	// No child is left behind traced.
	time.Sleep(50 * time.Millisecond)
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", target.pid(), target.pid()))
	for _, f := range strings.Fields(string(b)) {
		if pid, _ := strconv.Atoi(f); tracerOf(pid) != 0 {
			t.Errorf("child %d is still traced", pid)
		}
	}
	if code := target.finish(t); code != 7 {
		t.Errorf("target exit status %d, want 7", code)
	}
}

// attReexecC execs itself over and over: it spends most of its time in
// execve, so an attach often finds it there.
const attReexecC = `#include <unistd.h>
int main(void) {
	if (access("stop", F_OK) == 0) return 7;
	execl("/proc/self/exe", "reexec", (char *)0);
	return 1;
}
`

// TestAttachMidSyscall: a thread attached in the middle of an execve
// first stops at the exec event, inside the syscall; its exit comes
// without an entry and is written alone, as the kernel driver writes the
// exit of a syscall that began before the capture. sysdig reads such a
// capture as xtrace does.
func TestAttachMidSyscall(t *testing.T) {
	bin, dir := recProgram(t, "reexec", attReexecC, "sysdig", "tshark")
	target := attStart(t, dir, "./reexec")
	time.Sleep(20 * time.Millisecond)
	hit := false
	for i := 0; i < 40 && !hit; i++ {
		capture := filepath.Join(dir, fmt.Sprintf("mid%d.scap", i))
		r := recRun(t, dir, []string{"TZ=UTC"}, bin, "-n", "20", "-w", capture, "-p", strconv.Itoa(target.pid()))
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		attCheckFree(t, target.pid())
		lines := recXtraceLines(t, bin, dir, capture)
		if hit = len(lines) > 0 && regexp.MustCompile(`^1 \S+ \d+ \S+ \(\d+\) < execve res=0 exe=reexec `).MatchString(lines[0]); hit {
			recCheckCapture(t, bin, dir, capture)
		}
	}
	if !hit {
		t.Log("no attach landed inside an execve in 40 tries")
	}
	if code := target.finish(t); code != 7 {
		t.Errorf("target exit status %d, want 7", code)
	}
}

// attSignalsC counts the real-time signals it receives (they queue, so
// none may be lost) while it reads and writes, and writes the count to
// "count" when the file "stop" appears.
const attSignalsC = `#include <signal.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
static volatile sig_atomic_t n;
static void h(int s) { (void)s; n++; }
int main(void) {
	struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = h; sa.sa_flags = SA_RESTART;
	sigaction(SIGRTMIN, &sa, 0);
	char b[16];
	while (access("stop", F_OK) != 0) {
		int fd = open("/etc/hostname", O_RDONLY); read(fd, b, sizeof b); close(fd);
		usleep(200);
	}
	FILE *f = fopen("count", "w"); fprintf(f, "%d\n", (int)n); fclose(f);
	return 7;
}
`

// TestAttachSignals: signals that arrive while xtrace attaches, records
// and detaches are all delivered: 300 queued real-time signals sent
// during repeated attach/detach cycles all reach the program's handler.
func TestAttachSignals(t *testing.T) {
	bin, dir := recProgram(t, "sigs", attSignalsC)
	target := attStart(t, dir, "./sigs")
	time.Sleep(20 * time.Millisecond)
	const sent = 300
	sigrtmin := unix.Signal(34) // glibc's SIGRTMIN
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < sent; i++ {
			unix.Kill(target.pid(), sigrtmin)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	cycles := 0
	for running := true; running; cycles++ {
		select {
		case <-done:
			running = false
		default:
		}
		r := recRun(t, dir, nil, bin, "-q", "-n", "40", "-w", filepath.Join(dir, "s.scap"), "-p", strconv.Itoa(target.pid()))
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
	}
	attCheckFree(t, target.pid())
	if code := target.finish(t); code != 7 {
		t.Errorf("target exit status %d, want 7", code)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "count"))
	if got := strings.TrimSpace(string(b)); got != strconv.Itoa(sent) {
		t.Errorf("the program got %s signals of %d (over %d attach cycles)", got, sent, cycles)
	}
}

// TestAttachTargetExits: when the attached process exits, so does xtrace,
// with a complete capture that ends with the exit.
func TestAttachTargetExits(t *testing.T) {
	bin, dir := recProgram(t, "loop", attLoopC, "sysdig", "tshark")
	target := attStart(t, dir, "./loop", "1")
	target.waitLines(t, 5)
	capture := filepath.Join(dir, "exit.scap")
	x, stderr, done := attXtrace(t, bin, dir, "-p", strconv.Itoa(target.pid()), "-w", capture)
	for deadline := time.Now().Add(5 * time.Second); tracerOf(target.pid()) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("xtrace did not attach")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if code := target.finish(t); code != 7 {
		t.Errorf("target exit status %d, want 7", code)
	}
	attWait(t, done, "xtrace after its target exited")
	if code := x.ProcessState.ExitCode(); code != 0 || stderr.Len() != 0 {
		t.Fatalf("xtrace exit %d: %q", code, stderr)
	}
	lines := recCheckCapture(t, bin, dir, capture)
	if !regexp.MustCompile(`loop \(\d+\) > procexit status=1792 ret=7 sig=0`).MatchString(lines[len(lines)-1]) {
		t.Errorf("the capture ends with %q", lines[len(lines)-1])
	}
}

// atoiOr0 is strconv.Atoi, 0 for "" (an optional group that did not
// match).
func atoiOr0(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
