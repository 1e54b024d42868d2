package memory

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bulkhead-dev/bulkhead/memory/internal/dbfile"
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
//   - An existing memory directory of another mode than 0700 is set to 0700
//     (except on a read-only file system), as Open sets the database's files
//     to 0600.
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
	path := DatabasePath(dir)
	if err := dbfile.CheckDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	if err := dbfile.RestrictDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("open memory store: %w", err)
	}
	return Open(path, opts)
}
