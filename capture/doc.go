// Package capture writes scap capture files for the recorder and for
// rewriting (-r IN -w OUT): a [File] is one capture (header, then events,
// plain or gzip, kept readable when a write fails), a
// [Writer] rotates files the way sysdig 0.29.3 does (-C, -G, -W, -e; see
// [Cycle] for the exact rules and names), and [Progress] draws the
// progress line on a terminal.
//
// Every capture file is created safely (see [Create]): a new file of the
// caller's, mode 0600 whatever the umask, made under a temporary name
// beside the target and renamed over it before anything is written. The
// name therefore holds the capture from the start and reads up to the
// last committed event at any time, also after a crash; a file that was
// at the name is replaced, never written through (its owner, mode and
// hard links keep their old content); symbolic links are followed except
// where the kernel's protected_symlinks would refuse them (a link of
// another user in a sticky world-writable directory such as /tmp); an
// existing device or fifo (-w /dev/null) is written as it is.
package capture
