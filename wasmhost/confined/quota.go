//go:build linux

package confined

import (
	"io"
	"io/fs"
	"sync"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// Quota returns a file system that serves fsys (normally one New returned)
// with the bytes its files may hold bounded by max: a write, or a truncate
// that extends a file, fails with EIO when it would take the files written
// through it past max bytes (wazero has no ENOSPC to say so). A guest's
// scratch directory gets one, so that it cannot fill the host's disk.
//
// # Notes
//
//   - The count is of file sizes, not disk blocks: a write far past the end
//     of a file counts the hole it leaves, so sparse files gain nothing.
//   - Files that were in the directory before are not counted until they
//     grow; shrinking a file (truncate, O_TRUNC), unlinking a file with a
//     single link, and renaming over one give their bytes back.
//   - Directories and symlinks are not counted.
//   - The result implements io.Closer when fsys does, and Close closes
//     fsys.
func Quota(fsys experimentalsys.FS, max int64) experimentalsys.FS {
	return &quotaFS{FS: fsys, q: &quota{max: max}}
}

// quota is the byte count shared by a quotaFS and its files.
type quota struct {
	mu   sync.Mutex
	max  int64
	used int64
}

// grow reserves n more bytes, or reports that they do not fit.
func (q *quota) grow(n int64) bool {
	if n <= 0 {
		return true
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.used+n > q.max {
		return false
	}
	q.used += n
	return true
}

// shrink gives n bytes back.
func (q *quota) shrink(n int64) {
	if n <= 0 {
		return
	}
	q.mu.Lock()
	q.used = max(q.used-n, 0)
	q.mu.Unlock()
}

// quotaFS is the experimentalsys.FS returned by Quota.
type quotaFS struct {
	experimentalsys.FS
	q *quota
}

var _ io.Closer = (*quotaFS)(nil)

// Close closes the wrapped file system when it is an io.Closer.
func (f *quotaFS) Close() error {
	if c, ok := f.FS.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// regularSize returns the size of name when it is a regular file, else 0.
func (f *quotaFS) regularSize(name string) int64 {
	st, errno := f.FS.Lstat(name)
	if errno != 0 || !st.Mode.IsRegular() {
		return 0
	}
	return st.Size
}

// OpenFile implements experimentalsys.FS.OpenFile; O_TRUNC gives the old
// size back.
func (f *quotaFS) OpenFile(name string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	var old int64
	if flag&experimentalsys.O_TRUNC != 0 {
		old = f.regularSize(name)
	}
	file, errno := f.FS.OpenFile(name, flag, perm)
	if errno != 0 {
		return nil, errno
	}
	f.q.shrink(old)
	return &quotaFile{File: file, q: f.q}, 0
}

// Unlink implements experimentalsys.FS.Unlink, giving back the size of a
// file with a single link.
func (f *quotaFS) Unlink(name string) experimentalsys.Errno {
	st, statErr := f.FS.Lstat(name)
	errno := f.FS.Unlink(name)
	if errno == 0 && statErr == 0 && st.Mode.IsRegular() && st.Nlink == 1 {
		f.q.shrink(st.Size)
	}
	return errno
}

// Rename implements experimentalsys.FS.Rename, giving back the size of a
// file it replaces.
func (f *quotaFS) Rename(from, to string) experimentalsys.Errno {
	replaced := f.regularSize(to)
	errno := f.FS.Rename(from, to)
	if errno == 0 {
		f.q.shrink(replaced)
	}
	return errno
}

// quotaFile is a file opened through a quotaFS.
type quotaFile struct {
	experimentalsys.File
	q *quota
}

// size returns the file's current size.
func (f *quotaFile) size() (int64, experimentalsys.Errno) {
	st, errno := f.File.Stat()
	return st.Size, errno
}

// Write implements experimentalsys.File.Write within the quota.
func (f *quotaFile) Write(buf []byte) (int, experimentalsys.Errno) {
	size, errno := f.size()
	if errno != 0 {
		return 0, errno
	}
	off := size
	if !f.File.IsAppend() {
		if off, errno = f.File.Seek(0, io.SeekCurrent); errno != 0 {
			return 0, errno
		}
	}
	return f.reserved(off+int64(len(buf))-size, func() (int, experimentalsys.Errno) { return f.File.Write(buf) })
}

// reserved runs write once growth bytes are reserved, giving them back if
// it writes nothing.
func (f *quotaFile) reserved(growth int64, write func() (int, experimentalsys.Errno)) (int, experimentalsys.Errno) {
	if !f.q.grow(growth) {
		return 0, experimentalsys.EIO
	}
	n, errno := write()
	if n == 0 && errno != 0 {
		f.q.shrink(growth)
	}
	return n, errno
}

// Pwrite implements experimentalsys.File.Pwrite within the quota.
func (f *quotaFile) Pwrite(buf []byte, off int64) (int, experimentalsys.Errno) {
	size, errno := f.size()
	if errno != 0 {
		return 0, errno
	}
	if f.File.IsAppend() {
		off = size
	}
	return f.reserved(off+int64(len(buf))-size, func() (int, experimentalsys.Errno) { return f.File.Pwrite(buf, off) })
}

// Truncate implements experimentalsys.File.Truncate within the quota.
func (f *quotaFile) Truncate(n int64) experimentalsys.Errno {
	size, errno := f.size()
	if errno != 0 {
		return errno
	}
	if !f.q.grow(n - size) {
		return experimentalsys.EIO
	}
	if errno := f.File.Truncate(n); errno != 0 {
		f.q.shrink(n - size)
		return errno
	}
	f.q.shrink(size - n)
	return 0
}
