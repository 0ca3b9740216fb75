package seccomp_test

import (
	"testing"

	"golang.org/x/sys/unix"

	"xtrace/filter"
	"xtrace/seccomp"
)

func TestForFilter(t *testing.T) {
	const benchFilter = "evt.type in (open, openat, connect) or evt.failed=true"
	for _, c := range []struct {
		expr    string
		in, out []int
	}{
		{"proc.name=cat", []int{0, 1, 2, 257, 511}, nil},
		{"evt.type=open", []int{unix.SYS_OPEN}, []int{unix.SYS_READ, unix.SYS_OPENAT}},
		{"evt.type in (read, write) and proc.name=cat", []int{unix.SYS_READ, unix.SYS_WRITE}, []int{unix.SYS_OPEN}},
		{"proc.name=cat and evt.type=newfstatat", []int{unix.SYS_NEWFSTATAT}, []int{unix.SYS_READ}},
		{"evt.type=pread", []int{unix.SYS_PREAD64}, []int{unix.SYS_READ}},
		{"evt.type=open or proc.name=cat", []int{unix.SYS_READ, unix.SYS_OPEN}, nil},
		{"not evt.type=open", []int{unix.SYS_READ, unix.SYS_OPEN}, nil},
		{"evt.type!=open", []int{unix.SYS_READ, unix.SYS_OPEN}, nil},
		{"evt.type=open and evt.type=read", nil, []int{unix.SYS_OPEN, unix.SYS_READ}},
		{benchFilter,
			// evt.failed can match every exit: generic syscalls' extended
			// exits carry a result too. brk never fails.
			[]int{unix.SYS_OPEN, unix.SYS_OPENAT, unix.SYS_CONNECT, unix.SYS_READ, unix.SYS_WRITE, unix.SYS_CLOSE, unix.SYS_EXECVE,
				unix.SYS_GETPPID, unix.SYS_NEWFSTATAT, unix.SYS_RT_SIGPROCMASK, unix.SYS_CLOCK_NANOSLEEP, unix.SYS_WAIT4, unix.SYS_GETRANDOM},
			[]int{unix.SYS_BRK}},
		{"evt.type in (open, openat, connect)",
			[]int{unix.SYS_OPEN, unix.SYS_OPENAT, unix.SYS_CONNECT},
			[]int{unix.SYS_GETPPID, unix.SYS_NEWFSTATAT, unix.SYS_RT_SIGPROCMASK, unix.SYS_CLOCK_NANOSLEEP, unix.SYS_WAIT4, unix.SYS_GETRANDOM}},
		{"evt.type=newfstatat and evt.failed=true", []int{unix.SYS_NEWFSTATAT}, []int{unix.SYS_READ, unix.SYS_GETPPID}},
		{"evt.type=faccessat2", []int{unix.SYS_FACCESSAT2}, []int{unix.SYS_FACCESSAT}},
	} {
		t.Run(c.expr, func(t *testing.T) {
			n, err := filter.Parse(c.expr)
			if err != nil {
				t.Fatal(err)
			}
			set := seccomp.ForFilter(n)
			for _, nr := range c.in {
				if !set.Has(nr) {
					t.Errorf("syscall %d left out", nr)
				}
			}
			for _, nr := range c.out {
				if set.Has(nr) {
					t.Errorf("syscall %d traced", nr)
				}
			}
		})
	}
	if set := seccomp.ForFilter(nil); set != seccomp.All() {
		t.Error("no filter does not trace every syscall")
	}
}
