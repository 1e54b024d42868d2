//go:build unix

package builtin

import (
	"io/fs"
	"os"
	"syscall"
)

// readFlags are the open(2) flags of the read tool. It opens the file
// before it checks what it is, so O_NONBLOCK keeps a FIFO from blocking the
// open and O_NOCTTY keeps a terminal from becoming the controlling
// terminal; a regular file reads the same either way.
const readFlags = os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOCTTY

// linkCount returns a file's number of hard links (st_nlink), or 0 when
// info does not carry it.
func linkCount(info fs.FileInfo) uint64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 0
}

// unknownType reports whether info's file type is unknown; on Unix the
// type is always known.
func unknownType(fs.FileInfo) bool { return false }
