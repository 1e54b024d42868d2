package nsjail

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// mountTree is a detached mount tree (open_tree(2)) for the init stage.
type mountTree struct {
	file   *os.File
	target string
	dir    bool
}

// openTrees prepares every caller mount as a detached mount tree idmapped
// so that its root's owner is the jail's root: with the user namespace of
// process pid (the jail's init stage) for a root-owned source, else with
// one that maps the owner to JailHostID (ownerNamespace); on error, the
// ones already opened are closed.
func openTrees(pid int, mounts []resolvedMount) ([]mountTree, error) {
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/user", pid))
	if err != nil {
		return nil, &SetupError{Step: "user", Err: fmt.Errorf("open the jail's user namespace: %w", err)}
	}
	defer ns.Close()
	nsFor := func(uid, gid uint32) (*os.File, error) {
		if uid == 0 && gid == 0 {
			return ns, nil
		}
		return ownerNamespace(uid, gid)
	}
	trees := make([]mountTree, 0, len(mounts))
	for _, m := range mounts {
		f, err := idmappedTree(m, nsFor)
		if err != nil {
			closeTrees(trees)
			return nil, &SetupError{Step: "mnt", Err: err}
		}
		trees = append(trees, mountTree{file: f, target: m.target, dir: m.dir})
	}
	return trees, nil
}

// closeTrees closes the host's copies of the tree descriptors.
func closeTrees(trees []mountTree) {
	for _, t := range trees {
		t.file.Close()
	}
}

// idmappedTree opens m.source without following any symlink (openat2(2)
// RESOLVE_NO_SYMLINKS, so the path validated is the path mounted), clones
// it as a detached mount without its submounts (open_tree(2)
// OPEN_TREE_CLONE) and sets nosuid, nodev, read-only when asked, and the
// idmapping of the user namespace nsFor returns for the owner of the
// opened source (mount_setattr(2) MOUNT_ATTR_IDMAP): the owner's on-disk
// uid and gid appear as the jail's root, and what the jail's root writes
// is stored as the owner's. So a workspace's files stay writable for the
// jail whoever owns the directory (host root, whose tools write it, or a
// user such as uid 1000), and the files the jail writes belong to that
// owner; files of other owners appear as nobody. The filesystem must
// support idmapped mounts (ext4, xfs, btrfs, tmpfs since Linux 6.3, …);
// otherwise the call fails closed.
func idmappedTree(m resolvedMount, nsFor func(uid, gid uint32) (*os.File, error)) (*os.File, error) {
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS}
	pathFD, err := unix.Openat2(unix.AT_FDCWD, m.source, &how)
	if err != nil {
		return nil, sysErr("openat2", fmt.Sprintf("%q, O_PATH, RESOLVE_NO_SYMLINKS", m.source), err)
	}
	defer unix.Close(pathFD)
	var st unix.Stat_t
	if err := unix.Fstat(pathFD, &st); err != nil {
		return nil, sysErr("fstat", fmt.Sprintf("%q", m.source), err)
	}
	ns, err := nsFor(st.Uid, st.Gid)
	if err != nil {
		return nil, err
	}
	treeFD, err := unix.OpenTree(pathFD, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
	if err != nil {
		return nil, sysErr("open_tree", fmt.Sprintf("%q, OPEN_TREE_CLONE", m.source), err)
	}
	tree := os.NewFile(uintptr(treeFD), m.source)
	attr := unix.MountAttr{
		Attr_set:  unix.MOUNT_ATTR_IDMAP | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV,
		Userns_fd: uint64(ns.Fd()),
	}
	if m.readOnly {
		attr.Attr_set |= unix.MOUNT_ATTR_RDONLY
	}
	if err := unix.MountSetattr(treeFD, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		tree.Close()
		err = sysErr("mount_setattr", fmt.Sprintf("%q, MOUNT_ATTR_IDMAP|MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV", m.source), err)
		if errors.Is(err, unix.EINVAL) {
			err = fmt.Errorf("%w: the filesystem of %s (%s) does not support idmapped mounts", err, m.source, fsTypeName(m.source))
		}
		return nil, err
	}
	return tree, nil
}

// fsTypeNames are statfs(2) f_type magic numbers (linux/magic.h).
var fsTypeNames = map[int64]string{
	unix.EXT4_SUPER_MAGIC:      "ext4",
	unix.XFS_SUPER_MAGIC:       "xfs",
	unix.BTRFS_SUPER_MAGIC:     "btrfs",
	unix.TMPFS_MAGIC:           "tmpfs",
	unix.RAMFS_MAGIC:           "ramfs",
	unix.OVERLAYFS_SUPER_MAGIC: "overlayfs",
	unix.NFS_SUPER_MAGIC:       "nfs",
	unix.V9FS_MAGIC:            "9p",
	unix.FUSE_SUPER_MAGIC:      "fuse",
	unix.PROC_SUPER_MAGIC:      "proc",
	unix.SYSFS_MAGIC:           "sysfs",
}

// fsTypeName names the filesystem path is on, for error messages.
func fsTypeName(path string) string {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return "unknown filesystem"
	}
	if name, ok := fsTypeNames[int64(st.Type)]; ok {
		return name
	}
	return fmt.Sprintf("filesystem type %#x", st.Type)
}
