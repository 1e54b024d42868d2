//go:build linux

package confined

import (
	"io"
	"os"
	"syscall"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
	"golang.org/x/sys/unix"
)

// file is the experimentalsys.File returned by rootFS.OpenFile: a regular
// file or a directory whose identity was checked when it was opened.
//
// # Notes
//
//   - Like every wazero file, it is used by one goroutine at a time.
//   - Dev, Ino and IsDir come from the fstat done at open and never change.
type file struct {
	experimentalsys.UnimplementedFile

	f      *os.File
	fd     int
	flag   experimentalsys.Oflag
	dev    uint64
	ino    sys.Inode
	isDir  bool
	closed bool
	// onClose, when set, runs at Close before the descriptor is closed.
	onClose func()
}

var _ experimentalsys.File = (*file)(nil)

// newFile wraps f, opened with flag, whose fstat(2) status is st.
func newFile(f *os.File, flag experimentalsys.Oflag, st *unix.Stat_t) *file {
	return &file{
		f:     f,
		fd:    int(f.Fd()),
		flag:  flag,
		dev:   uint64(st.Dev),
		ino:   st.Ino,
		isDir: st.Mode&unix.S_IFMT == unix.S_IFDIR,
	}
}

// Dev implements experimentalsys.File.Dev.
func (f *file) Dev() (uint64, experimentalsys.Errno) { return f.dev, 0 }

// Ino implements experimentalsys.File.Ino.
func (f *file) Ino() (sys.Inode, experimentalsys.Errno) { return f.ino, 0 }

// IsDir implements experimentalsys.File.IsDir.
func (f *file) IsDir() (bool, experimentalsys.Errno) { return f.isDir, 0 }

// IsAppend implements experimentalsys.File.IsAppend.
func (f *file) IsAppend() bool { return f.flag&experimentalsys.O_APPEND != 0 }

// SetAppend implements experimentalsys.File.SetAppend by toggling O_APPEND
// on the descriptor with fcntl(2) F_SETFL, which Linux allows.
func (f *file) SetAppend(enable bool) experimentalsys.Errno {
	if errno := f.checkFile(); errno != 0 {
		return errno
	}
	fl, err := unix.FcntlInt(uintptr(f.fd), unix.F_GETFL, 0)
	if err != nil {
		return toErrno(err)
	}
	if enable {
		fl |= unix.O_APPEND
	} else {
		fl &^= unix.O_APPEND
	}
	if _, err := unix.FcntlInt(uintptr(f.fd), unix.F_SETFL, fl); err != nil {
		return toErrno(err)
	}
	if enable {
		f.flag |= experimentalsys.O_APPEND
	} else {
		f.flag &^= experimentalsys.O_APPEND
	}
	return 0
}

// Stat implements experimentalsys.File.Stat with fstat(2).
func (f *file) Stat() (sys.Stat_t, experimentalsys.Errno) {
	if f.closed {
		return sys.Stat_t{}, experimentalsys.EBADF
	}
	return fstat(f.f)
}

// Read implements experimentalsys.File.Read. End of file is n == 0 with no
// error.
func (f *file) Read(buf []byte) (int, experimentalsys.Errno) {
	if errno := f.checkFile(); errno != 0 {
		return 0, errno
	}
	if len(buf) == 0 {
		return 0, 0
	}
	n, err := f.f.Read(buf)
	return n, toErrno(err)
}

// Pread implements experimentalsys.File.Pread: it reads until buf is full or
// the end of the file, without moving the offset.
func (f *file) Pread(buf []byte, off int64) (int, experimentalsys.Errno) {
	if errno := f.checkFile(); errno != 0 {
		return 0, errno
	}
	if off < 0 {
		return 0, experimentalsys.EINVAL
	}
	if len(buf) == 0 {
		return 0, 0
	}
	n, err := f.f.ReadAt(buf, off)
	return n, toErrno(err)
}

// fileOffset is int64 under another name, only so that go vet's stdmethods
// check, which expects a method named Seek to be io.Seeker, does not flag
// Seek below: experimentalsys.File requires it to return an Errno.
type fileOffset = int64

// Seek implements experimentalsys.File.Seek. On a directory only a rewind,
// Seek(0, io.SeekStart), is allowed; Readdir then starts again and sees the
// directory as it is now.
func (f *file) Seek(offset fileOffset, whence int) (int64, experimentalsys.Errno) {
	if f.closed {
		return 0, experimentalsys.EBADF
	}
	if whence < io.SeekStart || whence > io.SeekEnd {
		return 0, experimentalsys.EINVAL
	}
	if f.isDir && (offset != 0 || whence != io.SeekStart) {
		return 0, experimentalsys.EISDIR
	}
	n, err := f.f.Seek(offset, whence)
	return n, toErrno(err)
}

// Readdir implements experimentalsys.File.Readdir: up to n entries (all
// remaining when n <= 0), without "." and "..", with inode and type read
// by fstatat(2) relative to this directory.
func (f *file) Readdir(n int) ([]experimentalsys.Dirent, experimentalsys.Errno) {
	if f.closed || !f.isDir {
		return nil, experimentalsys.EBADF
	}
	infos, err := f.f.Readdir(n)
	if errno := toErrno(err); errno != 0 {
		return nil, errno
	}
	dirents := make([]experimentalsys.Dirent, 0, len(infos))
	for _, fi := range infos {
		st := sys.NewStat_t(fi)
		dirents = append(dirents, experimentalsys.Dirent{Name: fi.Name(), Ino: st.Ino, Type: fi.Mode().Type()})
	}
	return dirents, 0
}

// Write implements experimentalsys.File.Write. A directory is EBADF, as the
// interface documents.
func (f *file) Write(buf []byte) (int, experimentalsys.Errno) {
	if f.closed || f.isDir {
		return 0, experimentalsys.EBADF
	}
	if len(buf) == 0 {
		return 0, 0
	}
	n, err := f.f.Write(buf)
	return n, toErrno(err)
}

// Pwrite implements experimentalsys.File.Pwrite with pwrite(2), repeated
// until buf is written. In append mode Linux appends whatever off is.
func (f *file) Pwrite(buf []byte, off int64) (int, experimentalsys.Errno) {
	if errno := f.checkFile(); errno != 0 {
		return 0, errno
	}
	if off < 0 {
		return 0, experimentalsys.EINVAL
	}
	written := 0
	for written < len(buf) {
		n, err := syscall.Pwrite(f.fd, buf[written:], off+int64(written))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return written, toErrno(err)
		}
		written += n
	}
	return written, 0
}

// Truncate implements experimentalsys.File.Truncate with ftruncate(2). A
// file not open for writing is EBADF.
func (f *file) Truncate(size int64) experimentalsys.Errno {
	if errno := f.checkFile(); errno != 0 {
		return errno
	}
	if size < 0 {
		return experimentalsys.EINVAL
	}
	if !isWrite(f.flag) {
		return experimentalsys.EBADF
	}
	return toErrno(f.f.Truncate(size))
}

// Sync implements experimentalsys.File.Sync with fsync(2).
func (f *file) Sync() experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	return toErrno(f.f.Sync())
}

// Datasync implements experimentalsys.File.Datasync with fdatasync(2).
func (f *file) Datasync() experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	return toErrno(unix.Fdatasync(f.fd))
}

// Utimens implements experimentalsys.File.Utimens with futimens(3); see
// utimens.
func (f *file) Utimens(atim, mtim int64) experimentalsys.Errno {
	if f.closed {
		return experimentalsys.EBADF
	}
	return utimens(f.fd, atim, mtim)
}

// Close implements experimentalsys.File.Close; closing twice is a no-op.
func (f *file) Close() experimentalsys.Errno {
	if f.closed {
		return 0
	}
	f.closed = true
	if f.onClose != nil {
		f.onClose()
	}
	return toErrno(f.f.Close())
}

// checkFile returns EBADF when the file is closed and EISDIR when it is a
// directory.
func (f *file) checkFile() experimentalsys.Errno {
	switch {
	case f.closed:
		return experimentalsys.EBADF
	case f.isDir:
		return experimentalsys.EISDIR
	}
	return 0
}
