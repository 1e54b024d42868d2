package dbfile

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/ncruces/go-sqlite3"
	"golang.org/x/sys/unix"
)

// Errors of the package; package memory exports them under the same names.
var (
	// ErrUnsafePath marks a path refused because it is a symbolic link, a
	// file of the wrong type or a file with more than one hard link.
	ErrUnsafePath = errors.New("unsafe memory path")
	// ErrDamaged marks an error of a file that is not a SQLite database or
	// is malformed (SQLITE_NOTADB, SQLITE_CORRUPT).
	ErrDamaged = errors.New("memory database is damaged")
	// ErrNoSpace marks a write that failed while the file system had less
	// than lowSpace bytes free to unprivileged users.
	ErrNoSpace = errors.New("no space left for the memory database")
	// ErrReplaced marks a connection that opened another file than the one
	// pinned (see Pin).
	ErrReplaced = errors.New("memory database was replaced since the store opened it")
)

// Classify returns err, an error of the database at path, as an ErrDamaged
// or an ErrNoSpace error when it is one, else unchanged.
//
// # Notes
//
//   - An ErrDamaged error reads "memory database <path> is damaged:
//     <SQLite's message>".
//   - The driver reports the kernel's ENOSPC as a generic I/O error
//     (SQLITE_IOERR_WRITE), hence the check of the free space; the error
//     reads "memory database <path>: write failed with <n> KiB free on its
//     file system (disk full?): <SQLite's message>".
func Classify(path string, err error) error {
	var code sqlite3.ErrorCode
	if err == nil || errors.Is(err, ErrDamaged) || errors.Is(err, ErrNoSpace) || !errors.As(err, &code) {
		return err
	}
	switch code {
	case sqlite3.CORRUPT, sqlite3.NOTADB:
		return &damagedError{path, code, err}
	case sqlite3.FULL, sqlite3.IOERR:
		var st unix.Statfs_t
		if unix.Statfs(filepath.Dir(path), &st) == nil && st.Bavail*uint64(st.Bsize) < lowSpace {
			return &noSpaceError{path, st.Bavail * uint64(st.Bsize), err}
		}
	}
	return err
}

// damagedError is an ErrDamaged: the database's path, SQLite's primary
// error code and the error reporting it.
type damagedError struct {
	path string
	code sqlite3.ErrorCode
	err  error
}

func (e *damagedError) Error() string {
	return fmt.Sprintf("memory database %s is damaged: %v", e.path, e.code)
}

func (e *damagedError) Is(target error) bool { return target == ErrDamaged }
func (e *damagedError) Unwrap() error        { return e.err }

// lowSpace is the free space in bytes below which a failed write is taken
// for a full disk: a write of a memory at the 1 MiB limit, its full-text
// index and the write-ahead log's copy of both.
const lowSpace = 4 << 20

// noSpaceError is an ErrNoSpace: the database's path, the bytes free on
// its file system and the error reporting the failed write.
type noSpaceError struct {
	path string
	free uint64
	err  error
}

func (e *noSpaceError) Error() string {
	return fmt.Sprintf("memory database %s: write failed with %d KiB free on its file system (disk full?): %v", e.path, e.free>>10, e.err)
}

func (e *noSpaceError) Is(target error) bool { return target == ErrNoSpace }
func (e *noSpaceError) Unwrap() error        { return e.err }
