//go:build linux

package confined

import (
	"io/fs"
	"syscall"
	"unsafe"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"golang.org/x/sys/unix"
)

// Chmod implements experimentalsys.FS.Chmod: it opens name read-only under
// the rules of OpenFile (following symlinks beneath the root; special files
// and multiply linked files are EACCES) and sets the permission bits of
// perm (masked to 0o777) with fchmod(2) on that descriptor.
func (c *rootFS) Chmod(name string, perm fs.FileMode) experimentalsys.Errno {
	return c.withOpened(name, func(f *file) experimentalsys.Errno {
		return toErrno(f.f.Chmod(perm & fs.ModePerm))
	})
}

// Utimens implements experimentalsys.FS.Utimens: like Chmod, it opens name
// read-only under the rules of OpenFile and sets the times on the descriptor
// (see utimens).
func (c *rootFS) Utimens(name string, atim, mtim int64) experimentalsys.Errno {
	return c.withOpened(name, func(f *file) experimentalsys.Errno {
		return f.Utimens(atim, mtim)
	})
}

// withOpened opens name read-only with OpenFile, calls fn and closes it.
func (c *rootFS) withOpened(name string, fn func(*file) experimentalsys.Errno) experimentalsys.Errno {
	opened, errno := c.OpenFile(name, experimentalsys.O_RDONLY, 0)
	if errno != 0 {
		return errno
	}
	f := opened.(*file)
	errno = fn(f)
	if closeErrno := f.Close(); errno == 0 {
		errno = closeErrno
	}
	return errno
}

// utimens sets the access and modification times of descriptor fd to atim
// and mtim, in nanoseconds since the Unix epoch, either of which may be
// experimentalsys.UTIME_OMIT to keep it. This is futimens(3), made as
// utimensat(2) with a NULL path (see utimensat(2), "Linux notes").
func utimens(fd int, atim, mtim int64) experimentalsys.Errno {
	if atim == experimentalsys.UTIME_OMIT && mtim == experimentalsys.UTIME_OMIT {
		return 0
	}
	times := [2]unix.Timespec{timespec(atim), timespec(mtim)}
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&times)), 0, 0, 0)
	if e != 0 {
		return toErrno(syscall.Errno(e))
	}
	return 0
}

// timespec converts epoch nanoseconds, or UTIME_OMIT, to a unix.Timespec.
func timespec(nanos int64) unix.Timespec {
	if nanos == experimentalsys.UTIME_OMIT {
		return unix.Timespec{Nsec: unix.UTIME_OMIT}
	}
	return unix.NsecToTimespec(nanos)
}
