package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for a writer and a reader on two
// goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// hangLimit only detects a replay that never ends; no test asserts how
// fast it ends.
const hangLimit = 20 * time.Second

// TestReplayInterruptBlocked: an interrupt ends a replay whatever its
// reader is waiting for (a fifo nobody opened for writing, a writer that
// sends nothing, a writer that stopped after some events, plain or gzip),
// with the events read so far printed and exit status 0.
func TestReplayInterruptBlocked(t *testing.T) {
	capture, err := os.ReadFile("../../testdata/captures/bencer_example0_nginx.scap")
	if err != nil {
		t.Fatal(err)
	}
	gz, err := os.ReadFile("../../testdata/corrupt/truncated-mid-event.scap.gz")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		writer bool   // open the fifo for writing
		data   []byte // what the writer sends before it stalls
		lines  bool   // wait for event lines before interrupting
	}{
		{"no writer", false, nil, false},
		{"silent writer", true, nil, false},
		{"stalled after events", true, capture[:len(capture)-50], true},
		// The prefetcher waits for whole chunks: no line to wait for.
		{"stalled gzip", true, gz[:len(gz)/2], false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "p")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out, errOut lockedBuffer
			done := make(chan int, 1)
			go func() { done <- runMain(ctx, []string{"--unbuffered", "-r", fifo}, &out, &errOut) }()
			var w *os.File
			if c.writer {
				if w, err = os.OpenFile(fifo, os.O_WRONLY, 0); err != nil {
					t.Fatal(err)
				}
				defer w.Close()
				go w.Write(c.data)
			}
			if c.lines {
				for deadline := time.Now().Add(hangLimit); !strings.Contains(out.String(), "\n"); {
					if time.Now().After(deadline) {
						t.Fatal("no event printed from the fifo")
					}
					time.Sleep(10 * time.Millisecond)
				}
			} else {
				time.Sleep(50 * time.Millisecond)
			}
			cancel()
			select {
			case code := <-done:
				if code != 0 || errOut.String() != "" {
					t.Errorf("exit status %d, stderr %q; want 0 and nothing", code, errOut.String())
				}
			case <-time.After(hangLimit):
				t.Fatal("replay still running after the interrupt")
			}
			if !c.writer {
				// Release the open still waiting in the background.
				if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					f.Close()
				}
			}
		})
	}
}

// TestReplayTimeout: timeout(1) ends a replay blocked on a fifo with its
// one SIGTERM (timeout reports 124); a replay that ignored it would only
// end with the KILL sent 60 s later (status 137).
func TestReplayTimeout(t *testing.T) {
	bin := recXtraceBin(t)
	fifo := filepath.Join(t.TempDir(), "p")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, writer := range []bool{false, true} {
		cmd := exec.Command("timeout", "-k", "60", "0.5", bin, "-r", fifo)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if writer {
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
		}
		err := cmd.Wait()
		code := cmd.ProcessState.ExitCode()
		if code != 124 {
			t.Errorf("writer %v: timeout exit status %d (%v), want 124; stderr %q", writer, code, err, stderr.String())
		}
	}
}
