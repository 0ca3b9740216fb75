package record

import (
	"sort"
	"strings"

	"xtrace/inspect"
	"xtrace/scap"
)

// headerFromState writes the state engine's view of the machine as a
// capture header, for the files after the first of a rotated recording:
// the machine info, interfaces and users of base (the first file's
// header), then one PL entry and one FDL list per thread the engine
// knows, as sysdig's own dumper writes its thread table
// (sinsp_thread_manager::dump_threads_to_file). The state is the one after
// the event that starts the new file, which a reader then applies again
// (sysdig's state engine has also processed an event before it dumps it).
//
// Why not a fresh scan of /proc, as sysdig does when it opens a file live:
// the recorder hands events to the writer in batches, so the rotation
// point is up to a batch behind the traced processes, and a process that
// exits in between would be missing from the new file's header, its last
// events there shown as <NA>. The engine's view is exact at the rotation
// point; what it lacks is only what the capture itself never showed
// (untraced processes started since the first header).
func headerFromState(in *inspect.Inspector, base *scap.Header) *scap.Header {
	h := &scap.Header{Major: base.Major, Minor: base.Minor, Machine: base.Machine,
		Interfaces: base.Interfaces, HasIL: base.HasIL, Users: base.Users, Groups: base.Groups, HasUL: base.HasUL,
		Recorder: base.Recorder}
	var threads []*inspect.Thread
	in.Threads(func(t *inspect.Thread) bool {
		threads = append(threads, t)
		return true
	})
	// Processes in pid order, each main thread first, as a /proc scan
	// lists them.
	sort.Slice(threads, func(i, j int) bool {
		a, b := threads[i], threads[j]
		if a.PID != b.PID {
			return a.PID < b.PID
		}
		if am, bm := a.TID == a.PID, b.TID == b.PID; am != bm {
			return am
		}
		return a.TID < b.TID
	})
	h.Procs = make([]scap.Proc, 0, len(threads))
	h.FDs = make([]scap.FDList, 0, len(threads))
	for _, t := range threads {
		h.Procs = append(h.Procs, procOf(t))
		list := scap.FDList{TID: uint64(t.TID)}
		if t.IsMain() {
			t.FDs().Each(func(fd *inspect.FD) {
				if f, ok := fdOf(fd); ok {
					list.FDs = append(list.FDs, f)
				}
			})
		}
		h.FDs = append(h.FDs, list)
	}
	return h
}

// procOf is a thread as a PL entry.
func procOf(t *inspect.Thread) scap.Proc {
	p := scap.Proc{
		TID: t.TID, PID: t.PID, PTID: t.PTID, SID: t.SID, VPGID: t.VPGID,
		Comm: t.Comm, Exe: t.Exe, ExePath: t.ExePath,
		Args:    joinNUL(t.Args),
		Cwd:     t.Cwd(),
		FDLimit: t.FDLimit, Flags: t.Flags,
		UID: t.UID, GID: t.GID,
		VMSizeKB: t.VMSizeKB, VMRSSKB: t.VMRSSKB, VMSwapKB: t.VMSwapKB,
		PFMajor: t.PFMajor, PFMinor: t.PFMinor,
		VTID: t.VTID, VPID: t.VPID,
		Cgroups:     joinNUL(t.Cgroups),
		Root:        t.Root,
		LoginUID:    t.LoginUID,
		ExeWritable: t.ExeWritable,
	}
	if t.IsMain() {
		p.Env = joinNUL(t.Environ())
	}
	return p
}

// joinNUL joins strings, each followed by a NUL.
func joinNUL(s []string) string {
	var b strings.Builder
	for _, v := range s {
		b.WriteString(v)
		b.WriteByte(0)
	}
	return b.String()
}

// fdOf is an fd as an FDL entry; fds of unknown type are left out, as
// scap leaves them out.
func fdOf(fd *inspect.FD) (scap.FD, bool) {
	f := scap.FD{Num: fd.Num, Ino: fd.Ino, Type: uint8(fd.Type)}
	switch fd.Type {
	case inspect.FDUnknown:
		return f, false
	case inspect.FDIPv4Sock:
		f.SIP, f.DIP = clone(fd.SIP[:4]), clone(fd.DIP[:4])
		f.SPort, f.DPort, f.L4Proto = fd.SPort, fd.DPort, fd.L4Proto
	case inspect.FDIPv6Sock:
		f.SIP, f.DIP = clone(fd.SIP[:]), clone(fd.DIP[:])
		f.SPort, f.DPort, f.L4Proto = fd.SPort, fd.DPort, fd.L4Proto
	case inspect.FDIPv4Serv:
		f.SIP, f.SPort, f.L4Proto = clone(fd.SIP[:4]), fd.SPort, fd.L4Proto
	case inspect.FDIPv6Serv:
		f.SIP, f.SPort, f.L4Proto = clone(fd.SIP[:]), fd.SPort, fd.L4Proto
	case inspect.FDUnixSock:
		f.Source, f.Dest, f.Name = fd.UnixSource, fd.UnixDest, fd.Name
	case inspect.FDFileV2:
		f.Name, f.OpenFlags, f.Dev = fd.Name, fd.OpenFlags, fd.Dev
	default:
		f.Name = fd.Name
	}
	return f, true
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
