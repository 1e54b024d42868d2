//go:build linux

package confined

import (
	"io"
	"io/fs"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// writeFlags are the open flags that may create or change a file.
const writeFlags = experimentalsys.O_WRONLY | experimentalsys.O_RDWR | experimentalsys.O_CREAT |
	experimentalsys.O_TRUNC | experimentalsys.O_APPEND

// ReadOnly returns a file system that serves fsys (normally one New
// returned) for reading only: every call that would create, change,
// rename or remove anything fails with EROFS, as on a read-only mount
// (see mount(2) MS_RDONLY), and so does opening a file with a flag that
// writes, creates or truncates (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC,
// O_APPEND). Files opened through it refuse Write, Pwrite and Truncate
// with EBADF (they are open for reading only, as write(2) says) and
// Utimens with EROFS.
//
// # Notes
//
//   - The result implements io.Closer when fsys does, and Close closes
//     fsys.
//   - The check is on the call, not on the files: nothing reachable
//     through fsys by other means (another mount, the host) is protected.
func ReadOnly(fsys experimentalsys.FS) experimentalsys.FS {
	return readOnlyFS{fs: fsys}
}

// readOnlyFS is the experimentalsys.FS returned by ReadOnly.
type readOnlyFS struct {
	fs experimentalsys.FS
}

var (
	_ experimentalsys.FS = readOnlyFS{}
	_ io.Closer          = readOnlyFS{}
)

// Close closes the wrapped file system when it is an io.Closer.
func (r readOnlyFS) Close() error {
	if c, ok := r.fs.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// OpenFile implements experimentalsys.FS.OpenFile for reading only.
func (r readOnlyFS) OpenFile(name string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	if flag&writeFlags != 0 {
		return nil, experimentalsys.EROFS
	}
	f, errno := r.fs.OpenFile(name, flag, perm)
	if errno != 0 {
		return nil, errno
	}
	return readOnlyFile{File: f}, 0
}

// Lstat implements experimentalsys.FS.Lstat.
func (r readOnlyFS) Lstat(name string) (sys.Stat_t, experimentalsys.Errno) {
	return r.fs.Lstat(name)
}

// Stat implements experimentalsys.FS.Stat.
func (r readOnlyFS) Stat(name string) (sys.Stat_t, experimentalsys.Errno) {
	return r.fs.Stat(name)
}

// Readlink implements experimentalsys.FS.Readlink.
func (r readOnlyFS) Readlink(name string) (string, experimentalsys.Errno) {
	return r.fs.Readlink(name)
}

// Mkdir implements experimentalsys.FS.Mkdir: EROFS.
func (readOnlyFS) Mkdir(string, fs.FileMode) experimentalsys.Errno { return experimentalsys.EROFS }

// Chmod implements experimentalsys.FS.Chmod: EROFS.
func (readOnlyFS) Chmod(string, fs.FileMode) experimentalsys.Errno { return experimentalsys.EROFS }

// Rename implements experimentalsys.FS.Rename: EROFS.
func (readOnlyFS) Rename(string, string) experimentalsys.Errno { return experimentalsys.EROFS }

// Rmdir implements experimentalsys.FS.Rmdir: EROFS.
func (readOnlyFS) Rmdir(string) experimentalsys.Errno { return experimentalsys.EROFS }

// Unlink implements experimentalsys.FS.Unlink: EROFS.
func (readOnlyFS) Unlink(string) experimentalsys.Errno { return experimentalsys.EROFS }

// Link implements experimentalsys.FS.Link: EROFS.
func (readOnlyFS) Link(string, string) experimentalsys.Errno { return experimentalsys.EROFS }

// Symlink implements experimentalsys.FS.Symlink: EROFS.
func (readOnlyFS) Symlink(string, string) experimentalsys.Errno { return experimentalsys.EROFS }

// Utimens implements experimentalsys.FS.Utimens: EROFS.
func (readOnlyFS) Utimens(string, int64, int64) experimentalsys.Errno {
	return experimentalsys.EROFS
}

// readOnlyFile is a file opened through ReadOnly.
type readOnlyFile struct {
	experimentalsys.File
}

// Write implements experimentalsys.File.Write: EBADF.
func (readOnlyFile) Write([]byte) (int, experimentalsys.Errno) { return 0, experimentalsys.EBADF }

// Pwrite implements experimentalsys.File.Pwrite: EBADF.
func (readOnlyFile) Pwrite([]byte, int64) (int, experimentalsys.Errno) {
	return 0, experimentalsys.EBADF
}

// Truncate implements experimentalsys.File.Truncate: EBADF.
func (readOnlyFile) Truncate(int64) experimentalsys.Errno { return experimentalsys.EBADF }

// Utimens implements experimentalsys.File.Utimens: EROFS.
func (readOnlyFile) Utimens(int64, int64) experimentalsys.Errno { return experimentalsys.EROFS }
