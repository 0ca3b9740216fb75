package main

import (
	"fmt"
	"io"
	"os"

	"xtrace/doctor"
)

// The doctor's ptrace probe starts this binary again as a child to seize.
func init() {
	if os.Getenv(doctor.ChildEnv) != "" {
		doctor.RunChild()
	}
}

// runDoctor is `xtrace doctor`: one line per check, exit status 0 when
// recording works here, 1 when something blocks it.
func runDoctor(args []string, stdout, stderr io.Writer) int {
	for _, a := range args {
		if a == "-h" || a == "--help" {
			fmt.Fprintln(stdout, "Usage: xtrace doctor\n\nCheck whether recording works here: ptrace permission (kernel.yama.ptrace_scope, CAP_SYS_PTRACE, container seccomp/AppArmor profiles), process_vm_readv, seccomp and syscall user dispatch support, user namespaces, /proc (hidepid), the kernel version, and whether setuid programs keep their privileges. One line per check (ok, limited, blocked) with its fix; exit status 0 when recording works, 1 when it does not.")
			return 0
		}
		fmt.Fprintf(stderr, "xtrace: doctor: unexpected argument %q\n", a)
		return 2
	}
	if doctor.Report(stdout, doctor.Run(doctor.Options{})) {
		return 0
	}
	return 1
}

// explainRecordError adds the blockers `xtrace doctor` finds to a failed
// launch or attach.
func explainRecordError(err error) error {
	if why := doctor.Explain(doctor.Options{}); why != "" {
		return fmt.Errorf("%w: %s", err, why)
	}
	return err
}
