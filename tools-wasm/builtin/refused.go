package builtin

import (
	"errors"
	"fmt"
	"io/fs"
)

// errHardLinks explains why the host refuses a file with several links.
const errHardLinks = "refused: the file has several hard links, which could name a file outside the workspace"

// fsError formats a failed file operation on the resolved name for the
// model. A permission error is often the host's confined file system
// (package wasmhost/confined) refusing the file itself rather than its
// permission bits: it will not open a regular file with several hard links
// (another name of it may lie outside the workspace), a device, a FIFO or a
// socket. fsError then stats name to say which, since the guest sees only
// EACCES. (Inside the guest a FIFO or socket has an unknown WASI file type;
// see unknownType.)
func (c *call) fsError(op, name string, err error) error {
	if errors.Is(err, fs.ErrPermission) {
		if info, statErr := c.root.Stat(name); statErr == nil {
			switch {
			case unknownType(info):
				return fmt.Errorf("%s %s: not a regular file (a FIFO, a socket or another special file)", op, shown(name))
			case info.Mode().IsRegular() && linkCount(info) > 1:
				return fmt.Errorf("%s %s: %s", op, shown(name), errHardLinks)
			case !info.Mode().IsRegular() && !info.IsDir():
				return notRegular(op, name, info)
			}
		}
	}
	return fmt.Errorf("%s %s: %s", op, shown(name), describe(err))
}

// notRegular is the error for an operation on a file that is neither a
// regular file nor a directory; it names the file's type bits.
func notRegular(op, name string, info fs.FileInfo) error {
	return fmt.Errorf("%s %s: not a regular file (%s)", op, shown(name), info.Mode().Type())
}
