package tmpfs

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// MountName is the base name of every mount point New makes. The mounts
// are in the host's mount namespace, which tests of other packages, run
// in parallel by go test, may watch for changes: they recognise these
// mounts with [IsMountPoint].
const MountName = "bulkhead-tmpfs"

// IsMountPoint reports whether path, a mount point as
// /proc/self/mountinfo spells it, is one New makes.
func IsMountPoint(path string) bool {
	return filepath.Base(path) == MountName
}

// New mounts a tmpfs at a new temporary directory named [MountName] and
// returns the directory. size limits the file system, in bytes (0: the
// kernel's default, half of RAM). The test is skipped when not run as
// root; a mount that fails as root fails it. The file system is unmounted
// when the test ends.
func New(t testing.TB, size int64) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := filepath.Join(t.TempDir(), MountName)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data := "mode=0755"
	if size > 0 {
		data += ",size=" + strconv.FormatInt(size, 10)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, data); err != nil {
		t.Fatalf("mount tmpfs at %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// ReadOnly remounts the tmpfs New mounted at dir read-only. It fails the
// test if a file there is still open for writing (EBUSY).
func ReadOnly(t testing.TB, dir string) {
	t.Helper()
	if err := unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount %s read-only: %v", dir, err)
	}
}
