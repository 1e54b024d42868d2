package main

import (
	"errors"

	"github.com/bulkhead-dev/bulkhead/memory"
	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/bulkhead-dev/bulkhead/wasmhost"
)

// Exit statuses of every command but `sandbox exec`, which passes its
// command's through (see sandbox_cmd.go, where exitUsage and
// exitSignalBase are defined).
const (
	exitError = 1 // any other failure
	// exitLimit: the run was stopped by one of its limits: --max-turns,
	// --timeout, a built-in tool's time budget or the guest's memory.
	exitLimit = 3
)

// usageError marks an error in the way a command was invoked: an unknown
// command or flag, a missing or extra argument, an invalid value. It exits
// with exitUsage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usage marks err, if not nil, as a usage error.
func usage(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

// statusError ends a command with exit status code and err as its error.
type statusError struct {
	code int
	err  error
}

func (e *statusError) Error() string { return e.err.Error() }

func (e *statusError) Unwrap() error { return e.err }

// exitCode maps the error a command returned to the process's exit status:
// 0 for none; a statusError's code; exitUsage for a usageError, an
// invalid workspace configuration or invalid memory input; exitLimit for a run stopped by a
// tool's time budget or the guest's memory limit; exitError for everything
// else.
func exitCode(err error) int {
	var se *statusError
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &se):
		return se.code
	case errors.As(err, &ue), errors.Is(err, runtime.ErrInvalidConfig), errors.Is(err, memory.ErrInvalid):
		return exitUsage
	case errors.Is(err, runtime.ErrToolTimeout), errors.Is(err, wasmhost.ErrGuestMemory):
		return exitLimit
	}
	return exitError
}
