//go:build linux

package confined

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"syscall"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
	"golang.org/x/sys/unix"
)

// accessMode masks the mutually exclusive access bits of an Oflag.
const accessMode = experimentalsys.O_RDONLY | experimentalsys.O_RDWR | experimentalsys.O_WRONLY

// errFollow tells OpenFile that the last component is a symlink to follow,
// which openEntry leaves to os.Root.
var errFollow = errors.New("last component is a symlink")

// OpenFile implements experimentalsys.FS.OpenFile under rules 1 to 4 of the
// package doc: it checks what name resolves to, opens it without blocking,
// checks the opened descriptor again, and only then applies O_TRUNC.
//
// Errors beyond the kernel's: EACCES for a special file or a regular file
// with more than one link; ELOOP for a symlink with O_NOFOLLOW; EINVAL for
// O_TRUNC without write access or both O_RDWR and O_WRONLY; EISDIR for
// O_DIRECTORY with write access.
func (c *rootFS) OpenFile(name string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	e, errno := splitName(name)
	if errno != 0 {
		return nil, errno
	}
	osFlag, errno := toOSFlag(flag)
	if errno != 0 {
		return nil, errno
	}
	perm &= fs.ModePerm
	if !e.isRoot() && !e.trailingSlash {
		fd, err := c.openEntry(e, flag, osFlag, perm)
		if err == nil {
			opened, errno := finishOpenFd(fd, e.base, flag)
			return c.hold(e, opened, errno)
		}
		if !errors.Is(err, errFollow) {
			return nil, openErrno(err)
		}
	}
	f, err := c.openFollowing(e.name, flag, osFlag, perm)
	if err != nil {
		return nil, openErrno(err)
	}
	opened, errno := finishOpen(f, flag)
	return c.hold(e, opened, errno)
}

// hold records an opened directory other than the root among the held
// directories until it is closed (see heldDirs), and passes OpenFile's
// results through.
func (c *rootFS) hold(e entry, opened experimentalsys.File, errno experimentalsys.Errno) (experimentalsys.File, experimentalsys.Errno) {
	f, ok := opened.(*file)
	if errno != 0 || !ok || !f.isDir || e.isRoot() {
		return opened, errno
	}
	name := path.Join(e.dir, e.base)
	c.held.add(name, f.f)
	f.onClose = func() { c.held.remove(name, f.f) }
	return f, 0
}

// openErrno is toErrno for an error of open(2), which returns ENXIO only for
// special files (a FIFO without a reader, a socket, a device without a
// driver): that becomes EACCES, as rule 3 of the package doc says.
func openErrno(err error) experimentalsys.Errno {
	if errors.Is(err, syscall.ENXIO) {
		return experimentalsys.EACCES
	}
	return toErrno(err)
}

// toOSFlag converts flag to open(2) flags. O_TRUNC and O_NOFOLLOW are left
// out (OpenFile applies them itself); O_NONBLOCK and O_NOCTTY are always
// added so that opening a FIFO or terminal swapped in after the check can
// neither block nor change the host's controlling terminal.
func toOSFlag(flag experimentalsys.Oflag) (int, experimentalsys.Errno) {
	var osFlag int
	switch flag & accessMode {
	case experimentalsys.O_RDONLY:
		osFlag = os.O_RDONLY
		if flag&experimentalsys.O_TRUNC != 0 {
			return 0, experimentalsys.EINVAL
		}
	case experimentalsys.O_WRONLY:
		osFlag = os.O_WRONLY
	case experimentalsys.O_RDWR:
		osFlag = os.O_RDWR
	default:
		return 0, experimentalsys.EINVAL
	}
	if flag&experimentalsys.O_DIRECTORY != 0 && isWrite(flag) {
		return 0, experimentalsys.EISDIR
	}
	for _, m := range []struct {
		sys experimentalsys.Oflag
		os  int
	}{
		{experimentalsys.O_APPEND, os.O_APPEND},
		{experimentalsys.O_CREAT, os.O_CREATE},
		{experimentalsys.O_EXCL, os.O_EXCL},
		{experimentalsys.O_DIRECTORY, syscall.O_DIRECTORY},
		{experimentalsys.O_DSYNC, syscall.O_DSYNC},
		{experimentalsys.O_RSYNC, syscall.O_RSYNC},
		{experimentalsys.O_SYNC, os.O_SYNC},
	} {
		if flag&m.sys != 0 {
			osFlag |= m.os
		}
	}
	return osFlag | syscall.O_NONBLOCK | syscall.O_NOCTTY, 0
}

// isWrite reports whether flag asks for write access.
func isWrite(flag experimentalsys.Oflag) bool {
	return flag&accessMode != experimentalsys.O_RDONLY
}

// isCreateExcl reports whether flag has both O_CREAT and O_EXCL, which never
// opens an existing file and never follows a symlink.
func isCreateExcl(flag experimentalsys.Oflag) bool {
	return flag&(experimentalsys.O_CREAT|experimentalsys.O_EXCL) == experimentalsys.O_CREAT|experimentalsys.O_EXCL
}

// openEntry is the usual way in: it resolves the parent of e through os.Root,
// checks the last component with fstatat(2) without following it, and opens
// it with openat(2) and O_NOFOLLOW, so the path is walked once. It returns
// the new descriptor, which finishOpenFd must check. When the last
// component is a symlink and flag has no O_NOFOLLOW it returns errFollow,
// and OpenFile lets os.Root follow it.
func (c *rootFS) openEntry(e entry, flag experimentalsys.Oflag, osFlag int, perm fs.FileMode) (int, error) {
	noFollow := flag&experimentalsys.O_NOFOLLOW != 0
	fd := -1
	err := c.inParent(e, func(dirfd int, base string) error {
		if !isCreateExcl(flag) {
			var st unix.Stat_t
			err := unix.Fstatat(dirfd, base, &st, unix.AT_SYMLINK_NOFOLLOW)
			switch {
			case err == unix.ENOENT && flag&experimentalsys.O_CREAT != 0:
			case err != nil:
				return err
			case st.Mode&unix.S_IFMT == unix.S_IFLNK && noFollow:
				return unix.ELOOP
			case st.Mode&unix.S_IFMT == unix.S_IFLNK:
				return errFollow
			default:
				if errno := checkOpenable(fileMode(st.Mode), uint64(st.Nlink), flag); errno != 0 {
					return errno
				}
			}
		}
		var err error
		fd, err = unix.Openat(dirfd, base, osFlag|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(perm))
		if (err == unix.ELOOP || err == unix.ENOTDIR) && !noFollow {
			return errFollow // swapped for a symlink since fstatat
		}
		return err
	})
	return fd, err
}

// openFollowing opens name through os.Root, which follows symlinks beneath
// the root, after checking with Stat (Lstat with O_NOFOLLOW) what name
// resolves to. A name that is missing is fine when flag creates it.
func (c *rootFS) openFollowing(name string, flag experimentalsys.Oflag, osFlag int, perm fs.FileMode) (*os.File, error) {
	if !isCreateExcl(flag) {
		statFn := c.root.Stat
		if flag&experimentalsys.O_NOFOLLOW != 0 {
			statFn = c.root.Lstat
		}
		fi, err := statFn(name)
		switch {
		case errors.Is(err, fs.ErrNotExist) && flag&experimentalsys.O_CREAT != 0:
		case err != nil:
			return nil, err
		case fi.Mode()&fs.ModeSymlink != 0:
			return nil, unix.ELOOP
		default:
			st := sys.NewStat_t(fi)
			if errno := checkOpenable(st.Mode, st.Nlink, flag); errno != 0 {
				return nil, errno
			}
		}
	}
	return c.root.OpenFile(name, osFlag, perm)
}

// finishOpen applies checkOpened to f, a file opened through os.Root, and
// wraps it. On error it closes f.
func finishOpen(f *os.File, flag experimentalsys.Oflag) (experimentalsys.File, experimentalsys.Errno) {
	st, errno := checkOpened(int(f.Fd()), flag)
	if errno != 0 {
		_ = f.Close()
		return nil, errno
	}
	return newFile(f, flag, &st), 0
}

// finishOpenFd applies checkOpened to fd, a descriptor from openat(2), and
// only then wraps it in an *os.File named base: os.NewFile then sees a
// blocking descriptor and does not try to register it with Go's network
// poller, which would fail for a regular file or a directory anyway. On
// error it closes fd.
func finishOpenFd(fd int, base string, flag experimentalsys.Oflag) (experimentalsys.File, experimentalsys.Errno) {
	st, errno := checkOpened(fd, flag)
	if errno != 0 {
		_ = unix.Close(fd)
		return nil, errno
	}
	return newFile(os.NewFile(uintptr(fd), base), flag, &st), 0
}

// checkOpened applies checkOpenable to the opened descriptor fd, which
// holds whatever was swapped in after the first check, then restores
// blocking mode unless flag asks for O_NONBLOCK, then applies O_TRUNC. It
// returns fd's fstat(2) status.
func checkOpened(fd int, flag experimentalsys.Oflag) (unix.Stat_t, experimentalsys.Errno) {
	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return unix.Fstat(fd, &st) }); err != nil {
		return st, toErrno(err)
	}
	if errno := checkOpenable(fileMode(st.Mode), uint64(st.Nlink), flag); errno != 0 {
		return st, errno
	}
	if flag&experimentalsys.O_NONBLOCK == 0 {
		// O_APPEND is the only other file status flag OpenFile sets; see
		// fcntl(2), F_SETFL.
		status := 0
		if flag&experimentalsys.O_APPEND != 0 {
			status = unix.O_APPEND
		}
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, status); err != nil {
			return st, toErrno(err)
		}
	}
	if flag&experimentalsys.O_TRUNC != 0 && st.Size > 0 {
		if err := ignoringEINTR(func() error { return unix.Ftruncate(fd, 0) }); err != nil {
			return st, toErrno(err)
		}
	}
	return st, 0
}

// ignoringEINTR calls fn until it fails with something other than EINTR,
// as package os does around system calls that signals can interrupt.
func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); err != unix.EINTR {
			return err
		}
	}
}

// checkOpenable is rules 3 and 4 of the package doc for a file of the given
// mode and link count opened with flag.
func checkOpenable(mode fs.FileMode, nlink uint64, flag experimentalsys.Oflag) experimentalsys.Errno {
	switch {
	case mode.IsDir():
		if isWrite(flag) {
			return experimentalsys.EISDIR
		}
		return 0
	case flag&experimentalsys.O_DIRECTORY != 0:
		return experimentalsys.ENOTDIR
	case !mode.IsRegular():
		return experimentalsys.EACCES
	case nlink > 1:
		return experimentalsys.EACCES
	}
	return 0
}

// fileMode returns the type bits of a stat(2) st_mode as an fs.FileMode:
// directory, regular, symlink, or irregular for anything else.
func fileMode(mode uint32) fs.FileMode {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFREG:
		return 0
	case unix.S_IFLNK:
		return fs.ModeSymlink
	}
	return fs.ModeIrregular
}

// fstat returns the status of the opened file f.
func fstat(f *os.File) (sys.Stat_t, experimentalsys.Errno) {
	fi, err := f.Stat()
	if err != nil {
		return sys.Stat_t{}, toErrno(err)
	}
	return sys.NewStat_t(fi), 0
}
