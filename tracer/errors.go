package tracer

import (
	"errors"
	"fmt"
	"os"
)

// ErrProcessGone reports a tracee that disappeared (killed, exited) while
// the tracer was working on it; ptrace answers ESRCH then.
var ErrProcessGone = errors.New("tracer: process gone")

// TraceError is a failed ptrace (or related) request on one tracee.
type TraceError struct {
	PID int
	Op  string // "ptrace(PTRACE_SEIZE)", "wait4", ...
	Err error  // an *os.SyscallError naming Op

}

func (e *TraceError) Error() string {
	return fmt.Sprintf("tracer: pid %d: %v", e.PID, e.Err)
}

func (e *TraceError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrProcessGone) true for ESRCH failures.
func (e *TraceError) Is(target error) bool {
	return target == ErrProcessGone && errors.Is(e.Err, errESRCH)
}

func traceErr(pid int, op string, err error) error {
	return &TraceError{PID: pid, Op: op, Err: os.NewSyscallError(op, err)}
}
