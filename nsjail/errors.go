package nsjail

import (
	"fmt"
	"syscall"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
)

// SetupError reports that the jail could not be set up, so the command did
// not run. Step names the layer that failed: "namespaces" (clone),
// "user", "fds" (closing inherited descriptors), "cgroup", "mnt", "uts",
// "net", "rlimit", "caps", "seccomp",
// "verify" (a layer read back from inside differs), "spec", "signals",
// "exec" (the program was not found or could not be executed) or "init"
// (the init stage died without a report). Err's message names the system
// call and its arguments, and wraps the syscall.Errno when there is one,
// so errors.Is(err, syscall.EPERM) works across the process boundary.
type SetupError struct {
	Step string
	Err  error
}

// Error returns "nsjail: setup step STEP: ERR".
func (e *SetupError) Error() string {
	return fmt.Sprintf("nsjail: setup step %s: %v", e.Step, e.Err)
}

// Unwrap returns the underlying error.
func (e *SetupError) Unwrap() error { return e.Err }

// remoteError is an error that crossed the report pipe from the init stage:
// its text and, when known, its errno.
type remoteError struct {
	msg   string
	errno syscall.Errno
}

func (e *remoteError) Error() string { return e.msg }

// Unwrap returns the errno, or nil when the init stage had none.
func (e *remoteError) Unwrap() error {
	if e.errno == 0 {
		return nil
	}
	return e.errno
}

// reportError turns a failure report into a *SetupError, or returns nil
// if r is a status report.
func reportError(r stage.Report) error {
	if r.Step == "" {
		return nil
	}
	return &SetupError{Step: r.Step, Err: &remoteError{msg: r.Error, errno: syscall.Errno(r.Errno)}}
}

// sysErr formats a failed system call as "NAME(ARGS): ERR", keeping err
// wrapped.
func sysErr(name, args string, err error) error {
	return fmt.Errorf("%s(%s): %w", name, args, err)
}

// FixError is a refusal that knows what would lift it: Problem says what
// is wrong, Fix what to change on the host or in the Config. [Check]
// shows them apart; Error joins them.
type FixError struct {
	Problem string
	Fix     string
}

// Error returns "PROBLEM; FIX".
func (e *FixError) Error() string { return e.Problem + "; " + e.Fix }

// fixErrorf formats a FixError's problem; fix is used as is.
func fixErrorf(fix, format string, args ...any) *FixError {
	return &FixError{Problem: fmt.Sprintf(format, args...), Fix: fix}
}
