// Package straceout prints events the way strace -f -y prints system
// calls: one complete line per call, never split into unfinished and
// resumed halves,
//
//	1234 openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3</etc/hostname>
//	1234 openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
//
// The enter event of a call is held (rendered, per thread) until its exit
// event arrives. The arguments are laid out generically: every parameter
// of the enter and exit events that the recorder reads from a syscall
// argument register (decode.ParamSource, from x86_64_fetch.tsv) is placed
// at that argument's position, and rendered by one switch over parameter
// types and their flag tables. The return value is the exit parameter the
// recorder takes from the return register. Strings and buffers are quoted
// and escaped as strace does and cut at the -s length; paths are printed
// whole; fds carry their names in angle brackets (strace -y).
package straceout
