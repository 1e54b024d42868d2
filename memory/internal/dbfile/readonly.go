package dbfile

import (
	"errors"
	"sync"
	"syscall"

	"github.com/ncruces/go-sqlite3/vfs"
	"golang.org/x/sys/unix"
)

// OnReadOnlyFS reports whether dir is on a file system mounted read-only.
func OnReadOnlyFS(dir string) bool {
	return unix.Access(dir, unix.W_OK) == unix.EROFS
}

// readOnlyVFS is the name under which ReadOnlyVFS registers its layer.
const readOnlyVFS = "bulkhead-readonly"

var registerReadOnlyVFS = sync.OnceFunc(func() {
	vfs.Register(readOnlyVFS, readOnlyFS{vfs.Find("os").(vfs.VFSFilename)})
})

// ReadOnlyVFS registers, once, and returns the name of the SQLite file
// system layer (https://sqlite.org/vfs.html) to open a database on a
// read-only file system with: the driver's "os" layer, except that a file
// it cannot open for writing there (EROFS) is opened for reading, as
// SQLite's own layer does.
//
// # Notes
//
//   - SQLite opens the write-ahead log for writing even on a read-only
//     connection, so without this layer a database whose log holds writes
//     (left by a crash) could not be read.
func ReadOnlyVFS() string {
	registerReadOnlyVFS()
	return readOnlyVFS
}

// readOnlyFS is the layer ReadOnlyVFS registers.
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
