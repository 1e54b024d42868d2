package dbfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// OwnDir makes the directory at path, the one holding a database, the
// store's own: it creates it with mode 0700 if missing (its parent must
// exist) and sets an existing one to mode 0700, without following a
// symbolic link.
//
// # Notes
//
//   - A symbolic link or a file that is not a directory is refused with
//     ErrUnsafePath (see CheckDir), and a directory with the sticky bit
//     too (see RestrictDir); nothing is changed then.
//   - On a read-only file system an existing directory keeps its mode.
//   - Other errors read "open memory store: <cause>".
func OwnDir(path string) error {
	if err := os.Mkdir(path, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("open memory store: %w", err)
	}
	if err := CheckDir(path); err != nil {
		return err
	}
	err := RestrictDir(path)
	if err != nil && !errors.Is(err, ErrUnsafePath) {
		err = fmt.Errorf("open memory store: %w", err)
	}
	return err
}
