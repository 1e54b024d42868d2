//go:build linux

package confined

import (
	"io/fs"
	"os"
	"path"
	"strings"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"golang.org/x/sys/unix"
)

// checkName applies rule 1 of the package doc to a guest name before it
// reaches os.Root and returns the name relative to the root: leading
// slashes are dropped, and an empty name is ENOENT.
func checkName(name string) (string, experimentalsys.Errno) {
	rel := strings.TrimLeft(name, "/")
	switch {
	case name == "":
		return "", experimentalsys.ENOENT
	case rel == "":
		return ".", 0
	}
	return rel, 0
}

// entry is a guest name split into the directory that holds it and its last
// component, for system calls that act on a directory entry itself.
type entry struct {
	// name is the whole name relative to the root, as checkName returns
	// it, for calls that resolve it through os.Root.
	name string
	// dir is the cleaned parent directory, "." for the root.
	dir string
	// base is one component without a slash; "." when the name is the root.
	base string
	// trailingSlash reports whether the name ended in "/", which requires
	// the entry to be a directory.
	trailingSlash bool
}

// splitName checks name (see checkName), cleans it lexically as os.Root
// does with "..", and splits it. A name that climbs above the root is EPERM.
func splitName(name string) (entry, experimentalsys.Errno) {
	name, errno := checkName(name)
	if errno != 0 {
		return entry{}, errno
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return entry{}, experimentalsys.EPERM
	}
	return entry{name: name, dir: path.Dir(clean), base: path.Base(clean), trailingSlash: strings.HasSuffix(name, "/")}, 0
}

// isRoot reports whether the entry names the root directory itself.
func (e entry) isRoot() bool {
	return e.base == "."
}

// inParent resolves e.dir and calls fn with a descriptor of it and e.base:
// the root's O_PATH descriptor, opened once by New, when e.dir is the root;
// the guest's own descriptor when it holds e.dir open (see heldDirs);
// otherwise e.dir opened with O_PATH through os.Root, which follows
// symlinks only beneath the root. fn must pass base only to *at system
// calls with flags that do not follow a symlink in the last component.
// After Close it fails with fs.ErrClosed.
func (c *rootFS) inParent(e entry, fn func(dirfd int, base string) error) error {
	if e.dir == "." {
		return withFD(c.dir, e.base, fn)
	}
	if held := c.held.get(e.dir); held != nil {
		if err := withFD(held, e.base, fn); err != fs.ErrClosed {
			return err
		}
	}
	d, err := c.root.OpenFile(e.dir, os.O_RDONLY|unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		return err
	}
	defer d.Close()
	return withFD(d, e.base, fn)
}

// withFD calls fn with dir's descriptor and base; fs.ErrClosed when dir
// is closed.
func withFD(dir *os.File, base string, fn func(dirfd int, base string) error) error {
	raw, err := dir.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	if err := raw.Control(func(fd uintptr) { opErr = fn(int(fd), base) }); err != nil {
		return fs.ErrClosed // Control fails only on a closed descriptor
	}
	return opErr
}
