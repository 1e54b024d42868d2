package stage

import (
	"syscall"
	"unsafe"
)

// Constants the syscall package lacks (linux/prctl.h, linux/seccomp.h,
// linux/mount.h, linux/fcntl.h, sys/statvfs.h); they are the same on
// every Linux architecture. Package stage does not import
// golang.org/x/sys/unix, which Go would initialise late (see doc.go).
const (
	prSetNoNewPrivs         = 38
	prCapAmbient            = 47
	prCapAmbientClearAll    = 4
	seccompSetModeFilter    = 1
	seccompFilterFlagTsync  = 1
	sysMoveMount            = 429 // same number on every architecture since Linux 5.2
	moveMountFEmptyPath     = 0x4
	atFDCWD                 = -0x64
	linuxCapabilityVersion3 = 0x20080522
)

// statfs(2) f_flags (ST_*).
const (
	stRdonly     = 0x1
	stNosuid     = 0x2
	stNodev      = 0x4
	stNoexec     = 0x8
	stNoatime    = 0x400
	stNodiratime = 0x800
	stRelatime   = 0x1000
)

// prctl calls prctl(2).
func prctl(option, arg2 uintptr) error {
	if _, _, errno := syscall.RawSyscall6(syscall.SYS_PRCTL, option, arg2, 0, 0, 0, 0); errno != 0 {
		return errno
	}
	return nil
}

// moveMount attaches the detached mount tree fd at path (move_mount(2)
// with MOVE_MOUNT_F_EMPTY_PATH).
func moveMount(fd int, path string) error {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return err
	}
	empty := [1]byte{}
	at := atFDCWD
	_, _, errno := syscall.Syscall6(sysMoveMount, uintptr(fd), uintptr(unsafe.Pointer(&empty[0])), uintptr(at), uintptr(unsafe.Pointer(p)), moveMountFEmptyPath, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// capHeader and capData are struct __user_cap_header_struct and
// __user_cap_data_struct (see capget(2)).
type capHeader struct {
	version uint32
	pid     int32
}

type capData struct {
	effective, permitted, inheritable uint32
}

// capsetZero empties the effective, permitted and inheritable sets of the
// calling thread (capset(2), version 3: two words per set).
func capsetZero() error {
	hdr := capHeader{version: linuxCapabilityVersion3}
	var data [2]capData
	if _, _, errno := syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); errno != 0 {
		return errno
	}
	return nil
}

// ifreqFlags is struct ifreq with the ifr_flags member of its union (see
// netdevice(7)): a 16-byte name, then the union, 24 bytes on 64-bit Linux.
type ifreqFlags struct {
	name  [syscall.IFNAMSIZ]byte
	flags uint16
	_     [22]byte
}

// interfaceFlags runs SIOCGIFFLAGS or SIOCSIFFLAGS on fd for ifr.
func interfaceFlags(fd int, req uintptr, ifr *ifreqFlags) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(unsafe.Pointer(ifr))); errno != 0 {
		return errno
	}
	return nil
}
