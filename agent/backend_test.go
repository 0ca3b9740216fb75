package agent

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"xtrace/tracer"
)

// recordTrue runs path under a Recorder and returns it once Wait has
// returned, with the batches' events drained.
func recordTrue(t *testing.T, path string, args ...string) (*Recorder, tracer.Result) {
	t.Helper()
	full := make(chan *tracer.Batch, 4)
	free := make(chan *tracer.Batch, 4)
	for _, b := range tracer.NewBatches(4, 1<<16) {
		free <- b
	}
	r, err := Launch(Options{Path: path, Args: append([]string{path}, args...), Full: full, Free: free, Snaplen: 80})
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case b := <-full:
				free <- b
			case <-r.done:
				return
			}
		}
	}()
	res, err := r.Wait()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	return r, res
}

// TestRecorderAfterEnd: Stop and EndCapture after the recording ended (a
// late interrupt) neither signal a reused pidfd number nor touch the
// unmapped region.
func TestRecorderAfterEnd(t *testing.T) {
	r, res := recordTrue(t, "/bin/true")
	if res.ExitCode != 0 {
		t.Fatalf("/bin/true: exit %d", res.ExitCode)
	}
	r.Stop("late", unix.SIGINT, false)
	r.EndCapture("late")
	r.Stop("later", unix.SIGKILL, false)
}

// TestRecorderExecError: a command that cannot be executed ends the
// recording at once with the message and status a shell gives.
func TestRecorderExecError(t *testing.T) {
	dir := t.TempDir()
	noexec := dir + "/noexec"
	if err := os.WriteFile(noexec, []byte("not a program\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, res := recordTrue(t, noexec)
	if res.ExitCode != 126 || !strings.Contains(res.ExecError, noexec+": permission denied") {
		t.Errorf("exit %d, message %q; want 126 and %q", res.ExitCode, res.ExecError, noexec+": permission denied")
	}
	_, res = recordTrue(t, "/nonexistent/x")
	if res.ExitCode != 127 || !strings.Contains(res.ExecError, "no such file or directory") {
		t.Errorf("exit %d, message %q; want 127 and no such file or directory", res.ExitCode, res.ExecError)
	}
}
