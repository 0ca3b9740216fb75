package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"xtrace/tracer"

	"xtrace/internal/testutil"
)

// benchFilter is the capture filter of the benchmark (scripts/bench-record.sh).
const benchFilter = "evt.type in (open, openat, connect) or evt.failed=true"

// filterStateC changes state only through calls the benchmark filter does
// not match (chdir, socket, dup, fork, execve), then makes calls it
// matches, whose names depend on that state.
const filterStateC = `#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/wait.h>
int main(void) {
	chdir("/etc");
	int fd = open("hostname", O_RDONLY);          /* fd name from the cwd */
	int d = dup(fd);
	write(d, "x", 1);                             /* EBADF on the dup */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET; a.sin_port = htons(1); a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	connect(s, (struct sockaddr *)&a, sizeof a);  /* ECONNREFUSED */
	for (int i = 0; i < 1000; i++) getppid();     /* never stops */
	pid_t c = fork();
	if (c == 0) { execl("/bin/cat", "cat", "/nonexistent", (char *)0); _exit(127); }
	waitpid(c, 0, 0);
	return 0;
}
`

// TestCaptureFilterState: with the benchmark's filter only matching events
// are shown, and their process and fd names are right although the
// state behind them came from calls the filter drops (kept in the file as
// invisible state-only events).
func TestCaptureFilterState(t *testing.T) {
	bin, dir := recProgram(t, "state", filterStateC, "sysdig", "tshark")
	capture := filepath.Join(dir, "f.scap")
	if r := recRun(t, dir, nil, bin, "-w", capture, benchFilter, "--", "./state"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := recCheckCapture(t, bin, dir, capture)
	if n := len(recSysdigLines(t, dir, capture, benchFilter)); n != len(lines) {
		t.Errorf("%d of %d events match the filter:\n%s", n, len(lines), strings.Join(lines, "\n"))
	}
	for _, re := range []string{
		`state \(\d+\) < openat fd=(\d+)\(<f>/etc/hostname\) dirfd=-100\(AT_FDCWD\) name=hostname`,
		`state \(\d+\) > connect fd=\d+\(<4>\) addr=127.0.0.1:1`,
		`state \(\d+\) < connect res=-111\(ECONNREFUSED\)`,
		`state \(\d+\) < write res=-9\(EBADF\)`,
		`cat \(\d+\) < openat fd=-2\(ENOENT\) dirfd=-100\(AT_FDCWD\) name=/nonexistent`,
	} {
		if !recMatchAny(lines, re) {
			t.Errorf("no line matches %s", re)
		}
	}
	for _, l := range lines {
		if strings.Contains(l, "getppid") || strings.Contains(l, "<NA>") || regexp.MustCompile(` (xtrace|xtrace\.test) \(`).MatchString(l) {
			t.Errorf("line %q", l)
		}
	}
	// The fd behind the failed write is the dup of hostname: its name
	// comes from the dup, which the filter drops.
	fds := recSysdigLines(t, dir, capture, "-p", "%evt.type %fd.name", "evt.type=write")
	if len(fds) == 0 || fds[0] != "write /etc/hostname" {
		t.Errorf("write fd names %q", fds)
	}
}

// TestCaptureFilterStops: syscalls a capture filter cannot match cost no
// stop at all (the seccomp program lets them through): 20000 getppid calls
// under a filter naming other syscalls add no stops. evt.failed=true can
// match every syscall (each exit carries a result, generic syscalls'
// extended exits too), so it traces them all.
func TestCaptureFilterStops(t *testing.T) {
	testutil.RequireTools(t, "gcc")
	recRequireTracing(t)
	dir := t.TempDir()
	w := recWorkload{c: map[string]string{"getppid": `#include <unistd.h>
#include <stdlib.h>
int main(int argc, char **argv) { int n = atoi(argv[1]); for (int i = 0; i < n; i++) getppid(); return 0; }
`}}
	recPrepare(t, &w, dir)
	stops := func(n string, expr string) int64 {
		full, free := make(chan *tracer.Batch, 4), make(chan *tracer.Batch, 4)
		for _, b := range tracer.NewBatches(4, 1<<20) {
			free <- b
		}
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			for b := range full {
				free <- b
			}
		}()
		tr, err := tracer.Launch(tracer.Options{Path: filepath.Join(dir, "getppid"), Args: []string{"getppid", n},
			Syscalls: captureSyscalls(expr), Full: full, Free: free, FlushEvery: 10 * time.Millisecond, Snaplen: 80})
		if err != nil {
			testutil.SkipOrFail(t, err.Error())
		}
		tr.Start()
		res, err := tr.Wait()
		close(full)
		<-drained
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("exit %d: %v", res.ExitCode, err)
		}
		return res.Stops
	}
	const typesFilter = "evt.type in (open, openat, connect)"
	base := stops("1", typesFilter)
	many := stops("20000", typesFilter)
	if many-base > 100 {
		t.Errorf("20000 getppid calls under %q cost %d stops (one call: %d)", typesFilter, many, base)
	}
	all := stops("20000", "")
	if all-base < 20000 {
		t.Errorf("without a filter 20000 getppid calls cost only %d stops", all-base)
	}
}

// TestTracedSyscallsList: --traced-syscalls prints what the seccomp
// program of a launched command traces for the filter, in strace's -e
// trace= syntax: the named types plus the state-changing syscalls, and
// nothing the filter cannot match.
func TestTracedSyscallsList(t *testing.T) {
	stdout, stderr, code := runXtrace([]string{"--traced-syscalls", "evt.type in (open, connect)"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := map[string]bool{}
	for _, name := range strings.Split(strings.TrimSpace(string(stdout)), ",") {
		got[name] = true
	}
	for _, name := range []string{"open", "connect", "close", "execve", "clone", "exit_group", "dup2"} {
		if !got[name] {
			t.Errorf("%s missing from %q", name, stdout)
		}
	}
	for _, name := range []string{"getppid", "read", "write", "mmap"} {
		if got[name] {
			t.Errorf("%s listed in %q", name, stdout)
		}
	}
	if _, _, code := runXtrace([]string{"--traced-syscalls", "evt.type=nosuchcall"}); code == 0 {
		t.Error("an invalid filter exits 0")
	}
}
