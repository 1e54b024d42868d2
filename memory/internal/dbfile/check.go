package dbfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/ncruces/go-sqlite3"
)

// CheckFile returns an error wrapping ErrUnsafePath when path exists but is
// a symbolic link, not a regular file, or a file with more than one hard
// link; nil when it does not exist.
func CheckFile(path string) error { return checkType(path, false) }

// CheckDir returns an error wrapping ErrUnsafePath when path exists but is
// a symbolic link or not a directory; nil when it does not exist.
func CheckDir(path string) error { return checkType(path, true) }

// checkType is CheckDir (dir) or CheckFile (!dir).
func checkType(path string, dir bool) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%w: %s is a symbolic link", ErrUnsafePath, path)
	case dir && !fi.IsDir():
		return fmt.Errorf("%w: %s is not a directory", ErrUnsafePath, path)
	case !dir && !fi.Mode().IsRegular():
		return fmt.Errorf("%w: %s is not a regular file", ErrUnsafePath, path)
	}
	if n := fi.Sys().(*syscall.Stat_t).Nlink; !dir && n > 1 {
		return fmt.Errorf("%w: %s has %d hard links", ErrUnsafePath, path, n)
	}
	return nil
}

// sqliteHeader begins every SQLite database file
// (https://sqlite.org/fileformat.html#the_database_header).
const sqliteHeader = "SQLite format 3\x00"

// Create creates the file at path, mode 0600 less the umask, unless it
// exists, without following a symbolic link.
//
// # Notes
//
//   - An existing file that is not empty and does not begin with SQLite's
//     header fails with ErrDamaged before SQLite opens it: SQLite would take
//     a file of /proc, which stat calls empty, for a new database and fail
//     with an I/O error.
//   - A header of zero bytes is let through: another process is creating
//     the database (see BeingCreated).
func Create(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("open memory store: %w", err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	if n > 0 && string(head[:n]) != sqliteHeader && !zeros(head[:n]) {
		return &damagedError{path, sqlite3.NOTADB, sqlite3.NOTADB}
	}
	if err != nil && err != io.EOF { // io.EOF: empty, a new database
		return fmt.Errorf("open memory store: %w", err)
	}
	return nil
}

// BeingCreated reports whether the file at path starts with zero bytes
// where SQLite's header belongs, as a database does for a moment while
// another process creates it.
func BeingCreated(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, _ := io.ReadFull(f, head)
	return n > 0 && zeros(head[:n])
}

// zeros reports whether b is all zero bytes.
func zeros(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
