package capture

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"xtrace/event"
	"xtrace/internal/testutil"
	"xtrace/scap"
)

// writeOne creates name, writes a header and one committed event, and
// returns the File still open (as an interrupted xtrace leaves it).
func writeOne(t *testing.T, name string) *File {
	t.Helper()
	c, err := Create(name, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteHeader(&scap.Header{}); err != nil {
		t.Fatal(err)
	}
	var e scap.Encoder
	e.Begin(1700000000000000000, 1, event.GenericE)
	e.U16(16)
	e.U16(39)
	raw, _ := e.Finish()
	if err := c.WriteEvent(0, 0, raw); err != nil {
		t.Fatal(err)
	}
	if err := c.Commit(); err != nil {
		t.Fatal(err)
	}
	return c
}

// events reads the capture at name and returns its event count.
func events(t *testing.T, name string) int {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := scap.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	n := 0
	for ; ; n++ {
		if _, err := rd.Next(); err != nil {
			return n
		}
	}
}

func inode(t *testing.T, name string) uint64 {
	t.Helper()
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// TestCreateSafely: a capture is a new 0600 file of the caller's that
// replaces what was at its name (the old file's mode, owner and other
// links never see it), follows symbolic links except where
// protected_symlinks would refuse them, writes devices as they are, and
// reads up to its last event while it is still open.
func TestCreateSafely(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()

	t.Run("replaces an existing file", func(t *testing.T) {
		name := filepath.Join(dir, "old.scap")
		os.WriteFile(name, []byte("someone else's"), 0o644)
		other := filepath.Join(dir, "hardlink")
		if err := os.Link(name, other); err != nil {
			t.Fatal(err)
		}
		before := inode(t, name)
		c := writeOne(t, name)
		defer c.Close()
		fi, _ := os.Stat(name)
		if fi.Mode().Perm() != 0o600 || inode(t, name) == before {
			t.Errorf("mode %v, inode changed %v; want 0600, a new file", fi.Mode().Perm(), inode(t, name) != before)
		}
		if got, _ := os.ReadFile(other); string(got) != "someone else's" {
			t.Errorf("the old file's other link now holds %q", got)
		}
		// Open, not closed: the name already holds a readable capture.
		if n := events(t, name); n != 1 {
			t.Errorf("capture still being written reads %d events, want 1", n)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".*xtrace-*")); len(left) != 0 {
			t.Errorf("temporary files left: %v", left)
		}
	})

	t.Run("follows a symlink", func(t *testing.T) {
		target := filepath.Join(dir, "target.scap")
		os.WriteFile(target, nil, 0o644)
		link := filepath.Join(dir, "link.scap")
		os.Symlink("target.scap", link)
		c := writeOne(t, link)
		c.Close()
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("the link was replaced: %v", err)
		}
		if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o600 || events(t, target) != 1 {
			t.Errorf("target mode %v", fi.Mode().Perm())
		}
	})

	t.Run("writes a device as it is", func(t *testing.T) {
		c, err := Create("/dev/null", true, false)
		if err != nil {
			t.Fatal(err)
		}
		if c.Created() {
			t.Error("Create says it made /dev/null")
		}
		c.Abort()
		if fi, err := os.Stat("/dev/null"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
			t.Fatalf("/dev/null after Abort: %v, %v", fi, err)
		}
	})

	t.Run("directory", func(t *testing.T) {
		if _, err := Create(dir, false, false); err == nil || !strings.Contains(err.Error(), "is a directory") {
			t.Errorf("error %v", err)
		}
	})

	t.Run("protected symlink", func(t *testing.T) {
		if os.Geteuid() != 0 {
			testutil.SkipOrFail(t, "making a symlink of another user needs root")
		}
		sticky := filepath.Join(dir, "tmp")
		os.Mkdir(sticky, 0o777)
		if err := os.Chmod(sticky, 0o777|os.ModeSticky); err != nil {
			t.Fatal(err)
		}
		victim := filepath.Join(dir, "victim")
		os.WriteFile(victim, []byte("keep"), 0o644)
		link := filepath.Join(sticky, "cap.scap")
		os.Symlink(victim, link)
		if err := os.Lchown(link, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		_, err := Create(link, false, false)
		if err == nil || !strings.Contains(err.Error(), "refusing to follow "+link+", a symbolic link of uid 4242 in the sticky world-writable directory") {
			t.Fatalf("error %v", err)
		}
		if got, _ := os.ReadFile(victim); string(got) != "keep" {
			t.Errorf("the link's target now holds %q", got)
		}
		// The caller's own link there is followed.
		os.Lchown(link, os.Geteuid(), os.Getegid())
		c := writeOne(t, link)
		c.Close()
		if events(t, victim) != 1 {
			t.Error("own link not followed")
		}
	})
}
