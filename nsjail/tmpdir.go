package nsjail

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"golang.org/x/sys/unix"
)

// tmpCleaned records the Config.TmpDir directories this process has
// cleaned of stale per-call directories.
var tmpCleaned sync.Map

// makeCallTmp creates a call's own /tmp under parent (Config.TmpDir,
// resolved), named like a cgroup leaf ("<host pid>-<start time>-<n>") so
// that one a crashed process left behind is recognised and removed by the
// first call of a later process. The directory is made through a
// descriptor of parent opened without following symlinks, mode 0700, owned
// by the process (root's files are the jail root's through the idmapped
// mount; an ordinary user's are the jail root's anyway).
func makeCallTmp(parent string) (string, error) {
	if _, done := tmpCleaned.LoadOrStore(parent, true); !done {
		cleanStaleTmp(parent)
	}
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_SYMLINKS}
	fd, err := unix.Openat2(unix.AT_FDCWD, parent, &how)
	if err != nil {
		return "", sysErr("openat2", fmt.Sprintf("%q, O_PATH|O_DIRECTORY, RESOLVE_NO_SYMLINKS", parent), err)
	}
	defer unix.Close(fd)
	name := newLeafName()
	if err := unix.Mkdirat(fd, name, 0o700); err != nil {
		return "", sysErr("mkdirat", fmt.Sprintf("%q, %q, 0700", parent, name), err)
	}
	return filepath.Join(parent, name), nil
}

// cleanStaleTmp removes the per-call directories under parent whose
// creator is gone. Failures are left for the next process.
func cleanStaleTmp(parent string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && !leafOwnerAlive(e.Name(), processStartTime) {
			_ = removeTree(filepath.Join(parent, e.Name()))
		}
	}
}

// removeTree removes dir and everything in it without following symlinks.
// Directories the jail left unreadable or unwritable (chmod 0) are given
// back their owner's permissions first, which an ordinary user needs and
// root does not. The jail is gone by then, so nothing changes meanwhile.
func removeTree(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil || !errors.Is(err, fs.ErrPermission) {
		return err
	}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		// WalkDir calls this before reading a directory, so the chmod
		// lets it in.
		if err == nil && d.IsDir() {
			_ = unix.Fchmodat(unix.AT_FDCWD, path, 0o700, 0)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

// withCallTmp returns mounts with Config.TmpDir's entry, if any, pointing
// at a new directory for this call, and that directory ("" for none).
func withCallTmp(mounts []resolvedMount) ([]resolvedMount, string, error) {
	for i, m := range mounts {
		if !m.perCall {
			continue
		}
		dir, err := makeCallTmp(m.source)
		if err != nil {
			return nil, "", &SetupError{Step: "mnt", Err: fmt.Errorf("make the call's /tmp under TmpDir: %w", err)}
		}
		out := slices.Clone(mounts)
		out[i].source, out[i].perCall = dir, false
		return out, dir, nil
	}
	return mounts, "", nil
}

// checkOwners refuses, for an ordinary user's jail, a Workspace, Home or
// TmpDir that uid does not own: root inside is uid on the host, and
// without an idmapped mount (root only) another owner's directory is
// nobody's inside.
func checkOwners(mounts []resolvedMount, uid int) error {
	for _, m := range mounts {
		if m.field == "Binds" {
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(m.source, &st); err != nil {
			return &SetupError{Step: "user", Err: sysErr("stat", fmt.Sprintf("%q", m.source), err)}
		}
		if int(st.Uid) != uid {
			return &SetupError{Step: "user", Err: fmt.Errorf("%s %s belongs to uid %d: without root the jail's root is uid %d on the host and cannot own another user's files; chown it to uid %d, or run bulkhead as root (which idmaps the mount to its owner)", m.field, m.source, st.Uid, uid, uid)}
		}
	}
	return nil
}
