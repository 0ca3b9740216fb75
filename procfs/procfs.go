// Package procfs reads what a capture header and the recorder need from
// /proc and the system databases: the machine-wide snapshot sysdig writes at
// the start of a capture (machine info, interfaces, users and groups, every
// thread of every process, every process' fd table with sockets resolved
// through /proc/net), and per-process reads used while recording (execve and
// clone exit parameters, socket tuples).
//
// The values follow libscap at the commit sysdig 0.29.3 ships
// (userspace/libscap/scap_procs.c, scap_fds.c, scap_iflist.c,
// scap_userlist.c); the format is described in docs/scap-format.md
// §3–§5. Where scap drops or garbles data this package deliberately does
// better, and says so next to the code:
//
//   - A value that cannot be read (another user's environ, cwd or loginuid
//     without privileges, no audit support) is left at its default; scap
//     drops the whole process instead.
//   - Unix socket paths and cgroup v2 paths do not keep the newline scap
//     leaves at their end.
//   - Netlink sockets are NETLINK entries; scap 0.29.3 writes them as unix
//     sockets with no endpoints and no path.
//   - Anon inodes are classified by their link text even when the kernel
//     reports them as regular files.
//   - MI max_pid, IL link speeds and FDL file devices are filled; scap
//     leaves them 0.
//   - exe_writable follows the kernel driver's rule for execve events,
//     evaluated with the task's credentials from its status file, instead
//     of scap's probe with the reader's switched credentials.
//
// An [FS] keeps its buffers between calls; the package-level functions
// create one per call.
package procfs

import (
	"fmt"

	"golang.org/x/sys/unix"

	"xtrace/scap"
)

// SnapshotOptions tune Snapshot.
type SnapshotOptions struct {
	// Root is the proc mount point ("/proc" when empty).
	Root string
	// ExcludeUsers leaves the user and group lists out (-E).
	ExcludeUsers bool
	// SysRoot is the sysfs mount point ("/sys" when empty), for the CPU
	// count and link speeds.
	SysRoot string
	// PasswdFile and GroupFile are the user and group databases
	// ("/etc/passwd" and "/etc/group" when empty).
	PasswdFile, GroupFile string
}

// Snapshot reads the machine-wide state as a capture header: MI, IL, UL,
// one PL entry per thread of every process, one FDL list per thread (the
// main thread's holds the process' fds, the others are empty, as sysdig
// writes them). Processes that vanish while being read are left out.
func Snapshot(o SnapshotOptions) (*scap.Header, error) {
	return NewFS(o.Root).Snapshot(o)
}

// Snapshot is the package-level [Snapshot] reading through fs; o.Root is
// ignored.
func (fs *FS) Snapshot(o SnapshotOptions) (*scap.Header, error) {
	sysRoot := o.SysRoot
	if sysRoot == "" {
		sysRoot = "/sys"
	}
	h := &scap.Header{Major: 1, Minor: 2, HasIL: true}
	var err error
	if h.Machine, err = fs.machineInfo(sysRoot); err != nil {
		return nil, err
	}
	if h.Interfaces, err = interfaces(sysRoot); err != nil {
		return nil, err
	}
	if !o.ExcludeUsers {
		passwd, group := o.PasswdFile, o.GroupFile
		if passwd == "" {
			passwd = "/etc/passwd"
		}
		if group == "" {
			group = "/etc/group"
		}
		if h.Users, err = readUsers(passwd); err != nil {
			return nil, err
		}
		if h.Groups, err = readGroups(group); err != nil {
			return nil, err
		}
		h.HasUL = true
	}
	if h.Procs, h.FDs, err = fs.processes(); err != nil {
		return nil, err
	}
	return h, nil
}

// processes reads the PL and FDL parts of a snapshot: for every numeric
// /proc entry in directory order, its main thread, then its other threads
// in task directory order.
func (fs *FS) processes() ([]scap.Proc, []scap.FDList, error) {
	fs.resetCaches()
	defer fs.resetCaches()
	root, err := openDir(fs.root)
	if err != nil {
		return nil, nil, fmt.Errorf("procfs: reading processes: %w", err)
	}
	defer unix.Close(root)
	pids, err := fs.numericNames(root, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("procfs: reading processes: %w", err)
	}
	procs := make([]scap.Proc, 0, len(pids)*2)
	fdls := make([]scap.FDList, 0, len(pids)*2)
	var pr procReader
	var sc fdScratch
	var tids []numName
	var fdbuf []scap.FD
	for _, pn := range pids {
		pid := int(pn.n)
		pdir, err := openDirAt(root, pn.name)
		if err != nil {
			continue
		}
		var p scap.Proc
		if fs.readProc(&pr, pdir, pid, pid, &p) == nil {
			procs = append(procs, p)
			fdbuf, _ = fs.readFDs(&sc, pdir, fdbuf[:0])
			var fds []scap.FD
			if len(fdbuf) > 0 {
				fds = append(make([]scap.FD, 0, len(fdbuf)), fdbuf...)
			}
			fdls = append(fdls, scap.FDList{TID: uint64(pid), FDs: fds})
		}
		tdir, err := openDirAt(pdir, "task")
		if err == nil {
			tids, _ = fs.numericNames(tdir, tids[:0])
			for _, tn := range tids {
				tid := int(tn.n)
				if tid == pid {
					continue
				}
				d, err := openDirAt(tdir, tn.name)
				if err != nil {
					continue
				}
				if fs.readProc(&pr, d, pid, tid, &p) == nil {
					procs = append(procs, p)
					fdls = append(fdls, scap.FDList{TID: uint64(tid)})
				}
				unix.Close(d)
			}
			unix.Close(tdir)
		}
		unix.Close(pdir)
	}
	return procs, fdls, nil
}
