package stage

import (
	"strconv"
	"syscall"
)

// sysError is a failed system call: its name, its arguments as text and the
// errno, which Unwrap returns so it survives into the report.
type sysError struct {
	call, args string
	errno      syscall.Errno
}

func (e *sysError) Error() string { return e.call + "(" + e.args + "): " + e.errno.Error() }

// Unwrap returns the errno.
func (e *sysError) Unwrap() error { return e.errno }

// sysErr describes the failed call name(args); err is the syscall.Errno
// the call returned (any other error is returned as is).
func sysErr(name, args string, err error) error {
	errno, ok := err.(syscall.Errno)
	if !ok {
		return err
	}
	return &sysError{call: name, args: args, errno: errno}
}

// layerError prefixes an error with the layer it concerns.
type layerError struct {
	layer string
	err   error
}

func (e *layerError) Error() string { return e.layer + ": " + e.err.Error() }

func (e *layerError) Unwrap() error { return e.err }

// stageError is a plain error message.
type stageError string

func (e stageError) Error() string { return string(e) }

// q quotes s as a Go string literal, for messages.
func q(s string) string { return strconv.Quote(s) }

// itoa formats an integer, for messages.
func itoa[T ~int | ~int64 | ~uint64 | ~uint32 | ~uintptr](v T) string {
	return strconv.FormatInt(int64(v), 10)
}

// hex formats an integer in hexadecimal, for messages.
func hex[T ~int64 | ~uint64 | ~uintptr](v T) string {
	return "0x" + strconv.FormatUint(uint64(v), 16)
}
