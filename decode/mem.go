package decode

import (
	"errors"

	"golang.org/x/sys/unix"

	"xtrace/internal/linux"
)

// errFault reports tracee memory that could not be read.
var errFault = errors.New("decode: tracee memory fault")

const pageSize = 4096

// MemSource reads a traced process's memory in place of process_vm_readv:
// a recorder that copied what the decoder needs while the process ran
// (the in-process agent) hands it over through [Call.Mem].
type MemSource interface {
	// Read copies up to len(dst) bytes at addr into dst and returns
	// how many it copied: fewer when the range runs into memory the
	// source does not hold, as process_vm_readv stops at an unmapped
	// page.
	Read(addr uint64, dst []byte) (int, error)
}

// mem reads tracee memory with process_vm_readv, one call per buffer, into
// caller-provided slices; its iovec arrays are reused. With src set (the
// call's MemSource) it reads from there instead.
type mem struct {
	src    MemSource
	local  [1]unix.Iovec
	remote [1]unix.RemoteIovec
	// gathering (readv/writev data)
	glocal  [1]unix.Iovec
	gremote []unix.RemoteIovec
}

// read copies up to len(dst) bytes from addr and returns how many were
// copied: fewer when the range runs into unmapped memory.
func (m *mem) read(pid int, addr uint64, dst []byte) (int, error) {
	if len(dst) == 0 {
		return 0, nil
	}
	if m.src != nil {
		return m.src.Read(addr, dst)
	}
	m.local[0].Base = &dst[0]
	m.local[0].SetLen(len(dst))
	m.remote[0] = unix.RemoteIovec{Base: uintptr(addr), Len: len(dst)}
	return linux.ProcessVMReadv(pid, m.local[:], m.remote[:])
}

// readFull copies exactly len(dst) bytes or fails.
func (m *mem) readFull(pid int, addr uint64, dst []byte) error {
	if len(dst) == 0 {
		return nil
	}
	if addr == 0 {
		return errFault
	}
	n, err := m.read(pid, addr, dst)
	if err != nil || n != len(dst) {
		return errFault
	}
	return nil
}

// readString appends the NUL-terminated string at addr to dst (without the
// NUL), reading at most max bytes. It reads up to the end of the page
// first, so a short string costs one system call and never faults on the
// next page. A string longer than max is cut; a fault before the NUL is an
// error, as the kernel's strncpy_from_user reports it.
func (m *mem) readString(pid int, addr uint64, dst []byte, max int) ([]byte, error) {
	for len(dst) < max {
		chunk := int(pageSize - addr%pageSize)
		if chunk > max-len(dst) {
			chunk = max - len(dst)
		}
		start := len(dst)
		if cap(dst)-start < chunk {
			nd := make([]byte, start, start+chunk+pageSize)
			copy(nd, dst)
			dst = nd
		}
		buf := dst[start : start+chunk]
		n, err := m.read(pid, addr, buf)
		if err != nil || n == 0 {
			return dst[:start], errFault
		}
		for i := 0; i < n; i++ {
			if buf[i] == 0 {
				return dst[:start+i], nil
			}
		}
		if n < chunk {
			return dst[:start], errFault
		}
		dst = dst[:start+n]
		addr += uint64(n)
	}
	return dst, nil
}

// gather copies the remote ranges into dst with one process_vm_readv.
func (m *mem) gather(pid int, remote []unix.RemoteIovec, dst []byte) (int, error) {
	if len(dst) == 0 || len(remote) == 0 {
		return 0, nil
	}
	if m.src != nil {
		// The iovecs one after the other, stopping at the first
		// short read, as process_vm_readv does.
		n := 0
		for _, r := range remote {
			want := min(r.Len, len(dst)-n)
			got, err := m.src.Read(uint64(r.Base), dst[n:n+want])
			n += got
			if err != nil || got < want || n == len(dst) {
				if n == 0 && err != nil {
					return 0, err
				}
				return n, nil
			}
		}
		return n, nil
	}
	m.glocal[0].Base = &dst[0]
	m.glocal[0].SetLen(len(dst))
	return linux.ProcessVMReadv(pid, m.glocal[:], remote)
}
