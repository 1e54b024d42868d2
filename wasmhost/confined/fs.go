//go:build linux

package confined

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
	"golang.org/x/sys/unix"
)

// rootFS is the experimentalsys.FS returned by New.
type rootFS struct {
	experimentalsys.UnimplementedFS

	root *os.Root
	// dir is the root directory opened with O_PATH: the directory
	// descriptor for *at system calls on the root's own entries, the
	// commonest case, which then need no os.Root walk (see inParent).
	dir *os.File
	// held are the directories the guest holds open (see heldDirs).
	held heldDirs
}

var (
	_ experimentalsys.FS = (*rootFS)(nil)
	_ io.Closer          = (*rootFS)(nil)
)

// New opens dir (following symlinks in dir itself, which the host chose) and
// returns a file system confined to it under the rules in the package doc.
// Every name passed to the result is relative to dir.
//
// The result is safe for concurrent use. It holds two descriptors of dir
// (the os.Root and an O_PATH one). It also implements io.Closer: Close
// releases them and makes every later call fail with EBADF; call it only
// after every module that mounts the file system has been closed (wazero
// panics if its preopen cannot be opened). Without Close the descriptors
// are released when the result is garbage collected.
//
// Errors: dir does not exist or is not a directory (*os.PathError, wrapped).
func New(dir string) (experimentalsys.FS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("confined: open workspace root: %w", err)
	}
	pathDir, err := root.OpenFile(".", os.O_RDONLY|unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("confined: open workspace root: %w", err)
	}
	return &rootFS{root: root, dir: pathDir}, nil
}

// Close releases the root directory's descriptors.
func (c *rootFS) Close() error {
	return errors.Join(c.root.Close(), c.dir.Close())
}

// Lstat implements experimentalsys.FS.Lstat: the status of name itself,
// without following a symlink in its last component.
func (c *rootFS) Lstat(name string) (sys.Stat_t, experimentalsys.Errno) {
	if st, errno, ok := c.statInParent(name); ok {
		return st, errno
	}
	return statWith(name, c.root.Lstat)
}

// Stat implements experimentalsys.FS.Stat: the status of what name resolves
// to, following symlinks beneath the root.
func (c *rootFS) Stat(name string) (sys.Stat_t, experimentalsys.Errno) {
	if st, errno, ok := c.statInParent(name); ok && (errno != 0 || st.Mode&fs.ModeSymlink == 0) {
		return st, errno
	}
	return statWith(name, c.root.Stat)
}

// statInParent is Lstat with one fstatat(2) in name's parent directory,
// when that is the root or a directory the guest holds open (see
// heldDirs); ok is false when it is neither, and the caller resolves name
// through os.Root.
func (c *rootFS) statInParent(name string) (st sys.Stat_t, errno experimentalsys.Errno, ok bool) {
	e, errno := splitName(name)
	if errno != 0 || e.isRoot() || e.trailingSlash || (e.dir != "." && c.held.get(e.dir) == nil) {
		return sys.Stat_t{}, 0, false
	}
	var ust unix.Stat_t
	err := c.inParent(e, func(dirfd int, base string) error {
		return unix.Fstatat(dirfd, base, &ust, unix.AT_SYMLINK_NOFOLLOW)
	})
	if err != nil {
		return sys.Stat_t{}, toErrno(err), true
	}
	return statOf(&ust), 0, true
}

// statOf converts a stat(2) result, with its type and mode bits mapped as
// package os maps them (os/stat_linux.go).
func statOf(st *unix.Stat_t) sys.Stat_t {
	mode := fs.FileMode(st.Mode & 0o777)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	}
	if st.Mode&unix.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if st.Mode&unix.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if st.Mode&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return sys.Stat_t{
		Dev: st.Dev, Ino: st.Ino, Mode: mode, Nlink: st.Nlink, Size: st.Size,
		Atim: st.Atim.Nano(), Mtim: st.Mtim.Nano(), Ctim: st.Ctim.Nano(),
	}
}

// statWith checks name and converts the result of statFn(name), one of
// os.Root's Stat and Lstat.
func statWith(name string, statFn func(string) (fs.FileInfo, error)) (sys.Stat_t, experimentalsys.Errno) {
	name, errno := checkName(name)
	if errno != 0 {
		return sys.Stat_t{}, errno
	}
	fi, err := statFn(name)
	if err != nil {
		return sys.Stat_t{}, toErrno(err)
	}
	return sys.NewStat_t(fi), 0
}

// Mkdir implements experimentalsys.FS.Mkdir with perm masked to 0o777.
func (c *rootFS) Mkdir(name string, perm fs.FileMode) experimentalsys.Errno {
	name, errno := checkName(name)
	if errno != 0 {
		return errno
	}
	return toErrno(c.root.Mkdir(name, perm&fs.ModePerm))
}

// Readlink implements experimentalsys.FS.Readlink: the target text of the
// symlink name, which is not followed.
func (c *rootFS) Readlink(name string) (string, experimentalsys.Errno) {
	name, errno := checkName(name)
	if errno != 0 {
		return "", errno
	}
	target, err := c.root.Readlink(name)
	if err != nil {
		return "", toErrno(err)
	}
	return target, 0
}
