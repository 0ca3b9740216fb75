package agent

import (
	"bufio"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"xtrace/internal/linux"
)

// CanEnter says whether the agent can record the program at path from
// inside: nil when it can, otherwise why not. The dynamic loader must
// load it (the agent comes in as an audit module, LD_AUDIT), which it does not for
// a static binary and does without LD_AUDIT for setuid, setgid and
// file-capability programs; a script is judged by its interpreter. The
// kernel must have syscall user dispatch (Linux 5.11+).
func CanEnter(path string) error {
	if err := linux.SyscallUserDispatchOff(); err != nil {
		return fmt.Errorf("agent: no syscall user dispatch here: %w", err)
	}
	return canLoad(path, 0)
}

// ErrStatic reports a program the dynamic loader does not load.
var ErrStatic = errors.New("statically linked: no dynamic loader to load the agent")

// ErrPrivileged reports a program that gains privileges at exec, for
// which the loader ignores LD_AUDIT.
var ErrPrivileged = errors.New("setuid, setgid or file capabilities: the loader ignores LD_AUDIT")

// maxInterpDepth is how many script interpreters deep canLoad looks, as
// the kernel does (agent.c's MAX_INTERP_DEPTH is the same).
const maxInterpDepth = 4

func canLoad(path string, depth int) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("agent: %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("agent: %s: %w", path, err)
	}
	// The loader runs in secure mode (AT_SECURE) when the exec changes
	// the user or group ids.
	sys, _ := st.Sys().(*syscall.Stat_t)
	if sys != nil && (st.Mode()&os.ModeSetuid != 0 && int(sys.Uid) != os.Getuid() ||
		st.Mode()&os.ModeSetgid != 0 && int(sys.Gid) != os.Getgid()) {
		return fmt.Errorf("agent: %s: %w", path, ErrPrivileged)
	}
	if n, _ := unix.Fgetxattr(int(f.Fd()), "security.capability", nil); n > 0 {
		return fmt.Errorf("agent: %s: %w", path, ErrPrivileged)
	}
	head := make([]byte, 256)
	n, _ := f.ReadAt(head, 0)
	head = head[:n]
	if bytes.HasPrefix(head, []byte("#!")) {
		if depth >= maxInterpDepth {
			return fmt.Errorf("agent: %s: more than %d script interpreters deep", path, maxInterpDepth)
		}
		line, _, _ := bufio.NewReader(bytes.NewReader(head[2:])).ReadLine()
		fields := strings.Fields(string(line))
		if len(fields) == 0 {
			return fmt.Errorf("agent: %s: empty #! line", path)
		}
		return canLoad(fields[0], depth+1)
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return fmt.Errorf("agent: %s: not an ELF program: %w", path, err)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			return nil
		}
	}
	return fmt.Errorf("agent: %s: %w", path, ErrStatic)
}
