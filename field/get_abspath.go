package field

import (
	"xtrace/event"
	"xtrace/inspect"
)

// evt.abspath: the absolute path of a *at() syscall's path argument,
// resolved against its directory fd (sinsp's extract_abspath).

// atFDCWD is PPM_AT_FDCWD, the dirfd meaning the working directory.
const atFDCWD = -100

func getEvtAbspath(f *Field, e *inspect.Event) bool {
	if !e.HasParserThread() || e.Type >= event.NumTypes {
		return false
	}
	// The event table's AbsPath column: the dirfd and path parameters
	// of evt.abspath (and .src), and of evt.abspath.dst.
	args := e.Info.AbsPath[0]
	if f.argIndex == 2 {
		args = e.Info.AbsPath[1]
	}
	di, pi := int(args[0]), int(args[1])
	if di == event.NoParam || di >= e.NumParams() || pi >= e.NumParams() {
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
