//go:build linux

package confined

import (
	"errors"
	"io"
	"io/fs"
	"syscall"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// toErrno maps an error from package os, os.Root or syscall to the errno a
// guest sees. nil and io.EOF are success (zero). A syscall.Errno maps as in
// experimentalsys.UnwrapOSError (unknown numbers become EIO); so does an
// experimentalsys.Errno, which unwraps to one. The io/fs
// sentinels map to their POSIX names. Any other error comes from os.Root
// refusing a name ("path escapes from parent", an absolute symlink target)
// and maps to EPERM, the errno wazero itself uses for paths outside a
// preopen.
func toErrno(err error) experimentalsys.Errno {
	if err == nil || errors.Is(err, io.EOF) {
		return 0
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return experimentalsys.UnwrapOSError(errno)
	}
	switch {
	case errors.Is(err, fs.ErrClosed):
		return experimentalsys.EBADF
	case errors.Is(err, fs.ErrNotExist):
		return experimentalsys.ENOENT
	case errors.Is(err, fs.ErrExist):
		return experimentalsys.EEXIST
	case errors.Is(err, fs.ErrInvalid):
		return experimentalsys.EINVAL
	case errors.Is(err, fs.ErrPermission):
		return experimentalsys.EACCES
	}
	return experimentalsys.EPERM
}
