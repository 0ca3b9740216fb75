package field

import (
	"xtrace/event"
	"xtrace/inspect"
)

// evt.abspath: the absolute path of a *at() syscall's path argument,
// resolved against its directory fd (sinsp's extract_abspath).

// abspathArgs names, per event type, the dirfd and path parameters of
// evt.abspath (and .src) and of evt.abspath.dst.
var abspathArgs = func() (t [event.NumTypes]struct{ src, dst [2]string }) {
	set := func(src, dst [2]string, symbols ...string) {
		for i := event.Type(0); i < event.NumTypes; i++ {
			if d := event.Info(i); d != nil {
				for _, s := range symbols {
					if d.Symbol == s {
						t[i].src, t[i].dst = src, dst
					}
				}
			}
		}
	}
	set([2]string{"olddirfd", "oldpath"}, [2]string{"newdirfd", "newpath"}, "SYSCALL_RENAMEAT_X", "SYSCALL_RENAMEAT2_X")
	set([2]string{"linkdirfd", "linkpath"}, [2]string{"linkdirfd", "linkpath"}, "SYSCALL_SYMLINKAT_X")
	set([2]string{"dirfd", "name"}, [2]string{"dirfd", "name"}, "SYSCALL_OPENAT_E", "SYSCALL_OPENAT_2_X", "SYSCALL_OPENAT2_X",
		"SYSCALL_UNLINKAT_E", "SYSCALL_UNLINKAT_2_X")
	set([2]string{"olddir", "oldpath"}, [2]string{"newdir", "newpath"}, "SYSCALL_LINKAT_E", "SYSCALL_LINKAT_2_X")
	set([2]string{"dirfd", "path"}, [2]string{"dirfd", "path"}, "SYSCALL_MKDIRAT_X")
	set([2]string{"dirfd", "filename"}, [2]string{"dirfd", "filename"}, "SYSCALL_FCHMODAT_X")
	return t
}()

// atFDCWD is PPM_AT_FDCWD, the dirfd meaning the working directory.
const atFDCWD = -100

func getEvtAbspath(f *Field, e *inspect.Event) bool {
	if !e.HasParserThread() || e.Type >= event.NumTypes {
		return false
	}
	args := abspathArgs[e.Type].src
	if f.argIndex == 2 {
		args = abspathArgs[e.Type].dst
	}
	if args[0] == "" {
		return false
	}
	di, pi := e.ParamIndex(args[0]), e.ParamIndex(args[1])
	if di < 0 || pi < 0 {
		return false
	}
	dirfd, _ := e.ParamInt(di)
	path := e.Param(pi)
	var base string
	switch {
	case len(path) > 0 && path[0] == '/':
		base = "."
	case dirfd == atFDCWD:
		base = e.Thread.Cwd()
	default:
		// sysdig adds a '/' even after a name that ends in one.
		if fd := e.Thread.FD(dirfd); fd != nil {
			f.res = append(append(f.res[:0], fd.Name...), '/')
		} else {
			f.res = append(f.res[:0], "<UNKNOWN>/"...)
		}
		base = bytesView(f.res)
	}
	f.buf = inspect.AppendConcatPath(f.buf[:0], base, path)
	return f.setBuf()
}
