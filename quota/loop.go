package quota

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// loopMajor is the loop devices' major number (Documentation/admin-guide/devices.txt).
const loopMajor = 7

// loopAttempts bounds the retries when another process takes the free
// loop device first.
const loopAttempts = 16

// attachLoop binds image to a free loop device (see loop(4)):
// LOOP_CTL_GET_FREE, then LOOP_CONFIGURE with LO_FLAGS_AUTOCLEAR (the
// device lets go of the image when its last user, the mount, is gone) and
// LO_FLAGS_DIRECT_IO (the image's blocks are not cached twice), retried
// without direct I/O when the image's filesystem refuses it. The image is
// opened without following a symlink and must be a regular file.
func attachLoop(image string) (*os.File, error) {
	img, err := os.OpenFile(image, os.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("quota: open image: %w", err)
	}
	defer img.Close()
	if fi, err := img.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: image %s is not a regular file", ErrInvalid, image)
	}
	ctl, err := os.OpenFile("/dev/loop-control", os.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer ctl.Close()
	for range loopAttempts {
		n, err := unix.IoctlRetInt(int(ctl.Fd()), unix.LOOP_CTL_GET_FREE)
		if err != nil {
			return nil, fmt.Errorf("quota: ioctl(LOOP_CTL_GET_FREE): %w", err)
		}
		dev, err := os.OpenFile(fmt.Sprintf("/dev/loop%d", n), os.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, fmt.Errorf("quota: %w", err)
		}
		err = configureLoop(dev, img, image)
		if err == nil {
			return dev, nil
		}
		dev.Close()
		if !errors.Is(err, unix.EBUSY) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("quota: no free loop device after %d attempts", loopAttempts)
}

// configureLoop binds img to the loop device dev.
func configureLoop(dev, img *os.File, name string) error {
	cfg := unix.LoopConfig{Fd: uint32(img.Fd())}
	cfg.Info.Flags = unix.LO_FLAGS_AUTOCLEAR | unix.LO_FLAGS_DIRECT_IO
	copy(cfg.Info.File_name[:], name)
	err := unix.IoctlLoopConfigure(int(dev.Fd()), &cfg)
	if errors.Is(err, unix.EINVAL) {
		cfg.Info.Flags &^= unix.LO_FLAGS_DIRECT_IO
		err = unix.IoctlLoopConfigure(int(dev.Fd()), &cfg)
	}
	if err != nil {
		return fmt.Errorf("quota: ioctl(%s, LOOP_CONFIGURE, %s): %w", dev.Name(), name, err)
	}
	return nil
}

// loopBacking returns the backing file of the loop device dev
// ("/dev/loopN"), "" when none is attached (see
// /sys/block/loopN/loop/backing_file).
func loopBacking(dev string) (string, error) {
	data, err := os.ReadFile("/sys/block/" + filepath.Base(dev) + "/loop/backing_file")
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(data), "\n"), nil
}

// findLoop returns the loop device whose backing file is image, "" when
// none.
func findLoop(image string) (string, error) {
	entries, err := os.ReadDir("/sys/block")
	if err != nil {
		return "", fmt.Errorf("quota: %w", err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "loop") {
			continue
		}
		dev := "/dev/" + e.Name()
		if backing, _ := loopBacking(dev); backing == image {
			return dev, nil
		}
	}
	return "", nil
}
