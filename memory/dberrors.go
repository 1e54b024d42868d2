package memory

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/ncruces/go-sqlite3"
	"golang.org/x/sys/unix"
)

// classify returns err, an error of the database at path, as an ErrDamaged
// or an ErrNoSpace when it is one, else unchanged. Open and every exported
// method that reads or writes the database apply it to their error.
func classify(path string, err error) error {
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

// ErrDamaged marks an error of a memory database that is not a SQLite
// database or is malformed (SQLITE_NOTADB, SQLITE_CORRUPT), from Open or
// any later read or write. Its message is "memory database <path> is
// damaged: <SQLite's message>". The store never repairs or removes such a
// file: restore it from a backup, or remove it (and its -wal and -shm
// files) to start an empty memory.
var ErrDamaged = errors.New("memory database is damaged")

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

// ErrNoSpace marks a write to a memory database that failed while its
// file system had less than lowSpace bytes free to unprivileged users:
// almost surely a full disk. Its message is "memory database <path>: write
// failed with <n> KiB free on its file system (disk full?): <SQLite's
// message>". SQLite rolled the write back; what was stored before is
// intact. (The driver reports the kernel's ENOSPC as a generic I/O error,
// SQLITE_IOERR_WRITE, hence the check of the free space.)
var ErrNoSpace = errors.New("no space left for the memory database")

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
