package quota

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// detachWait bounds how long Resize waits for the loop device to let go
// of the image once the volume is unmounted; a device still attached then
// means jails still use the filesystem.
const detachWait = time.Second

// Resize sets the volume's quota to limit bytes, larger or smaller, with
// the filesystem offline: it unmounts the volume, checks that no jail
// still holds it (the loop device lets go of the image), checks the
// filesystem (e2fsck -f -p), resizes it and the image (resize2fs(8),
// truncate) and mounts it again. The workspace must be idle: while a jail
// still has the volume mounted, Resize mounts it back and fails with
// ErrBusy. A smaller limit than the files need fails with ErrTooSmall.
// On any failure the volume is mounted again at its old size.
//
// # Notes
//
//   - An init stage that package nsjail started ahead of the next call
//     holds, until it is used, a copy of every mount the host had when it
//     started, this volume's too: call nsjail.ReleaseIdle first. Such a
//     stage in another process on the host makes Resize fail with ErrBusy
//     until it is used or released.
//   - ext4 grows online only with CAP_SYS_RESOURCE (EXT4_IOC_RESIZE_FS),
//     which hosts such as the CI machine withhold from root, and never
//     shrinks online; offline covers both.
func (v Volume) Resize(ctx context.Context, limit int64) (err error) {
	if err := v.check(); err != nil {
		return err
	}
	if err := checkLimit(limit); err != nil {
		return err
	}
	u, err := v.Usage()
	if err != nil {
		return err
	}
	if limit == u.Limit {
		return nil
	}
	if limit < u.Used+u.Limit-u.Capacity {
		return fmt.Errorf("%w: %d bytes are in use and the filesystem's metadata takes %d; %d bytes cannot hold them", ErrTooSmall, u.Used, u.Limit-u.Capacity, limit)
	}
	e2fsck, resize2fs, err := resizeTools()
	if err != nil {
		return err
	}
	loop, err := v.loopDevice()
	if err != nil {
		return err
	}
	if err := v.Unmount(); err != nil {
		return err
	}
	defer func() {
		if merr := v.Mount(); merr != nil {
			err = errors.Join(err, merr)
		}
	}()
	if !waitDetached(loop, v.Image) {
		return fmt.Errorf("%w: %s is still attached to %s after the unmount: jails still use the volume", ErrBusy, v.Image, loop)
	}
	if limit > u.Limit {
		if err := truncateImage(v.Image, limit); err != nil {
			return err
		}
	}
	if err := fsck(ctx, e2fsck, v.Image); err != nil {
		return err
	}
	if err := run(ctx, resize2fs, v.Image, strconv.FormatInt(limit>>10, 10)+"K"); err != nil {
		if limit < u.Limit {
			return fmt.Errorf("%w: %w", ErrTooSmall, err)
		}
		return err
	}
	if limit < u.Limit {
		return truncateImage(v.Image, limit)
	}
	return nil
}

// resizeTools finds e2fsck and resize2fs (e2fsprogs).
func resizeTools() (e2fsck, resize2fs string, err error) {
	if e2fsck, err = toolPath("e2fsck"); err != nil {
		return "", "", err
	}
	resize2fs, err = toolPath("resize2fs")
	return e2fsck, resize2fs, err
}

// run runs a tool, returning its output in the error.
func run(ctx context.Context, bin string, args ...string) error {
	if out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("quota: %s %v: %w: %s", bin, args, err, out)
	}
	return nil
}

// fsck checks image with e2fsck -f -p, which resize2fs requires first;
// exit status 1 (errors corrected) counts as success (e2fsck(8), EXIT
// CODE).
func fsck(ctx context.Context, e2fsck, image string) error {
	err := run(ctx, e2fsck, "-f", "-p", image)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return nil
	}
	return err
}

// truncateImage sets the image's size and makes it last.
func truncateImage(image string, size int64) error {
	f, err := os.OpenFile(image, os.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("quota: %w", err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("quota: resize image: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("quota: fsync image: %w", err)
	}
	return nil
}

// waitDetached waits until the loop device no longer has image as its
// backing file.
func waitDetached(loop, image string) bool {
	deadline := time.Now().Add(detachWait)
	for {
		if backing, _ := loopBacking(loop); backing != image {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
