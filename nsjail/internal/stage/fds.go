package stage

import "syscall"

// close_range(2) (Linux 5.9; CLOSE_RANGE_CLOEXEC since 5.11). The number
// is the same on every architecture (include/uapi/asm-generic/unistd.h and
// arch/x86/entry/syscalls/syscall_64.tbl both give 436).
const (
	sysCloseRange          = 436
	closeRangeCloexec      = 1 << 2
	maxFD             uint = ^uint(0) >> 32 // close_range takes unsigned int bounds
)

// closeInherited closes every descriptor the init stage inherited beyond its
// own plumbing (0-2, SpecFD, ReportFD): whatever the host process held
// without close-on-exec, such as a directory of the host's root that would
// let the command walk out of pivot_root (the class of runc's
// CVE-2024-21626), never reaches the jail.
func closeInherited() error {
	return closeRange(ReportFD+1, maxFD, 0)
}

// sealDescriptors marks every descriptor from 3 up close-on-exec, so the
// command starts with exactly 0, 1 and 2 (ReportFD and anything opened
// during setup stay with the init stage).
func sealDescriptors() error {
	return closeRange(3, maxFD, closeRangeCloexec)
}

// closeRange calls close_range(2).
func closeRange(first, last uint, flags uintptr) error {
	if _, _, errno := syscall.RawSyscall(sysCloseRange, uintptr(first), uintptr(last), flags); errno != 0 {
		return sysErr("close_range", itoa(uint64(first))+", "+itoa(uint64(last)), errno)
	}
	return nil
}
