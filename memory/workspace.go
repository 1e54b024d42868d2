package memory

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// OpenWorkspace opens the memory store of an existing workspace directory
// (<stateDir>/workspaces/<id>), at DatabasePath(dir), never creating the
// workspace itself. Errors wrap ErrInvalid when dir is "" (not taken for the
// current directory), ErrNoWorkspace when dir is missing or not a
// directory, ErrUnsafePath, or come from Open.
//
// # Notes
//
//   - It follows no symbolic link from dir down: a linked dir or memory
//     directory, or a memory directory that is not a directory, is
//     ErrUnsafePath.
//   - The memory directory is the store's own, which Open makes mode 0700.
func OpenWorkspace(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errEmptyPath
	}
	dir = filepath.Clean(dir) // Lstat of "link/" would follow the link
	fi, err := os.Lstat(dir)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("%w: %s is a symbolic link", ErrUnsafePath, dir)
	case err != nil || !fi.IsDir():
		return nil, fmt.Errorf("%w: %s", ErrNoWorkspace, dir)
	}
	return Open(DatabasePath(dir), opts)
}
