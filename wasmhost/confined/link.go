//go:build linux

package confined

import (
	"path"
	"strings"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// Link implements experimentalsys.FS.Link. It always fails with EPERM: a
// hard link would give its file a second link, which rule 4 of the package
// doc makes unreadable, and guests do not need one.
func (c *rootFS) Link(_, _ string) experimentalsys.Errno {
	return experimentalsys.EPERM
}

// Symlink implements experimentalsys.FS.Symlink: it creates name as a
// symlink whose text is target, which is not resolved now. Errors: EINVAL for
// an empty target; EPERM for an absolute target or one that, joined
// lexically with the directory of name, climbs above the root (rule 6);
// EEXIST when name exists.
func (c *rootFS) Symlink(target, name string) experimentalsys.Errno {
	if target == "" {
		return experimentalsys.EINVAL
	}
	if strings.HasPrefix(target, "/") {
		return experimentalsys.EPERM
	}
	e, errno := splitName(name)
	if errno != 0 {
		return errno
	}
	resolved := path.Join(e.dir, target)
	if resolved == ".." || strings.HasPrefix(resolved, "../") {
		return experimentalsys.EPERM
	}
	return toErrno(c.root.Symlink(target, e.name))
}
