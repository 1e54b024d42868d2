//go:build linux

package confined

import (
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"golang.org/x/sys/unix"
)

// Unlink implements experimentalsys.FS.Unlink with unlinkat(2) in the
// resolved parent directory: a symlink is removed, not followed. Errors:
// EISDIR for a directory (and the root); ENOTDIR for a non-directory named
// with a trailing slash.
func (c *rootFS) Unlink(name string) experimentalsys.Errno {
	e, errno := splitName(name)
	if errno != 0 {
		return errno
	}
	if e.isRoot() {
		return experimentalsys.EISDIR
	}
	return toErrno(c.inParent(e, func(dirfd int, base string) error {
		if e.trailingSlash {
			var st unix.Stat_t
			if err := unix.Fstatat(dirfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				return err
			}
			if st.Mode&unix.S_IFMT == unix.S_IFDIR {
				return unix.EISDIR
			}
			return unix.ENOTDIR
		}
		return unix.Unlinkat(dirfd, base, 0)
	}))
}

// Rmdir implements experimentalsys.FS.Rmdir with unlinkat(2) and
// AT_REMOVEDIR in the resolved parent directory. Errors: ENOTDIR for
// anything but a directory (a symlink to one included); ENOTEMPTY; EINVAL
// for the root.
func (c *rootFS) Rmdir(name string) experimentalsys.Errno {
	e, errno := splitName(name)
	if errno != 0 {
		return errno
	}
	if e.isRoot() {
		return experimentalsys.EINVAL
	}
	errno = toErrno(c.inParent(e, func(dirfd int, base string) error {
		return unix.Unlinkat(dirfd, base, unix.AT_REMOVEDIR)
	}))
	if errno == experimentalsys.EEXIST { // some file systems say EEXIST, see rmdir(2)
		errno = experimentalsys.ENOTEMPTY
	}
	return errno
}

// Rename implements experimentalsys.FS.Rename with renameat(2) between the
// resolved parent directories, with POSIX semantics: neither last component
// is followed, an empty target directory is replaced, a non-empty one is
// ENOTEMPTY, a file onto a directory is EISDIR, a directory onto a file is
// ENOTDIR. Renaming the root, or onto it, is EINVAL.
func (c *rootFS) Rename(from, to string) experimentalsys.Errno {
	src, errno := splitName(from)
	if errno != 0 {
		return errno
	}
	dst, errno := splitName(to)
	if errno != 0 {
		return errno
	}
	if src.isRoot() || dst.isRoot() {
		return experimentalsys.EINVAL
	}
	errno = toErrno(c.inParent(src, func(srcfd int, srcBase string) error {
		return c.inParent(dst, func(dstfd int, dstBase string) error {
			return unix.Renameat(srcfd, srcBase, dstfd, dstBase)
		})
	}))
	if errno == experimentalsys.EEXIST { // rename(2): EEXIST or ENOTEMPTY
		errno = experimentalsys.ENOTEMPTY
	}
	return errno
}
