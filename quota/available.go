package quota

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// sbinDirs are searched for mkfs.ext4 after PATH, which often lacks them
// for services and ordinary users.
var sbinDirs = []string{"/usr/sbin", "/sbin"}

// toolPath finds an e2fsprogs tool (mkfs.ext4, e2fsck, resize2fs).
func toolPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range sbinDirs {
		p := d + "/" + name
		if unix.Access(p, unix.X_OK) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %s not found in PATH or %s; install e2fsprogs", ErrUnavailable, name, strings.Join(sbinDirs, ", "))
}

// capSysAdmin is CAP_SYS_ADMIN's bit in /proc/PID/status CapEff.
const capSysAdmin = 21

// Available reports whether this process can make, mount and resize
// volumes: CAP_SYS_ADMIN in the initial user namespace (loop devices and
// mounts need it), /dev/loop-control, and mkfs.ext4, e2fsck and resize2fs
// (e2fsprogs). The error wraps ErrUnavailable and says what is missing.
func Available() error {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if !hasCapability(string(status), capSysAdmin) {
		return fmt.Errorf("%w: disk quotas need root (CAP_SYS_ADMIN) to attach a loop device and mount the workspace's ext4 image; this process (uid %d) lacks it", ErrUnavailable, os.Geteuid())
	}
	if err := unix.Access("/dev/loop-control", unix.R_OK|unix.W_OK); err != nil {
		return fmt.Errorf("%w: /dev/loop-control: %w (load the loop module: modprobe loop)", ErrUnavailable, err)
	}
	for _, tool := range []string{"mkfs.ext4", "e2fsck", "resize2fs"} {
		if _, err := toolPath(tool); err != nil {
			return err
		}
	}
	return nil
}

// hasCapability reports whether the CapEff mask of a /proc/PID/status
// text has capability bit c, in the initial user namespace: a
// capability of a nested user namespace does not reach loop devices.
func hasCapability(status string, c uint) bool {
	var capEff string
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			capEff = strings.TrimSpace(v)
		}
	}
	mask, err := strconv.ParseUint(capEff, 16, 64)
	if err != nil || mask&(1<<c) == 0 {
		return false
	}
	uidMap, err := os.ReadFile("/proc/self/uid_map")
	return err == nil && strings.Join(strings.Fields(string(uidMap)), " ") == "0 0 4294967295"
}
