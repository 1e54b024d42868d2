package stage

import "syscall"

// devNodes are the host character devices bound into /dev: the memory
// devices of mem(4), random(4), and tty(4) (which, in the jail's new
// session without a controlling terminal, fails to open with ENXIO).
var devNodes = []string{"null", "zero", "full", "random", "urandom", "tty"}

// devLinks are /dev's symlinks (name → target), as a udev-managed /dev has
// them; /dev/ptmx points at the jail's own devpts instance.
var devLinks = []struct{ name, target string }{
	{"fd", "/proc/self/fd"},
	{"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"},
	{"ptmx", "pts/ptmx"},
}

// devptsOptions give the jail a private pseudo-terminal instance (see
// Documentation/filesystems/devpts.rst in the Linux sources).
const devptsOptions = "newinstance,ptmxmode=0666,mode=0620"

// setupDev builds a minimal /newroot/dev: devNodes bound from the host,
// devLinks, a new devpts instance at /dev/pts and a tmpfs at /dev/shm of
// s.ShmSize bytes. /dev itself is part of the root and so read-only; no
// other device exists, and without CAP_MKNOD none can be made.
func setupDev(s *Spec) error {
	dev := newRootDir + "/dev"
	if err := mkdir(dev); err != nil {
		return err
	}
	for _, n := range devNodes {
		dst := dev + "/" + n
		if err := createFile(dst); err != nil {
			return err
		}
		// A plain bind keeps the host /dev mount's flags; nosuid and
		// noexec mean nothing for a character device, so the remount that
		// other binds get is skipped.
		if err := syscall.Mount(OldRootDir+"/dev/"+n, dst, "", syscall.MS_BIND, ""); err != nil {
			return sysErr("mount", q(OldRootDir+"/dev/"+n)+", "+q(dst)+", MS_BIND", err)
		}
	}
	for _, l := range devLinks {
		if err := symlink(l.target, dev+"/"+l.name); err != nil {
			return err
		}
	}
	if err := mkdir(dev + "/pts"); err != nil {
		return err
	}
	if err := syscall.Mount("devpts", dev+"/pts", "devpts", syscall.MS_NOSUID|noexec, devptsOptions); err != nil {
		return sysErr("mount", `"devpts", `+q(dev+"/pts")+`, "devpts", `+devptsOptions, err)
	}
	if err := mkdir(dev + "/shm"); err != nil {
		return err
	}
	return mountTmpfs(dev+"/shm", syscall.MS_NOSUID|syscall.MS_NODEV|noexec, "mode=1777,size="+itoa(s.ShmSize))
}
