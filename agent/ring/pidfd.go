package ring

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// PidfdExit returns the wait status of the process behind pidfd once it
// has exited and been reaped (PIDFD_GET_INFO with PIDFD_INFO_EXIT, Linux
// 6.15 and later); done is false while it lives or waits as a zombie.
func PidfdExit(pidfd int) (status int, done bool, err error) {
	info := unix.PidfdInfo{Mask: unix.PIDFD_INFO_EXIT}
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(pidfd), unix.PIDFD_GET_INFO, uintptr(unsafe.Pointer(&info)))
	switch {
	case e == unix.ESRCH:
		return 0, false, nil // gone but not reaped yet: no exit information
	case e != 0:
		return 0, false, e
	}
	if info.Mask&unix.PIDFD_INFO_EXIT == 0 {
		return 0, false, nil
	}
	return int(info.Exit_code), true, nil
}
