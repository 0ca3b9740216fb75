package linux

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestHasCapability agrees with the effective set /proc/self/status shows.
func TestHasCapability(t *testing.T) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	var eff uint64
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "CapEff:"); ok {
			eff, _ = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	for _, c := range []int{unix.CAP_CHOWN, unix.CAP_SYS_PTRACE, unix.CAP_SYS_ADMIN, unix.CAP_BPF} {
		if got, want := HasCapability(c), eff&(1<<c) != 0; got != want {
			t.Errorf("HasCapability(%d) = %v, CapEff says %v", c, got, want)
		}
	}
}
