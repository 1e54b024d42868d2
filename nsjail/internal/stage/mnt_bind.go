package stage

import (
	"syscall"
	"unsafe"
)

// System calls and flags of the mount API that package syscall lacks (see
// openat2(2), open_tree(2), mount_setattr(2); linux/openat2.h,
// linux/mount.h). The numbers are the same on every architecture: they
// were added after the tables were unified (Linux 5.2).
const (
	sysOpenTree         = 428
	sysOpenat2          = 437
	sysMountSetattr     = 442
	oPath               = 0x200000
	resolveNoMagiclinks = 0x02
	resolveNoSymlinks   = 0x04
	openTreeClone       = 0x1
	atEmptyPath         = 0x1000
	mountAttrRdonly     = 0x1
	mountAttrNosuid     = 0x2
	mountAttrNodev      = 0x4
)

// openHow is struct open_how (openat2(2)).
type openHow struct {
	flags, mode, resolve uint64
}

// mountAttr is struct mount_attr (mount_setattr(2)).
type mountAttr struct {
	attrSet, attrClr, propagation, usernsFD uint64
}

// cloneTree makes the detached mount tree of a caller mount when the host
// could not (it is not root, see nsjail's Privilege): it opens the host
// path under OldRootDir without following any symlink (RESOLVE_NO_SYMLINKS,
// so the path the host validated is the path mounted), clones it without
// its submounts (OPEN_TREE_CLONE) and sets nosuid, nodev and, when asked,
// read-only. There is no idmapping: root inside is the calling user on
// the host, so the files the jail writes are that user's. The init stage
// may do this as root of its own user namespace, which owns its mount
// namespace. Cloning a directory with mounts below it fails with EINVAL in
// a user namespace (the kernel will not hide locked submounts).
func cloneTree(m Mount) (int, error) {
	src := OldRootDir + m.Source
	p, err := syscall.BytePtrFromString(src)
	if err != nil {
		return -1, err
	}
	how := openHow{flags: oPath | syscall.O_CLOEXEC, resolve: resolveNoSymlinks | resolveNoMagiclinks}
	at := atFDCWD
	pathFD, _, errno := syscall.Syscall6(sysOpenat2, uintptr(at), uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&how)), unsafe.Sizeof(how), 0, 0)
	if errno != 0 {
		return -1, sysErr("openat2", q(src)+", O_PATH, RESOLVE_NO_SYMLINKS", errno)
	}
	defer syscall.Close(int(pathFD))
	empty := [1]byte{}
	treeFD, _, errno := syscall.Syscall(sysOpenTree, pathFD, uintptr(unsafe.Pointer(&empty[0])), openTreeClone|syscall.O_CLOEXEC|atEmptyPath)
	if errno != 0 {
		if errno == syscall.EINVAL {
			return -1, stageError("open_tree(" + q(src) + ", OPEN_TREE_CLONE): invalid argument: it has mounts below it, which a jail made without root cannot leave out; mount a directory without submounts")
		}
		return -1, sysErr("open_tree", q(src)+", OPEN_TREE_CLONE", errno)
	}
	attr := mountAttr{attrSet: mountAttrNosuid | mountAttrNodev}
	flags := "MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV"
	if m.ReadOnly {
		attr.attrSet |= mountAttrRdonly
		flags += "|MOUNT_ATTR_RDONLY"
	}
	if _, _, errno := syscall.Syscall6(sysMountSetattr, treeFD, uintptr(unsafe.Pointer(&empty[0])), atEmptyPath, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr), 0); errno != 0 {
		syscall.Close(int(treeFD))
		return -1, sysErr("mount_setattr", q(src)+", "+flags, errno)
	}
	return int(treeFD), nil
}
