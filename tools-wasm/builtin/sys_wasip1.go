//go:build wasip1

package builtin

import (
	"io/fs"
	"os"
	"syscall"
)

// readFlags are the open flags of the read tool. The host's confined file
// system refuses devices, FIFOs and sockets before it opens anything, and
// WASI preview 1 has neither O_NONBLOCK nor O_NOCTTY for path_open.
const readFlags = os.O_RDONLY

// linkCount returns a file's number of hard links (filestat.nlink), or 0
// when info does not carry it.
func linkCount(info fs.FileInfo) uint64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return st.Nlink
	}
	return 0
}

// unknownType reports whether info's WASI file type is unknown
// (filetype.unknown), which is how the host reports a FIFO or a socket:
// WASI preview 1 has no file types for them, and Go then shows such a file
// as a regular one.
func unknownType(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && st.Filetype == syscall.FILETYPE_UNKNOWN
}
