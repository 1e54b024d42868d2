package ledger

import "errors"

// Errors of Append and Records; test with errors.Is.
var (
	// ErrInvalidRecord: Append was given a record that fails validation
	// (a zero End, End before Start, a negative counter…); the message
	// names the field.
	ErrInvalidRecord = errors.New("invalid usage record")
	// ErrLineTooLong: the record's line exceeds Limits.MaxLineBytes.
	ErrLineTooLong = errors.New("usage record too long")
	// ErrNewerVersion: a segment holds a line of a format version above
	// FormatVersion, written by a newer bulkhead.
	ErrNewerVersion = errors.New("usage record from a newer format version")
	// ErrLockTimeout: the directory's lock stayed held by another writer
	// for Limits.LockTimeout.
	ErrLockTimeout = errors.New("usage ledger lock timeout")
)
