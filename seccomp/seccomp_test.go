package seccomp

import (
	"encoding/binary"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// exec interprets a seccomp cBPF program the way the kernel does for the
// instructions Program emits (absolute word loads, conditional and
// unconditional jumps, returns) and returns the filter's verdict.
func exec(t *testing.T, prog []unix.SockFilter, nr, arch uint32) uint32 {
	t.Helper()
	var data [64]byte
	binary.LittleEndian.PutUint32(data[0:], nr)
	binary.LittleEndian.PutUint32(data[4:], arch)
	var a uint32
	for pc, steps := 0, 0; ; pc++ {
		if pc < 0 || pc >= len(prog) {
			t.Fatalf("pc %d out of program (%d insns)", pc, len(prog))
		}
		if steps++; steps > len(prog) {
			t.Fatal("program loops")
		}
		in := prog[pc]
		switch in.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			if in.K%4 != 0 || in.K+4 > uint32(len(data)) {
				t.Fatalf("bad load offset %d", in.K)
			}
			a = binary.LittleEndian.Uint32(data[in.K:])
		case unix.BPF_JMP | unix.BPF_JA:
			pc += int(in.K)
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K:
			if a == in.K {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K:
			if a >= in.K {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case unix.BPF_RET | unix.BPF_K:
			return in.K
		default:
			t.Fatalf("unexpected opcode %#x at %d", in.Code, pc)
		}
	}
}

func checkSet(t *testing.T, set Set) {
	t.Helper()
	prog, err := Program(&set)
	if err != nil {
		t.Fatal(err)
	}
	for nr := 0; nr < NumSyscalls+64; nr++ {
		want := uint32(RetAllow)
		if set.Has(nr) {
			want = RetTrace
		}
		if got := exec(t, prog, uint32(nr), unix.AUDIT_ARCH_X86_64); got != want {
			t.Fatalf("nr %d: got %#x, want %#x", nr, got, want)
		}
	}
	for _, nr := range []uint32{x32Bit, x32Bit | 1, x32Bit | 512, 0xffffffff} {
		if got := exec(t, prog, nr, unix.AUDIT_ARCH_X86_64); got != RetAllow {
			t.Errorf("nr %#x: got %#x, want ALLOW", nr, got)
		}
	}
	for nr := uint32(0); nr < 10; nr++ {
		if got := exec(t, prog, nr, unix.AUDIT_ARCH_I386); got != RetAllow {
			t.Errorf("i386 nr %d: got %#x, want ALLOW", nr, got)
		}
	}
}

func TestProgram(t *testing.T) {
	all := All()
	req := Required()
	var none, odd, sparse Set
	for nr := 1; nr < NumSyscalls; nr += 2 {
		odd.Add(nr)
	}
	for _, nr := range []int{0, 1, 59, 60, 231, 435, 511} {
		sparse.Add(nr)
	}
	for name, set := range map[string]Set{"all": all, "required": req, "none": none, "odd": odd, "sparse": sparse} {
		t.Run(name, func(t *testing.T) { checkSet(t, set) })
	}
}

func TestRequired(t *testing.T) {
	req := Required()
	for _, nr := range []int{unix.SYS_OPEN, unix.SYS_OPENAT, unix.SYS_CLOSE, unix.SYS_DUP2, unix.SYS_SOCKET,
		unix.SYS_CLONE, unix.SYS_FORK, unix.SYS_VFORK, unix.SYS_CLONE3, unix.SYS_EXECVE, unix.SYS_EXECVEAT,
		unix.SYS_EXIT, unix.SYS_EXIT_GROUP, unix.SYS_CHDIR, unix.SYS_SETUID, unix.SYS_PIPE2, unix.SYS_ACCEPT4} {
		if !req.Has(nr) {
			t.Errorf("syscall %d missing from Required", nr)
		}
	}
	for _, nr := range []int{unix.SYS_READ, unix.SYS_WRITE, unix.SYS_GETPID, unix.SYS_FUTEX} {
		if req.Has(nr) {
			t.Errorf("syscall %d should not be required", nr)
		}
	}
}

func ExampleProgram() {
	set := All()
	prog, _ := Program(&set)
	fmt.Println(len(prog), "instructions")
	// Output: 9 instructions
}
