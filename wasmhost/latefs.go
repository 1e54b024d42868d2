package wasmhost

import (
	"io/fs"
	"sync"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// lateFS is the /workspace mount of an instance whose run is not known when
// it is instantiated: every operation goes to the file system of the run
// bound to the slot, and fails with EBADF before a run is bound.
//
// wazero opens the preopen's root directory while instantiating; lateFS
// answers that with a lateRoot that opens the bound file system's root on
// first use.
type lateFS struct {
	experimentalsys.UnimplementedFS
	s *slot
}

func (l lateFS) inner() experimentalsys.FS {
	if b := l.s.bound.Load(); b != nil {
		return b.fs
	}
	return nil
}

// OpenFile implements experimentalsys.FS.
func (l lateFS) OpenFile(path string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	in := l.inner()
	switch {
	case in != nil:
		return in.OpenFile(path, flag, perm)
	case path == "." && flag&(experimentalsys.O_WRONLY|experimentalsys.O_RDWR|experimentalsys.O_CREAT) == 0:
		return &lateRoot{fs: l, flag: flag}, 0
	}
	return nil, experimentalsys.EBADF
}

// Lstat implements experimentalsys.FS.
func (l lateFS) Lstat(path string) (sys.Stat_t, experimentalsys.Errno) {
	if in := l.inner(); in != nil {
		return in.Lstat(path)
	}
	return sys.Stat_t{}, experimentalsys.EBADF
}

// Stat implements experimentalsys.FS.
func (l lateFS) Stat(path string) (sys.Stat_t, experimentalsys.Errno) {
	if in := l.inner(); in != nil {
		return in.Stat(path)
	}
	return sys.Stat_t{}, experimentalsys.EBADF
}

// Mkdir implements experimentalsys.FS.
func (l lateFS) Mkdir(path string, perm fs.FileMode) experimentalsys.Errno {
	return l.do(func(in experimentalsys.FS) experimentalsys.Errno { return in.Mkdir(path, perm) })
}

// Chmod implements experimentalsys.FS.
func (l lateFS) Chmod(path string, perm fs.FileMode) experimentalsys.Errno {
	return l.do(func(in experimentalsys.FS) experimentalsys.Errno { return in.Chmod(path, perm) })
}

// Rename implements experimentalsys.FS.
func (l lateFS) Rename(from, to string) experimentalsys.Errno {
	return l.do(func(in experimentalsys.FS) experimentalsys.Errno { return in.Rename(from, to) })
}

// Rmdir implements experimentalsys.FS.
func (l lateFS) Rmdir(path string) experimentalsys.Errno {
	return l.do(func(in experimentalsys.FS) experimentalsys.Errno { return in.Rmdir(path) })
}

// Unlink implements experimentalsys.FS.
func (l lateFS) Unlink(path string) experimentalsys.Errno {
	return l.do(func(in experimentalsys.FS) experimentalsys.Errno { return in.Unlink(path) })
}

// Link implements experimentalsys.FS.
func (l lateFS) Link(oldPath, newPath string) experimentalsys.Errno {
	return l.do(func(in experimentalsys.FS) experimentalsys.Errno { return in.Link(oldPath, newPath) })
}

// Symlink implements experimentalsys.FS.
func (l lateFS) Symlink(oldPath, linkName string) experimentalsys.Errno {
	return l.do(func(in experimentalsys.FS) experimentalsys.Errno { return in.Symlink(oldPath, linkName) })
}

// Utimens implements experimentalsys.FS.
func (l lateFS) Utimens(path string, atim, mtim int64) experimentalsys.Errno {
	return l.do(func(in experimentalsys.FS) experimentalsys.Errno { return in.Utimens(path, atim, mtim) })
}

// Readlink implements experimentalsys.FS.
func (l lateFS) Readlink(path string) (string, experimentalsys.Errno) {
	if in := l.inner(); in != nil {
		return in.Readlink(path)
	}
	return "", experimentalsys.EBADF
}

func (l lateFS) do(op func(experimentalsys.FS) experimentalsys.Errno) experimentalsys.Errno {
	if in := l.inner(); in != nil {
		return op(in)
	}
	return experimentalsys.EBADF
}

// lateRoot is the preopen directory of a lateFS: a directory that opens the
// bound file system's root on first use and delegates to it.
type lateRoot struct {
	experimentalsys.UnimplementedFile
	fs   lateFS
	flag experimentalsys.Oflag

	once  sync.Once
	f     experimentalsys.File
	errno experimentalsys.Errno
}

// file returns the bound root directory, opening it once.
func (r *lateRoot) file() (experimentalsys.File, experimentalsys.Errno) {
	in := r.fs.inner()
	if in == nil {
		return nil, experimentalsys.EBADF
	}
	r.once.Do(func() { r.f, r.errno = in.OpenFile(".", r.flag, 0) })
	return r.f, r.errno
}

// IsDir implements experimentalsys.File: the preopen is a directory, bound
// or not.
func (r *lateRoot) IsDir() (bool, experimentalsys.Errno) { return true, 0 }

// Dev implements experimentalsys.File.
func (r *lateRoot) Dev() (uint64, experimentalsys.Errno) {
	f, errno := r.file()
	if errno != 0 {
		return 0, errno
	}
	return f.Dev()
}

// Ino implements experimentalsys.File.
func (r *lateRoot) Ino() (sys.Inode, experimentalsys.Errno) {
	f, errno := r.file()
	if errno != 0 {
		return 0, errno
	}
	return f.Ino()
}

// Stat implements experimentalsys.File.
func (r *lateRoot) Stat() (sys.Stat_t, experimentalsys.Errno) {
	f, errno := r.file()
	if errno != 0 {
		return sys.Stat_t{}, errno
	}
	return f.Stat()
}

// dirOffset is int64 under another name so that go vet's stdmethods check
// (which expects a Seek method to be io.Seeker's) accepts Seek below, whose
// signature experimentalsys.File dictates.
type dirOffset = int64

// Seek implements experimentalsys.File (a rewind before Readdir).
func (r *lateRoot) Seek(offset dirOffset, whence int) (int64, experimentalsys.Errno) {
	f, errno := r.file()
	if errno != 0 {
		return 0, errno
	}
	return f.Seek(offset, whence)
}

// Readdir implements experimentalsys.File.
func (r *lateRoot) Readdir(n int) ([]experimentalsys.Dirent, experimentalsys.Errno) {
	f, errno := r.file()
	if errno != 0 {
		return nil, errno
	}
	return f.Readdir(n)
}

// Sync implements experimentalsys.File.
func (r *lateRoot) Sync() experimentalsys.Errno {
	f, errno := r.file()
	if errno != 0 {
		return errno
	}
	return f.Sync()
}

// Datasync implements experimentalsys.File.
func (r *lateRoot) Datasync() experimentalsys.Errno {
	f, errno := r.file()
	if errno != 0 {
		return errno
	}
	return f.Datasync()
}

// Utimens implements experimentalsys.File.
func (r *lateRoot) Utimens(atim, mtim int64) experimentalsys.Errno {
	f, errno := r.file()
	if errno != 0 {
		return errno
	}
	return f.Utimens(atim, mtim)
}

// Close implements experimentalsys.File.
func (r *lateRoot) Close() experimentalsys.Errno {
	if r.f != nil {
		return r.f.Close()
	}
	return 0
}
