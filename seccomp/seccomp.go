// Package seccomp builds the classic-BPF seccomp program that decides, in
// the kernel, which syscalls of a traced process stop for the recorder
// (SECCOMP_RET_TRACE) and which run untouched (SECCOMP_RET_ALLOW).
//
// The set of syscalls comes from the event tables (package event): by
// default every native x86_64 syscall number the kernel driver records
// (0..511), narrowed by a capture filter later, but never below
// [Required]: the syscalls whose events change the state sysdig keeps
// (processes, fds, credentials), without which a capture reads wrong.
//
// Program layout (x86_64; struct seccomp_data is nr u32 @0, arch u32 @4):
//
//	ld  [4]                          arch
//	jeq AUDIT_ARCH_X86_64, +1        other arches (i386 int 0x80 calls):
//	ret ALLOW                        not recorded
//	ld  [0]                          nr
//	jge 0x40000000, 0, +1            x32 ABI calls: not recorded
//	ret ALLOW
//	binary search over the runs of equal decision, one RET per leaf
//
// The search tree has depth log2(runs): one comparison for the default set,
// about 8 for a scattered one. Jump offsets that would not fit the 8-bit
// jt/jf fields go through a JA.
package seccomp

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"xtrace/event"
	"xtrace/internal/linux"
)

// NumSyscalls bounds the native syscall numbers the kernel driver records
// (its SYSCALL_TABLE_SIZE); larger numbers are never traced.
const NumSyscalls = 512

// Return values of a seccomp filter (linux/seccomp.h).
const (
	RetAllow = unix.SECCOMP_RET_ALLOW
	RetTrace = unix.SECCOMP_RET_TRACE
)

// x32Bit is __X32_SYSCALL_BIT: syscall numbers of the x32 ABI have it set.
const x32Bit = 0x40000000

// Set is a set of native x86_64 syscall numbers below NumSyscalls.
type Set [NumSyscalls / 64]uint64

// Add puts nr in the set; numbers out of range are ignored.
func (s *Set) Add(nr int) {
	if nr >= 0 && nr < NumSyscalls {
		s[nr/64] |= 1 << (nr % 64)
	}
}

// Has reports whether nr is in the set.
func (s *Set) Has(nr int) bool {
	return nr >= 0 && nr < NumSyscalls && s[nr/64]&(1<<(nr%64)) != 0
}

// Union adds every member of o to s.
func (s *Set) Union(o *Set) {
	for i := range s {
		s[i] |= o[i]
	}
}

// All returns the set the kernel driver records without a filter: every
// syscall number of its table, known or not (unknown ones become generic
// events with PPM_SC code 0).
func All() Set {
	var s Set
	for i := range s {
		s[i] = ^uint64(0)
	}
	return s
}

// Required returns the syscalls that must always stop, whatever a capture
// filter says: those whose events create or destroy fds or modify the state
// sysdig derives (flags CreatesFD, DestroysFD, ModifiesState in the event
// table: open*, close, dup*, socket*, pipe*, clone*, execve*, chdir,
// set*id, ...), plus exit and exit_group, which end threads.
func Required() Set {
	var s Set
	const stateFlags = event.CreatesFD | event.DestroysFD | event.ModifiesState
	for _, sc := range event.Syscalls() {
		enter, exit := sc.Events()
		e, x := event.Info(enter), event.Info(exit)
		if (e != nil && e.Flags&stateFlags != 0) || (x != nil && x.Flags&stateFlags != 0) {
			s.Add(sc.Nr)
		}
	}
	s.Add(unix.SYS_EXIT)
	s.Add(unix.SYS_EXIT_GROUP)
	return s
}

// Traced returns what a filter made for the syscalls in set traces: set
// plus [Required], which always stop.
func Traced(set Set) Set {
	req := Required()
	set.Union(&req)
	return set
}

// Program returns the filter that returns RetTrace for the syscalls in set
// and RetAllow for every other syscall, other architecture or x32 call.
func Program(set *Set) ([]unix.SockFilter, error) {
	// Collapse the bitmap into runs of equal decision; run i covers
	// [runs[i].lo, runs[i+1].lo).
	var runs []run
	for nr := 0; nr < NumSyscalls; nr++ {
		t := set.Has(nr)
		if len(runs) == 0 || runs[len(runs)-1].trace != t {
			runs = append(runs, run{uint32(nr), t})
		}
	}
	// Numbers at or above NumSyscalls are allowed.
	if runs[len(runs)-1].trace {
		runs = append(runs, run{NumSyscalls, false})
	}
	prog := []unix.SockFilter{
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, 4),
		jump(unix.BPF_JEQ, unix.AUDIT_ARCH_X86_64, 1, 0),
		stmt(unix.BPF_RET|unix.BPF_K, RetAllow),
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, 0),
		jump(unix.BPF_JGE, x32Bit, 0, 1),
		stmt(unix.BPF_RET|unix.BPF_K, RetAllow),
	}
	prog = append(prog, searchTree(runs)...)
	if len(prog) > unix.BPF_MAXINSNS {
		return nil, fmt.Errorf("seccomp: program of %d instructions exceeds BPF_MAXINSNS", len(prog))
	}
	return prog, nil
}

// run is a range of syscall numbers with the same decision, starting at lo.
type run struct {
	lo    uint32
	trace bool
}

// searchTree emits a binary search over runs: each inner node compares the
// syscall number with the first number of its right half, each leaf
// returns its run's decision. The code only uses relative jumps, so a
// subtree can be placed anywhere.
func searchTree(runs []run) []unix.SockFilter {
	if len(runs) == 1 {
		ret := uint32(RetAllow)
		if runs[0].trace {
			ret = RetTrace
		}
		return []unix.SockFilter{stmt(unix.BPF_RET|unix.BPF_K, ret)}
	}
	mid := len(runs) / 2
	left, right := searchTree(runs[:mid]), searchTree(runs[mid:])
	var code []unix.SockFilter
	if len(left) <= 255 {
		// jge ? right : left (left falls through)
		code = append(code, jump(unix.BPF_JGE, runs[mid].lo, uint8(len(left)), 0))
	} else {
		// jt and jf are 8 bits: jump over the left subtree with a JA.
		code = append(code,
			jump(unix.BPF_JGE, runs[mid].lo, 0, 1),
			stmt(unix.BPF_JMP|unix.BPF_JA, uint32(len(left))))
	}
	code = append(code, left...)
	return append(code, right...)
}

func stmt(code uint16, k uint32) unix.SockFilter {
	return unix.SockFilter{Code: code, K: k}
}

func jump(op uint16, k uint32, jt, jf uint8) unix.SockFilter {
	return unix.SockFilter{Code: unix.BPF_JMP | op | unix.BPF_K, K: k, Jt: jt, Jf: jf}
}

// ErrNeedNoNewPrivs is returned by Install when the caller lacks
// CAP_SYS_ADMIN and did not ask for no_new_privs.
var ErrNeedNoNewPrivs = errors.New("seccomp: installing a filter without CAP_SYS_ADMIN needs no_new_privs")

// Install loads prog as a seccomp filter for the calling thread (and what
// it executes next). With noNewPrivs it first sets PR_SET_NO_NEW_PRIVS,
// which lets an unprivileged process install a filter but also stops
// setuid programs from gaining privileges; without it the call needs
// CAP_SYS_ADMIN and fails with [ErrNeedNoNewPrivs] otherwise. The caller
// must be locked to its OS thread.
func Install(prog []unix.SockFilter, noNewPrivs bool) error {
	if noNewPrivs {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("seccomp: prctl(PR_SET_NO_NEW_PRIVS): %w", err)
		}
	}
	err := linux.SeccompSetModeFilter(prog)
	if errors.Is(err, unix.EACCES) && !noNewPrivs {
		return ErrNeedNoNewPrivs
	}
	if err != nil {
		return fmt.Errorf("seccomp: seccomp(SECCOMP_SET_MODE_FILTER): %w", err)
	}
	return nil
}
