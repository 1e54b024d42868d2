package vault

import "errors"

// Errors returned by Open and the Vault methods, wrapped with the vault
// file's path and, where one is involved, the entry name; test with
// errors.Is. No error ever holds a credential value or a passphrase.
var (
	// ErrNoPassphrase: Open or Rotate got an empty passphrase. A CLI turns
	// it into "set BULKHEAD_CREDENTIAL_KEY".
	ErrNoPassphrase = errors.New("no credential passphrase configured")
	// ErrWrongPassphrase: the key derived from the passphrase does not open
	// the file's check block. Also the result of an edited kdf or check
	// field, which cannot be told apart from a wrong passphrase.
	ErrWrongPassphrase = errors.New("wrong credential passphrase")
	// ErrTampered: an entry's ciphertext does not authenticate under its
	// name and the vault's workspace id: it was altered, renamed, or copied
	// from another workspace or vault file.
	ErrTampered = errors.New("credential entry does not authenticate (altered, renamed or copied from another vault)")
	// ErrWorkspaceMismatch: the file names another workspace than the one
	// the vault was opened for.
	ErrWorkspaceMismatch = errors.New("vault file belongs to another workspace")
	// ErrUnsupportedVersion: the file's format version is not FormatVersion.
	ErrUnsupportedVersion = errors.New("unsupported vault format version")
	// ErrMalformed: the file is not a well-formed vault file (not JSON, a
	// field missing or of the wrong shape, a truncated file, not a regular
	// file).
	ErrMalformed = errors.New("malformed vault file")
	// ErrNotFound: no entry of that name.
	ErrNotFound = errors.New("credential entry not found")
	// ErrInvalid: a name, key, value, host or option breaks the rules given
	// at Put and Options.
	ErrInvalid = errors.New("invalid credential input")
	// ErrLimit: a Limits bound was reached.
	ErrLimit = errors.New("vault limit exceeded")
	// ErrClosed: the Vault was closed.
	ErrClosed = errors.New("vault is closed")
)
