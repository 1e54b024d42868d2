//go:build !unix && !wasip1

package builtin

import (
	"io/fs"
	"os"
)

// readFlags are the open flags of the read tool.
const readFlags = os.O_RDONLY

// linkCount returns 0: this platform's file information carries no link
// count, and no confined file system refuses multiply linked files on it.
func linkCount(fs.FileInfo) uint64 { return 0 }

// unknownType reports false: this platform reports every file's type.
func unknownType(fs.FileInfo) bool { return false }
