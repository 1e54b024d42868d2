package memory

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"syscall"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/vfs"
	"golang.org/x/sys/unix"
)

// ErrUnsafePath is returned by Open and OpenWorkspace for a path they refuse
// to use: a symbolic link, a file of the wrong type, or a file with more
// than one hard link, where the store expects its own files. Open checks the
// database and its companions (memory.db-wal, memory.db-shm,
// memory.db-journal), which must be regular files of one link where they
// exist; OpenWorkspace also checks the workspace directory and its memory
// directory, which must be directories. The store never follows a link
// there, since one could lead to another workspace's memory: a hard link
// is another name of the same file, which may be in another workspace.
var ErrUnsafePath = errors.New("unsafe memory path")

// checkType returns an ErrUnsafePath error when path exists but is a
// symbolic link, or is not a directory (dir) or not a regular file with a
// single hard link (!dir).
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

// createFile creates the file at path, mode 0600 less the umask, unless it
// exists, without following a symbolic link. An existing file that is not
// empty and does not begin with sqliteHeader fails with ErrDamaged before
// SQLite opens it: SQLite would take a file of /proc, which stat calls
// empty, for a new database and fail with an I/O error. A header of zero
// bytes is let through: another process is creating the database (see
// beingCreated).
func createFile(path string) error {
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

// beingCreated reports whether the file at path starts with zero bytes
// where sqliteHeader belongs, as a database does for a moment while
// another process creates it.
func beingCreated(path string) bool {
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

// restrictFile sets the mode of the file at path, if it exists, to 0600,
// whatever the umask, without following a symbolic link. See restrictMode.
func restrictFile(path string) error {
	return restrictMode(path, 0, 0o600)
}

// restrictDir sets the mode of the directory at path, if it exists, to
// 0700, without following a symbolic link. See restrictMode.
func restrictDir(path string) error {
	return restrictMode(path, syscall.O_DIRECTORY, 0o700)
}

// restrictMode sets the mode of the file at path, if it exists, to mode,
// without following a symbolic link (flag adds open flags). A file that
// has the mode already is left alone, so that opening a store never writes
// to a file system where nothing needs changing: a chmod fails on a
// read-only file system even when the mode is unchanged. A chmod failing
// with EROFS is ignored: on a read-only file system no one can write to the
// file, whatever its mode.
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
	if err := f.Chmod(mode); err != nil && !errors.Is(err, syscall.EROFS) {
		return err
	}
	return nil
}

// onReadOnlyFS reports whether dir is on a file system mounted read-only.
func onReadOnlyFS(dir string) bool {
	return unix.Access(dir, unix.W_OK) == unix.EROFS
}

// readOnlyVFS is the name of the SQLite file system layer Open uses on a
// read-only file system: the driver's "os" layer, except that a file it
// cannot open for writing there (EROFS) is opened for reading, as SQLite's
// own layer does. SQLite opens the write-ahead log for writing even on a
// read-only connection, so without it a database whose log holds writes
// (left by a crash) could not be read.
const readOnlyVFS = "bulkhead-readonly"

var registerReadOnlyVFS = sync.OnceFunc(func() {
	vfs.Register(readOnlyVFS, readOnlyFS{vfs.Find("os").(vfs.VFSFilename)})
})

// readOnlyFS is the layer registered as readOnlyVFS.
type readOnlyFS struct{ vfs.VFSFilename }

// OpenFilename opens name as the embedded layer does, and retries for
// reading alone, without creating it, a file it fails to open for writing
// on a read-only file system.
func (v readOnlyFS) OpenFilename(name *vfs.Filename, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	f, out, err := v.VFSFilename.OpenFilename(name, flags)
	if err != nil && flags&vfs.OPEN_READWRITE != 0 && errors.Is(err, syscall.EROFS) {
		return v.VFSFilename.OpenFilename(name, flags&^(vfs.OPEN_READWRITE|vfs.OPEN_CREATE)|vfs.OPEN_READONLY)
	}
	return f, out, err
}
