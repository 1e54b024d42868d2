package archive

import "errors"

// Errors of this package; every error a Reader or Writer returns for the
// archive's content wraps one of them and names the entry.
var (
	// ErrUnsafe: an entry that could write outside the destination or
	// make something other than a directory, regular file or contained
	// symbolic link (see the package documentation).
	ErrUnsafe = errors.New("unsafe archive entry")
	// ErrLimit: more entries or bytes than Limits allow, or a
	// decompression ratio above Limits.MaxRatio.
	ErrLimit = errors.New("archive limit exceeded")
	// ErrCorrupt: not an archive of this format, a manifest that does not
	// match the stream, a digest or size that does not match, a truncated
	// stream.
	ErrCorrupt = errors.New("corrupt archive")
)
