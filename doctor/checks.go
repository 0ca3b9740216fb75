package doctor

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// minKernel is the oldest kernel the recorder runs on:
// PTRACE_GET_SYSCALL_INFO came with Linux 5.3 (and seccomp stops after
// syscall-enter stops with 4.8).
var minKernel = [2]int{5, 3}

func kernelVersion(rel string) (major, minor int) {
	fs := strings.FieldsFunc(rel, func(r rune) bool { return r < '0' || r > '9' })
	if len(fs) >= 2 {
		major, _ = strconv.Atoi(fs[0])
		minor, _ = strconv.Atoi(fs[1])
	}
	return major, minor
}

func kernelCheck(f *facts) Check {
	c := Check{Name: "kernel", Detail: "Linux " + f.kernel}
	maj, min := kernelVersion(f.kernel)
	if maj < minKernel[0] || (maj == minKernel[0] && min < minKernel[1]) {
		c.Status = Blocked
		c.Detail += fmt.Sprintf(" is older than %d.%d (PTRACE_GET_SYSCALL_INFO)", minKernel[0], minKernel[1])
		c.Fix = "run on Linux 5.3 or later"
	}
	return c
}

// yamaMeaning says what each kernel.yama.ptrace_scope value allows.
func yamaMeaning(v int) string {
	switch v {
	case 0:
		return "classic: any process of the same user"
	case 1:
		return "restricted: only descendants, unless CAP_SYS_PTRACE"
	case 2:
		return "admin-only: only with CAP_SYS_PTRACE"
	case 3:
		return "no attach: ptrace is off until reboot"
	}
	return "unknown value"
}

// denialCause names what refused a ptrace or process_vm_readv request
// with EPERM, from the facts.
func denialCause(f *facts) (cause, fix string) {
	switch {
	case f.yama == 3:
		return "kernel.yama.ptrace_scope=3 (" + yamaMeaning(3) + ")", "reboot with kernel.yama.ptrace_scope at 0-2 (the value 3 cannot be lowered at run time)"
	case f.yama == 2 && !f.capPtrace:
		return "kernel.yama.ptrace_scope=2 (" + yamaMeaning(2) + ") and xtrace lacks CAP_SYS_PTRACE", "run xtrace as root, or `sysctl kernel.yama.ptrace_scope=1`"
	case f.seccompMode == 2:
		return fmt.Sprintf("a seccomp profile on xtrace (%d filters, typically the container runtime's) denies it", f.seccompCount),
			"docker run --cap-add=SYS_PTRACE (Docker's default profile then allows ptrace) or --security-opt seccomp=unconfined; Kubernetes: securityContext.capabilities.add [SYS_PTRACE] or seccompProfile Unconfined"
	case f.apparmor != "":
		return "AppArmor profile " + f.apparmor + " denies it", "--security-opt apparmor=unconfined, or allow ptrace in the profile"
	}
	return "refused for a reason the other checks do not show (an LSM such as SELinux?)", "check the audit log (dmesg, /var/log/audit)"
}

// blame adds to a refused check what refused it and the fix.
func (c *Check) blame(f *facts) {
	cause, fix := denialCause(f)
	c.Detail += ": " + cause
	c.Fix = fix
}

func ptraceCheck(f *facts) Check {
	c := Check{Name: "ptrace"}
	switch {
	case f.probeErr != nil:
		c.Status, c.Detail = Blocked, f.probeErr.Error()
		c.Fix = "xtrace must be able to start itself again (/proc/self/exe)"
	case f.seizeErr != nil:
		c.Status = Blocked
		c.Detail = "PTRACE_SEIZE of a child: " + f.seizeErr.Error()
		if errors.Is(f.seizeErr, unix.EPERM) || errors.Is(f.seizeErr, unix.EACCES) {
			c.blame(f)
		}
	default:
		c.Detail = "a child can be seized and stopped"
		if f.yama >= 0 {
			c.Detail += fmt.Sprintf(" (kernel.yama.ptrace_scope=%d: %s)", f.yama, yamaMeaning(f.yama))
		}
	}
	return c
}

func vmCheck(f *facts) Check {
	c := Check{Name: "process_vm_readv"}
	switch {
	case f.vmErr == nil && f.seizeErr == nil && f.probeErr == nil:
		c.Detail = "tracee memory is readable"
	case f.vmErr == nil:
		c.Detail = "allowed on xtrace itself (a tracee's depends on ptrace)"
	default:
		c.Status = Blocked
		c.Detail = f.vmErr.Error()
		if errors.Is(f.vmErr, unix.EPERM) || errors.Is(f.vmErr, unix.ENOSYS) {
			c.blame(f)
		}
	}
	return c
}

func attachCheck(f *facts) Check {
	c := Check{Name: "attach (-p)"}
	switch {
	case f.seizeErr != nil || f.probeErr != nil:
		c.Status, c.Detail, c.follows = Blocked, "needs ptrace (see above)", true
	case f.capPtrace:
		c.Detail = "CAP_SYS_PTRACE: any process"
	case f.yama == 1:
		c.Status = Limited
		c.Detail = "no CAP_SYS_PTRACE and kernel.yama.ptrace_scope=1: only xtrace's own descendants, not running processes"
		c.Fix = "run as root, or `sysctl kernel.yama.ptrace_scope=0`"
	case f.yama == 2:
		c.Status = Blocked
		c.Detail = "kernel.yama.ptrace_scope=2 without CAP_SYS_PTRACE"
		c.Fix = "run as root"
	default:
		c.Status = Limited
		c.Detail = "no CAP_SYS_PTRACE: only processes of your own user"
		c.Fix = "run as root to attach to other users' processes"
	}
	return c
}

func seccompCheck(f *facts) Check {
	c := Check{Name: "seccomp"}
	switch {
	case f.retTrace == nil:
		c.Detail = "filters may return SECCOMP_RET_TRACE"
	case errors.Is(f.retTrace, unix.EINVAL):
		// SECCOMP_GET_ACTION_AVAIL is from 4.14; older kernels have
		// RET_TRACE since 3.5 but the kernel check blocks them anyway.
		c.Status, c.Detail = Limited, "the kernel cannot be asked about SECCOMP_RET_TRACE (before Linux 4.14)"
	case errors.Is(f.retTrace, unix.EOPNOTSUPP):
		c.Status, c.Detail = Blocked, "SECCOMP_RET_TRACE is not supported"
		c.Fix = "a kernel built with CONFIG_SECCOMP_FILTER"
	default:
		c.Status, c.Detail = Blocked, "seccomp(): "+f.retTrace.Error()
		c.blame(f)
	}
	if c.Status == OK && f.seccompMode == 2 {
		c.Detail += fmt.Sprintf("; xtrace itself runs under %d filters (a container profile): the command's filter stacks on them", f.seccompCount)
	}
	return c
}

func sudCheck(f *facts) Check {
	c := Check{Name: "syscall-dispatch"}
	switch {
	case f.sud == nil:
		c.Detail = "syscall user dispatch is available: the agent backend records dynamically linked commands (--backend=auto's choice)"
	case errors.Is(f.sud, unix.EINVAL):
		c.Status, c.Detail = Limited, "no syscall user dispatch (Linux 5.11+): only the ptrace backend is available (--backend=auto uses it)"
	default:
		c.Status, c.Detail = Limited, "syscall user dispatch: "+f.sud.Error()
	}
	return c
}

func usernsCheck(f *facts) Check {
	c := Check{Name: "user namespace"}
	switch {
	case f.uidMap == "":
		c.Status, c.Detail = Limited, "uid_map unreadable: cannot tell"
	case f.uidMap == "0 0 4294967295":
		c.Detail = "initial user namespace"
	default:
		c.Status = Limited
		c.Detail = "inside a user namespace (uid_map " + f.uidMap + "): capabilities count only inside it, processes outside it cannot be traced, and uids in the capture are the namespace's"
	}
	return c
}

func procCheck(f *facts, root string) Check {
	c := Check{Name: "/proc"}
	switch {
	case f.procErr != nil:
		c.Status = Blocked
		c.Detail = root + " is not readable: " + f.procErr.Error()
		c.Fix = "mount proc on /proc (mount -t proc proc /proc; docker: do not mask it)"
	case f.hidepid != "" && f.euid != 0:
		c.Status = Limited
		c.Detail = "mounted with hidepid=" + f.hidepid + ": the capture header lists only your own processes"
		c.Fix = "run as root, or mount proc without hidepid (or with gid= of a group you are in)"
	default:
		c.Detail = "mounted; the snapshot sees every process"
		if f.hidepid != "" {
			c.Detail = "mounted with hidepid=" + f.hidepid + " (root sees every process)"
		}
	}
	return c
}

func setuidCheck(f *facts) Check {
	c := Check{Name: "setuid"}
	switch {
	case f.noNewPrivs:
		c.Status = Limited
		c.Detail = "xtrace already runs with no_new_privs (inherited): setuid and file-capability programs run without their privileges"
		c.Fix = "start xtrace from a parent without no_new_privs"
	case f.capAdmin:
		c.Detail = "CAP_SYS_ADMIN: the filter is installed without no_new_privs, setuid programs keep their privileges"
	default:
		c.Status = Limited
		c.Detail = "without CAP_SYS_ADMIN the command runs with no_new_privs: setuid and file-capability programs (sudo, ping) run without their privileges"
		c.Fix = "run xtrace as root to keep them"
	}
	return c
}
