package dbfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// RestrictFile sets the mode of the file at path, if it exists, to 0600,
// whatever the umask, without following a symbolic link. See restrictMode.
func RestrictFile(path string) error {
	return restrictMode(path, 0, 0o600)
}

// RestrictDir sets the mode of the directory at path, if it exists, to
// 0700, without following a symbolic link. See restrictMode.
//
// # Notes
//
//   - A directory with the sticky bit is refused with ErrUnsafePath and
//     left as it is: such a directory (/tmp, /var/tmp, /dev/shm) is shared
//     by users, who could plant files next to the database, and making it
//     owner-only would break its other users.
func RestrictDir(path string) error {
	return restrictMode(path, syscall.O_DIRECTORY, 0o700)
}

// restrictMode sets the mode of the file at path, if it exists, to mode,
// without following a symbolic link (flag adds open flags).
//
// # Notes
//
//   - A file that has the mode already is left alone, so that opening a
//     store never writes to a file system where nothing needs changing: a
//     chmod fails on a read-only file system even when the mode is
//     unchanged.
//   - A chmod failing with EROFS is ignored: on a read-only file system no
//     one can write to the file, whatever its mode.
func restrictMode(path string, flag int, mode fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|flag, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) == mode {
		return nil
	}
	if fi.IsDir() && fi.Mode()&fs.ModeSticky != 0 {
		return fmt.Errorf("%w: %s is a shared directory (sticky bit set)", ErrUnsafePath, path)
	}
	if err := f.Chmod(mode); err != nil && !errors.Is(err, syscall.EROFS) {
		return err
	}
	return nil
}
