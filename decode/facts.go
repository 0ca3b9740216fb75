package decode

import "xtrace/procfs"

// Facts are what a recorder read of the live process for the decoder at
// the call, in its place: the in-process agent reads them where the
// decoder would (after the call ran; before it, for an enter event) and
// ships them with its record, so that decoding the record needs
// no round trip to the process. A method reports ok false for a fact the
// source does not hold; the decoder then reads /proc, as it does with no
// Facts at all ([Call.Facts] nil, the ptrace backend).
type Facts interface {
	// FdDev returns the device of descriptor fd as the driver encodes it
	// (the low 32 bits of st_dev, new_encode_dev format), 0 when the
	// descriptor could not be stat'ed.
	FdDev(fd int) (dev uint64, ok bool)
	// FdIno returns the inode of descriptor fd, 0 when it could not be
	// stat'ed.
	FdIno(fd int) (ino uint64, ok bool)
	// VM returns the process's vm_size, vm_rss and vm_swap in KiB, as
	// /proc/PID/statm and, when the machine has swap, /proc/PID/status
	// give them (vm_swap 0 without swap).
	VM() (size, rss, swap uint64, ok bool)
	// SockNames returns the addresses getsockname and getpeername gave
	// for socket descriptor fd (peerOK false when getpeername failed),
	// ok false when the source does not hold them or getsockname
	// failed. The decoder takes them for an AF_INET or AF_INET6 socket's
	// tuple; a unix socket's tuple reads the process all the same.
	SockNames(fd int) (local, peer []byte, peerOK, ok bool)
	// Task returns the emitting thread's /proc entries as read at a
	// clone or execve exit (status, stat, the fd limit and the parts
	// its Have says), ok false when the source does not hold them.
	Task() (files *procfs.TaskFiles, ok bool)
}

// fdDev returns the device of fd of the current call's process: from its
// facts, else from /proc.
func (d *Decoder) fdDev(fd int) uint64 {
	if f := d.c.Facts; f != nil && fd >= 0 {
		if v, ok := f.FdDev(fd); ok {
			return v
		}
	}
	return d.proc.fdDev(d.c.PID, fd)
}

// fdIno returns the inode of fd of the current call's process: from its
// facts, else from /proc.
func (d *Decoder) fdIno(fd int) uint64 {
	if f := d.c.Facts; f != nil && fd >= 0 {
		if v, ok := f.FdIno(fd); ok {
			return v
		}
	}
	return d.proc.fdIno(d.c.PID, fd)
}

// vmState holds the vm counters of the current event, read once for its
// three parameters.
type vmState struct {
	loaded          bool
	size, rss, swap uint64
}

// vm returns the vm counters of the current call's process (KiB): from
// its facts, else from /proc; vm_size without Options.HiddenVMKiB.
func (d *Decoder) vm() (size, rss, swap uint64) {
	v := &d.vmSt
	if !v.loaded {
		ok := false
		if f := d.c.Facts; f != nil {
			v.size, v.rss, v.swap, ok = f.VM()
		}
		if !ok {
			v.size, v.rss, v.swap = d.proc.vm(d.c.PID)
		}
		v.size, v.loaded = d.hideVM(v.size), true
	}
	return v.size, v.rss, v.swap
}

// hideVM takes Options.HiddenVMKiB off a vm_size.
func (d *Decoder) hideVM(size uint64) uint64 {
	if size < d.opts.HiddenVMKiB {
		return 0
	}
	return size - d.opts.HiddenVMKiB
}
