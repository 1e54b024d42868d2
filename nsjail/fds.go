package nsjail

import (
	"golang.org/x/sys/unix"
)

// sealErr is the failure of init's sealing of inherited descriptors; Run
// refuses to start a jail after one (fail closed).
var sealErr error

// init marks every descriptor the process inherited from 3 up
// close-on-exec (close_range(2) with CLOSE_RANGE_CLOEXEC, Linux 5.11), so
// that no child the process starts — a jail's init stage, or any program
// an embedder runs — receives a descriptor it was not given explicitly. A
// shell's `exec 7</etc/shadow`, a supervisor's socket or a CI runner's
// pipe would otherwise cross into every jail, where an inherited directory
// descriptor leads out of the jail's root (the class of runc's
// CVE-2024-21626). The init stage closes them again on its side
// (internal/stage/fds.go): this is the host's half of one defence.
//
// Descriptors Go opens are close-on-exec already; descriptors passed by
// systemd socket activation or a parent stay usable in this process.
func init() {
	if err := unix.CloseRange(3, ^uint(0)>>32, unix.CLOSE_RANGE_CLOEXEC); err != nil {
		sealErr = &SetupError{Step: "fds", Err: sysErr("close_range", "3, ~0U, CLOSE_RANGE_CLOEXEC", err)}
	}
}
