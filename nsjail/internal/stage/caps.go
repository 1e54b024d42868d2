package stage

import (
	"errors"
	"syscall"
)

// Securebits flags (linux/securebits.h): each flag, then its lock.
const (
	secbitNoRoot                  = 1 << 0
	secbitNoRootLocked            = 1 << 1
	secbitNoSetuidFixup           = 1 << 2
	secbitNoSetuidFixupLocked     = 1 << 3
	secbitKeepCapsLocked          = 1 << 5
	secbitNoCapAmbientRaise       = 1 << 6
	secbitNoCapAmbientRaiseLocked = 1 << 7
)

// secureBits lock root out of capabilities for good (see capabilities(7),
// "The securebits flags"): exec by uid 0 grants none (NOROOT), changing uids
// does not touch capability sets (NO_SETUID_FIXUP), capabilities are never
// kept across setuid (KEEP_CAPS off and locked) and none can be raised into
// the ambient set (NO_CAP_AMBIENT_RAISE); each bit is locked.
const secureBits = secbitNoRoot | secbitNoRootLocked |
	secbitNoSetuidFixup | secbitNoSetuidFixupLocked |
	secbitKeepCapsLocked |
	secbitNoCapAmbientRaise | secbitNoCapAmbientRaiseLocked

// maxCap bounds the bounding-set loop; the kernel answers EINVAL past its
// last capability (CAP_LAST_CAP, 40 on Linux 6.x).
const maxCap = 63

// dropCapabilities empties all five capability sets of the init stage's
// thread, which the command inherits (see capabilities(7)): securebits
// first and the bounding set next (both need CAP_SETPCAP), then the ambient
// set, then effective, permitted and inheritable with capset(2). It also
// makes the init stage non-dumpable (prctl(2) PR_SET_DUMPABLE), so the
// command, which runs with the same uid, cannot open its /proc/1/mem,
// environ, exe or root: those need CAP_SYS_PTRACE once a process is not
// dumpable. The exec of the command resets its own dumpable flag.
//
// Capability sets belong to a thread; the init stage runs on its main
// thread, locked there by the Go runtime during package initialisation,
// and forks the command from it.
func dropCapabilities(*Spec) error {
	if err := prctl(syscall.PR_SET_SECUREBITS, secureBits); err != nil {
		return sysErr("prctl", "PR_SET_SECUREBITS, "+hex(uintptr(secureBits)), err)
	}
	for c := uintptr(0); c <= maxCap; c++ {
		err := prctl(syscall.PR_CAPBSET_DROP, c)
		if errors.Is(err, syscall.EINVAL) {
			break
		}
		if err != nil {
			return sysErr("prctl", "PR_CAPBSET_DROP, "+itoa(c), err)
		}
	}
	if err := prctl(prCapAmbient, prCapAmbientClearAll); err != nil {
		return sysErr("prctl", "PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL", err)
	}
	if err := capsetZero(); err != nil {
		return sysErr("capset", "_LINUX_CAPABILITY_VERSION_3, {0, 0, 0}", err)
	}
	if err := prctl(syscall.PR_SET_DUMPABLE, 0); err != nil {
		return sysErr("prctl", "PR_SET_DUMPABLE, 0", err)
	}
	return nil
}
