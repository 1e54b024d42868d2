package stage

import (
	"strings"
	"syscall"
)

// Paths of the mount setup. The scratch tmpfs is mounted over the host's
// /tmp inside the jail's own mount namespace (the host never sees it), then
// becomes the root for the time the new root is built, with the host's root
// reachable at OldRootDir. This is the order bubblewrap uses; it lets every
// host path, including ones under /tmp, be bound from OldRootDir.
const (
	scratchDir = "/tmp"
	// OldRootDir is where the host's root is reachable while the new root
	// is built; host paths in the Spec are bound from under it.
	OldRootDir   = "/oldroot"
	newRootDir   = "/newroot"
	WorkspaceDir = "/workspace"
	// HomeDir is where a persistent home directory is mounted, root's
	// home in the jail's /etc/passwd.
	HomeDir = "/root"
	// TmpDir is the jail's private /tmp.
	TmpDir = "/tmp"
)

// Sizes of the setup tmpfs mounts (tmpfs(5) size=).
const (
	scratchSize = 1 << 20  // two empty directories
	rootSize    = 16 << 20 // /etc and mount points; read-only once built
)

// Flags of the read-only system binds.
const roFlags = syscall.MS_RDONLY | syscall.MS_NOSUID | syscall.MS_NODEV

// setupMounts builds the jail's root and pivots into it (see
// pivot_root(2), mount_namespaces(7)); on return the root is read-only, the
// host's root is detached and the working directory is /workspace. trees
// are the descriptors of s.Mounts' trees, closed once attached.
func setupMounts(s *Spec, trees []int) error {
	if err := enterScratch(); err != nil {
		return err
	}
	if err := buildRoot(s, trees); err != nil {
		return err
	}
	return enterRoot()
}

// enterScratch stops mount propagation to and from the host, then pivots
// into a scratch tmpfs with the host's root at OldRootDir.
func enterScratch() error {
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return sysErr("mount", `"/", MS_REC|MS_PRIVATE`, err)
	}
	if err := mountTmpfs(scratchDir, syscall.MS_NOSUID|syscall.MS_NODEV, "mode=0700,size="+itoa(scratchSize)); err != nil {
		return err
	}
	for _, d := range []string{OldRootDir, newRootDir} {
		if err := mkdir(scratchDir + d); err != nil {
			return err
		}
	}
	if err := syscall.PivotRoot(scratchDir, scratchDir+OldRootDir); err != nil {
		return sysErr("pivot_root", q(scratchDir)+", "+q(scratchDir+OldRootDir), err)
	}
	if err := syscall.Chdir("/"); err != nil {
		return sysErr("chdir", `"/"`, err)
	}
	return nil
}

// buildRoot assembles the new root under newRootDir and makes it read-only.
func buildRoot(s *Spec, trees []int) error {
	if err := mountTmpfs(newRootDir, syscall.MS_NOSUID|syscall.MS_NODEV, "mode=0755,size="+itoa(rootSize)); err != nil {
		return err
	}
	if err := bindDir(OldRootDir+s.Root.Usr, newRootDir+"/usr", roFlags); err != nil {
		return err
	}
	for _, l := range s.Root.Links {
		dst := newRootDir + "/" + l.Name
		if l.Symlink != "" {
			if err := symlink(l.Symlink, dst); err != nil {
				return err
			}
			continue
		}
		if err := bindDir(OldRootDir+l.Bind, dst, roFlags); err != nil {
			return err
		}
	}
	if err := setupEtc(s); err != nil {
		return err
	}
	if err := mountProc(); err != nil {
		return err
	}
	if err := setupDev(s); err != nil {
		return err
	}
	if !s.TmpBound {
		if err := mkdir(newRootDir + TmpDir); err != nil {
			return err
		}
		if err := mountTmpfs(newRootDir+TmpDir, syscall.MS_NOSUID|syscall.MS_NODEV, "mode=1777,size="+itoa(s.TmpSize)); err != nil {
			return err
		}
	}
	next := 0
	for _, m := range s.Mounts {
		fd := -1
		if m.Source == "" {
			fd, next = trees[next], next+1
		} else {
			var err error
			if fd, err = cloneTree(m); err != nil {
				return err
			}
		}
		if err := attachMount(m, fd); err != nil {
			syscall.Close(fd)
			return err
		}
	}
	if err := syscall.Mount("", newRootDir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY|syscall.MS_NOSUID|syscall.MS_NODEV, ""); err != nil {
		return sysErr("mount", `"/newroot", MS_REMOUNT|MS_RDONLY|MS_NOSUID|MS_NODEV`, err)
	}
	return nil
}

// attachMount creates m's mount point in the new root (its missing parent
// directories too) unless it exists, and attaches the tree fd there with
// move_mount(2), then closes the descriptor. The tree already carries its
// flags (nosuid, nodev, read-only) and idmapping. A mount point that
// exists can only lie in the read-only /usr (the host refuses other
// overlaps); it must be of the tree's kind.
func attachMount(m Mount, fd int) error {
	dst := newRootDir + m.Target
	var st syscall.Stat_t
	switch err := syscall.Lstat(dst, &st); {
	case err == nil:
		if isDir := st.Mode&syscall.S_IFMT == syscall.S_IFDIR; isDir != m.Dir || st.Mode&syscall.S_IFMT == syscall.S_IFLNK {
			return stageError("mount point " + q(m.Target) + " exists in the jail's root and is not of the source's kind")
		}
	case err != syscall.ENOENT:
		return sysErr("lstat", q(dst), err)
	default:
		if err := makeMountPoint(dst, m.Dir); err != nil {
			return err
		}
	}
	if err := moveMount(fd, dst); err != nil {
		return sysErr("move_mount", itoa(fd)+`, "", AT_FDCWD, `+q(dst)+", MOVE_MOUNT_F_EMPTY_PATH", err)
	}
	if err := syscall.Close(fd); err != nil {
		return sysErr("close", itoa(fd), err)
	}
	return nil
}

// makeMountPoint creates dst, a directory or an empty file, and its
// missing parents.
func makeMountPoint(dst string, dir bool) error {
	if err := mkdirAll(dst[:strings.LastIndexByte(dst, '/')]); err != nil {
		return err
	}
	if dir {
		return mkdir(dst)
	}
	return createFile(dst)
}

// enterRoot pivots into newRootDir with pivot_root(".", ".") (see
// pivot_root(2), NOTES), which stacks the scratch root, and the host's root
// below it, on top of the new one; a single lazy unmount then detaches them
// all. Each detach waits for an RCU grace period, so one instead of two
// saves that wait on every call.
func enterRoot() error {
	if err := syscall.Chdir(newRootDir); err != nil {
		return sysErr("chdir", `"/newroot"`, err)
	}
	if err := syscall.PivotRoot(".", "."); err != nil {
		return sysErr("pivot_root", `".", "."`, err)
	}
	if err := syscall.Unmount(".", syscall.MNT_DETACH); err != nil {
		return sysErr("umount2", `".", MNT_DETACH`, err)
	}
	if err := syscall.Chdir(WorkspaceDir); err != nil {
		return sysErr("chdir", q(WorkspaceDir), err)
	}
	return nil
}

// mountTmpfs mounts a new tmpfs at dir with the given flags and options.
func mountTmpfs(dir string, flags uintptr, opts string) error {
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, opts); err != nil {
		return sysErr("mount", `"tmpfs", `+q(dir)+`, "tmpfs", `+opts, err)
	}
	return nil
}

// bindDir creates the directory dst and binds src onto it; see bindMount.
func bindDir(src, dst string, flags uintptr) error {
	if err := mkdir(dst); err != nil {
		return err
	}
	return bindMount(src, dst, flags)
}

// bindMount binds src onto the existing dst (not recursively: mounts below
// src are not exposed), then remounts the bind with flags (MS_RDONLY,
// MS_NOSUID, MS_NODEV, MS_NOEXEC). A bind's own flags can only be set by
// that remount (see mount(2), "Creating a bind mount"); the flags the
// kernel locked on the source mount are carried over, since dropping them
// fails with EPERM in a user namespace.
func bindMount(src, dst string, flags uintptr) error {
	if err := syscall.Mount(src, dst, "", syscall.MS_BIND, ""); err != nil {
		return sysErr("mount", q(src)+", "+q(dst)+", MS_BIND", err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dst, &st); err != nil {
		return sysErr("statfs", q(dst), err)
	}
	flags |= mountFlagsOf(st.Flags)
	if err := syscall.Mount("", dst, "", syscall.MS_REMOUNT|syscall.MS_BIND|flags, ""); err != nil {
		return sysErr("mount", q(dst)+", MS_REMOUNT|MS_BIND|"+hex(flags), err)
	}
	return nil
}

// statfsToMount maps statfs(2) f_flags (ST_*) to mount(2) flags (MS_*).
var statfsToMount = []struct{ st, ms uintptr }{
	{stRdonly, syscall.MS_RDONLY},
	{stNosuid, syscall.MS_NOSUID},
	{stNodev, syscall.MS_NODEV},
	{stNoexec, syscall.MS_NOEXEC},
	{stNoatime, syscall.MS_NOATIME},
	{stNodiratime, syscall.MS_NODIRATIME},
	{stRelatime, syscall.MS_RELATIME},
}

// mountFlagsOf returns the mount flags matching statfs flags.
func mountFlagsOf(stFlags int64) uintptr {
	var ms uintptr
	for _, m := range statfsToMount {
		if uintptr(stFlags)&m.st != 0 {
			ms |= m.ms
		}
	}
	return ms
}

// mkdir creates dir with mode 0755 (before the umask).
func mkdir(dir string) error {
	if err := syscall.Mkdir(dir, 0o755); err != nil {
		return sysErr("mkdir", q(dir)+", 0755", err)
	}
	return nil
}

// mkdirAll creates dir and its missing parents under newRootDir, which
// holds no symlink on the path of a validated mount target.
func mkdirAll(dir string) error {
	for i := len(newRootDir) + 1; i <= len(dir); i++ {
		if i < len(dir) && dir[i] != '/' {
			continue
		}
		err := syscall.Mkdir(dir[:i], 0o755)
		if err != nil && err != syscall.EEXIST {
			return sysErr("mkdir", q(dir[:i])+", 0755", err)
		}
	}
	return nil
}

// symlink creates the symbolic link path pointing to target.
func symlink(target, path string) error {
	if err := syscall.Symlink(target, path); err != nil {
		return sysErr("symlink", q(target)+", "+q(path), err)
	}
	return nil
}

// createFile creates an empty file to serve as a bind mount point.
func createFile(path string) error {
	fd, err := syscall.Open(path, syscall.O_CREAT|syscall.O_EXCL|syscall.O_WRONLY|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		return sysErr("open", q(path)+", O_CREAT|O_EXCL", err)
	}
	return syscall.Close(fd)
}
