package quota

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// MinLimit is the smallest quota in bytes: ext4 needs room for its
// journal and metadata.
const MinLimit int64 = 16 << 20

// MaxLimit is the largest quota in bytes (16 TiB, the largest ext4
// filesystem of 4 KiB blocks without the 64bit feature's extras).
const MaxLimit int64 = 16 << 40

// Errors of this package; each error returned wraps one of them or a
// system call's errno.
var (
	// ErrUnavailable means this host cannot enforce a quota (see
	// Available).
	ErrUnavailable = errors.New("quota: no disk quota mechanism on this host")
	// ErrBusy is returned by Resize while jails still use the volume.
	ErrBusy = errors.New("quota: the volume is in use")
	// ErrTooSmall is returned by Resize for a size the files, or the
	// filesystem's metadata laid out for the old size, do not fit.
	ErrTooSmall = errors.New("quota: the volume cannot shrink that far")
	// ErrInvalid is wrapped by errors about the arguments.
	ErrInvalid = errors.New("quota: invalid argument")
)

// mountFlags are the volume's mount flags: no set-user-ID programs, no
// device nodes, no access time updates (see mount(2)).
const mountFlags = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOATIME

// mountData gives freed blocks back to the host (ext4(5) "discard"; the
// loop driver punches holes in the image) and remounts read-only on a
// filesystem error rather than go on writing.
const mountData = "discard,errors=remount-ro"

// Volume is one workspace's quota: an ext4 image file mounted at a
// directory. The zero value is not usable; both paths must be absolute
// and the image must not lie under the directory.
type Volume struct {
	// Image is the image file's path, made by Create with mode 0600.
	Image string
	// Dir is the mount point; the workspace's trees go inside it.
	Dir string
}

// check validates the paths.
func (v Volume) check() error {
	switch {
	case !filepath.IsAbs(v.Image) || !filepath.IsAbs(v.Dir):
		return fmt.Errorf("%w: Image %q and Dir %q must be absolute paths", ErrInvalid, v.Image, v.Dir)
	case filepath.Clean(v.Image) == filepath.Clean(v.Dir) || within(filepath.Clean(v.Image), filepath.Clean(v.Dir)):
		return fmt.Errorf("%w: Image %q lies in Dir %q", ErrInvalid, v.Image, v.Dir)
	}
	return nil
}

// checkLimit validates a quota.
func checkLimit(limit int64) error {
	if limit < MinLimit || limit > MaxLimit {
		return fmt.Errorf("%w: limit %d bytes is not in [%d, %d]", ErrInvalid, limit, MinLimit, MaxLimit)
	}
	return nil
}

// Create makes a volume of limit bytes and mounts it: the image (which
// must not exist) as a sparse file, an ext4 filesystem in it with no
// blocks reserved for root (a jail's root is not the host's), and Dir
// (created if missing, else it must be an empty directory) as its mount
// point. The filesystem's root directory belongs to the caller. On error
// nothing is left behind.
func (v Volume) Create(ctx context.Context, limit int64) (err error) {
	if err := v.check(); err != nil {
		return err
	}
	if err := checkLimit(limit); err != nil {
		return err
	}
	if err := Available(); err != nil {
		return err
	}
	made, err := mkdirEmpty(v.Dir)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil && made {
			os.Remove(v.Dir)
		}
	}()
	f, err := os.OpenFile(v.Image, os.O_RDWR|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("quota: create image: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(v.Image)
		}
	}()
	err = f.Truncate(limit)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("quota: size image: %w", err)
	}
	if err := mkfs(ctx, v.Image); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(v.Image)); err != nil {
		return err
	}
	return v.Mount()
}

// mkfsArgs make an ext4 filesystem (mke2fs(8)): quiet, on a file, no
// reserved blocks, no discard of the fresh sparse image, inode tables and
// journal initialised lazily by the kernel.
var mkfsArgs = []string{"-q", "-F", "-t", "ext4", "-m", "0", "-E", "nodiscard,lazy_itable_init=1,lazy_journal_init=1"}

// mkfs runs mkfs.ext4 on image.
func mkfs(ctx context.Context, image string) error {
	bin, err := toolPath("mkfs.ext4")
	if err != nil {
		return err
	}
	return run(ctx, bin, append(mkfsArgs, image)...)
}

// Mount mounts the volume at Dir unless it is mounted there already
// (after a reboot it is not). The image must be a regular file, not a
// symlink.
func (v Volume) Mount() error {
	if err := v.check(); err != nil {
		return err
	}
	if mounted, err := v.mounted(); err != nil || mounted {
		return err
	}
	if _, err := mkdirEmpty(v.Dir); err != nil {
		return err
	}
	image, err := filepath.EvalSymlinks(v.Image)
	if err != nil {
		return fmt.Errorf("quota: %w", err)
	}
	// A loop device may still hold the image (jails kept the filesystem
	// after the host's mount went): mounting it again shares that
	// filesystem, where a second loop device would mount it twice.
	dev, err := findLoop(image)
	if err != nil {
		return err
	}
	if dev == "" {
		loop, err := attachLoop(image)
		if err != nil {
			return err
		}
		defer loop.Close()
		dev = loop.Name()
	}
	if err := unix.Mount(dev, v.Dir, "ext4", mountFlags, mountData); err != nil {
		return fmt.Errorf("quota: mount(%q, %q, \"ext4\", MS_NOSUID|MS_NODEV|MS_NOATIME, %q): %w", dev, v.Dir, mountData, err)
	}
	// Private: a mount namespace made later (a jail's, before it detaches
	// the host's tree) gets an independent copy, so unmounting here never
	// waits on it as a propagation peer.
	if err := unix.Mount("", v.Dir, "", unix.MS_PRIVATE, ""); err != nil {
		return errors.Join(fmt.Errorf("quota: mount(%q, MS_PRIVATE): %w", v.Dir, err), unix.Unmount(v.Dir, 0))
	}
	return nil
}

// loopDevice returns the loop device the mounted volume is on.
func (v Volume) loopDevice() (string, error) {
	var st unix.Stat_t
	if err := unix.Stat(v.Dir, &st); err != nil {
		return "", fmt.Errorf("quota: %w", err)
	}
	return fmt.Sprintf("/dev/loop%d", unix.Minor(st.Dev)), nil
}

// Unmount unmounts the volume; one that is not mounted is fine. It fails
// with EBUSY while a host process uses it (a jail's binds are separate
// mounts and do not count; the loop device stays until they end).
func (v Volume) Unmount() error {
	if err := v.check(); err != nil {
		return err
	}
	mounted, err := v.mounted()
	if err != nil || !mounted {
		return err
	}
	if err := unix.Unmount(v.Dir, 0); err != nil {
		return fmt.Errorf("quota: umount(%q): %w", v.Dir, err)
	}
	return nil
}

// Remove unmounts the volume and deletes the image and the mount point
// (which must be empty once unmounted). Missing parts are fine. The
// image's blocks go back to the host when the last holder of the
// filesystem lets go: a running jail, or an init stage started ahead
// (call nsjail.ReleaseIdle first).
func (v Volume) Remove() error {
	if err := v.Unmount(); err != nil {
		return err
	}
	if err := os.Remove(v.Image); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("quota: remove image: %w", err)
	}
	if err := os.Remove(v.Dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("quota: remove mount point: %w", err)
	}
	return syncDir(filepath.Dir(v.Image))
}

// mounted reports whether Dir is the root of a mount of Image: Dir's
// device is a loop device whose backing file is Image (see
// /sys/block/loopN/loop/backing_file) and Dir is that filesystem's root.
func (v Volume) mounted() (bool, error) {
	var st, parent unix.Stat_t
	if err := unix.Stat(v.Dir, &st); errors.Is(err, unix.ENOENT) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("quota: stat %q: %w", v.Dir, err)
	}
	if err := unix.Stat(filepath.Dir(v.Dir), &parent); err != nil {
		return false, fmt.Errorf("quota: stat %q: %w", filepath.Dir(v.Dir), err)
	}
	if st.Dev == parent.Dev {
		return false, nil
	}
	if unix.Major(st.Dev) != loopMajor {
		return false, fmt.Errorf("quota: %s holds another filesystem's mount (device %d:%d)", v.Dir, unix.Major(st.Dev), unix.Minor(st.Dev))
	}
	got, err := loopBacking(fmt.Sprintf("/dev/loop%d", unix.Minor(st.Dev)))
	if err != nil {
		return false, fmt.Errorf("quota: %s is mounted from a loop device whose backing file is unknown: %w", v.Dir, err)
	}
	image, err := filepath.EvalSymlinks(v.Image)
	if err != nil {
		return false, fmt.Errorf("quota: %w", err)
	}
	if got != image {
		return false, fmt.Errorf("quota: %s holds a mount of %s, not of %s", v.Dir, got, image)
	}
	return true, nil
}

// mkdirEmpty creates dir (made true) or checks that it is an empty
// directory.
func mkdirEmpty(dir string) (made bool, err error) {
	if err := os.Mkdir(dir, 0o755); err == nil {
		return true, nil
	} else if !errors.Is(err, os.ErrExist) {
		return false, fmt.Errorf("quota: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("quota: %w", err)
	}
	if len(entries) > 0 {
		return false, fmt.Errorf("%w: mount point %s is not empty", ErrInvalid, dir)
	}
	return false, nil
}

// syncDir fsyncs a directory so that entries made or removed in it last.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("quota: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("quota: fsync %s: %w", dir, err)
	}
	return nil
}

// within reports whether path lies under dir.
func within(path, dir string) bool {
	return len(path) > len(dir) && path[:len(dir)] == dir && path[len(dir)] == '/'
}
