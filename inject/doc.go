// Package inject is the recorder's fault injector (xtrace --inject): rules
// written in the filter language pick syscalls at their entry, and each
// rule says what the call gets instead of running: an error (error=ENOENT),
// a return value (retval=N), and/or a delay before it runs (delay=DUR),
// from the FIRST-th match on, every STEP-th (when=FIRST[+STEP]), with a
// probability (prob=P, seeded with seed=N for a reproducible run).
//
// A rule sees what a filter sees on the syscall's enter event: evt.type,
// evt.arg.* (a path argument as the call passes it), proc.name, proc.pname,
// fd.name of an fd argument, and so on. To know processes and fds the
// [Injector] runs every event the tracer writes through its own state
// engine (package inspect), starting from the capture header; the tracer
// asks it at each syscall entry ([Injector.Enter]) and skips the call when
// a rule fires (see tracer's Options.Inject). Injected calls are written
// with the scap.FlagInjected dump flag, which the evt.injected field reads.
package inject
