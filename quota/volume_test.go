package quota

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// newVolume creates a volume of limit bytes in a fresh directory and
// removes it at the end of the test.
func newVolume(t *testing.T, limit int64) Volume {
	t.Helper()
	dir := t.TempDir()
	v := Volume{Image: filepath.Join(dir, "disk.img"), Dir: filepath.Join(dir, "disk")}
	if err := v.Create(context.Background(), limit); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := v.Remove(); err != nil {
			t.Error(err)
		}
	})
	return v
}

// mountsOf counts the mounts at dir in this process's mount namespace.
func mountsOf(t *testing.T, dir string) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == dir {
			n++
		}
	}
	return n
}

func TestCreateAndUsage(t *testing.T) {
	t.Parallel()
	const limit = 64 << 20
	v := newVolume(t, limit)
	u, err := v.Usage()
	if err != nil {
		t.Fatal(err)
	}
	if u.Limit != limit || u.Capacity <= limit*8/10 || u.Capacity > limit || u.Used <= 0 || u.Free <= 0 || u.Free > u.Capacity-u.Used {
		t.Fatalf("usage %+v of a fresh %d-byte volume", u, limit)
	}
	if fi, err := os.Stat(v.Image); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("image mode %v, %v; want 0600", fi.Mode(), err)
	}
	if err := os.WriteFile(filepath.Join(v.Dir, "f"), bytes.Repeat([]byte{1}, 10<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	after, err := v.Usage()
	if err != nil {
		t.Fatal(err)
	}
	if grew := after.Used - u.Used; grew < 10<<20 || grew > 11<<20 {
		t.Errorf("writing 10 MiB grew Used by %d bytes", grew)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(v.Dir, &st); err != nil || st.Flags&(unix.ST_NOSUID|unix.ST_NODEV) != unix.ST_NOSUID|unix.ST_NODEV {
		t.Errorf("mount flags %#x, %v; want nosuid and nodev", st.Flags, err)
	}
}

// TestFillVolume writes past the quota from the host: ENOSPC, and the
// image holds no more than the quota of the host's disk.
func TestFillVolume(t *testing.T) {
	t.Parallel()
	const limit = 32 << 20
	v := newVolume(t, limit)
	f, err := os.Create(filepath.Join(v.Dir, "big"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{7}, 1<<20)
	var werr error
	for i := 0; i < 64 && werr == nil; i++ {
		_, werr = f.Write(chunk)
	}
	if werr == nil {
		werr = f.Sync()
	}
	f.Close()
	if !errors.Is(werr, syscall.ENOSPC) {
		t.Fatalf("writing 64 MiB into a 32 MiB volume: %v, want ENOSPC", werr)
	}
	var st unix.Stat_t
	if err := unix.Stat(v.Image, &st); err != nil {
		t.Fatal(err)
	}
	if allocated := st.Blocks * 512; allocated > limit {
		t.Errorf("the image holds %d bytes of the host's disk, more than its %d-byte quota", allocated, limit)
	}
	if err := os.Remove(filepath.Join(v.Dir, "big")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(v.Dir, "small"), []byte("fits again"), 0o644); err != nil {
		t.Errorf("after deleting, a small write fails: %v", err)
	}
}

// TestMountIdempotent unmounts and mounts again (as after a reboot): the
// files are there, and a second Mount does not stack a mount.
func TestMountIdempotent(t *testing.T) {
	t.Parallel()
	v := newVolume(t, 32<<20)
	if err := os.WriteFile(filepath.Join(v.Dir, "kept"), []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := v.Unmount(); err != nil {
		t.Fatal(err)
	}
	if n := mountsOf(t, v.Dir); n != 0 {
		t.Fatalf("%d mounts after Unmount", n)
	}
	if err := v.Unmount(); err != nil {
		t.Errorf("second Unmount: %v", err)
	}
	for range 2 {
		if err := v.Mount(); err != nil {
			t.Fatal(err)
		}
	}
	if n := mountsOf(t, v.Dir); n != 1 {
		t.Errorf("%d mounts after two Mounts, want 1", n)
	}
	if data, err := os.ReadFile(filepath.Join(v.Dir, "kept")); err != nil || string(data) != "kept" {
		t.Errorf("after remounting: %q, %v", data, err)
	}
}

// TestResize grows a volume, writes into the new room, shrinks it to what
// the files need, and refuses a size they do not fit.
func TestResize(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v := newVolume(t, 32<<20)
	before, err := v.Usage()
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Resize(ctx, 96<<20); err != nil {
		t.Fatal(err)
	}
	after, err := v.Usage()
	if err != nil {
		t.Fatal(err)
	}
	if after.Limit != 96<<20 || after.Capacity < before.Capacity+50<<20 {
		t.Errorf("after growing: %+v (before %+v)", after, before)
	}
	if err := os.WriteFile(filepath.Join(v.Dir, "f"), bytes.Repeat([]byte{1}, 48<<20), 0o644); err != nil {
		t.Fatalf("writing 48 MiB after growing to 96 MiB: %v", err)
	}
	if err := v.Resize(ctx, 96<<20); err != nil {
		t.Errorf("same size: %v", err)
	}
	if err := v.Resize(ctx, 40<<20); !errors.Is(err, ErrTooSmall) {
		t.Errorf("shrinking below the files: %v, want ErrTooSmall", err)
	}
	if data, err := os.ReadFile(filepath.Join(v.Dir, "f")); err != nil || len(data) != 48<<20 {
		t.Errorf("the file after the refusal: %d bytes, %v", len(data), err)
	}
}

// TestShrink lowers a volume's quota to what its files and metadata fit.
func TestShrink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v := newVolume(t, 128<<20)
	if err := os.WriteFile(filepath.Join(v.Dir, "f"), bytes.Repeat([]byte{1}, 8<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := v.Resize(ctx, 48<<20); err != nil {
		t.Fatalf("shrinking to 48 MiB with 8 MiB used: %v", err)
	}
	u, err := v.Usage()
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(v.Image); err != nil || fi.Size() != 48<<20 || u.Limit != 48<<20 || u.Capacity > 48<<20 {
		t.Errorf("after shrinking: %+v, image %v", u, err)
	}
	if data, err := os.ReadFile(filepath.Join(v.Dir, "f")); err != nil || len(data) != 8<<20 {
		t.Errorf("the file after shrinking: %d bytes, %v", len(data), err)
	}
	if err := os.WriteFile(filepath.Join(v.Dir, "g"), bytes.Repeat([]byte{1}, 48<<20), 0o644); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("writing 48 MiB more into the shrunk volume: %v, want ENOSPC", err)
	}
}

// TestResizeBusy resizes a volume that another mount namespace still
// holds, as a running jail would: ErrBusy, and the volume is mounted again
// with its files.
func TestResizeBusy(t *testing.T) {
	// Not parallel: the holder's mount namespace copies every mount of
	// the moment, the other tests' volumes too.
	v := newVolume(t, 32<<20)
	if err := os.WriteFile(filepath.Join(v.Dir, "kept"), []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	holder := exec.Command("unshare", "--mount", "--propagation", "private", "sleep", "60")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		holder.Process.Kill()
		holder.Wait()
	}()
	own, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", holder.Process.Pid))
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", holder.Process.Pid))
		mounts, _ := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", holder.Process.Pid))
		if ns != own && string(comm) == "sleep\n" && strings.Contains(string(mounts), " "+v.Dir+" ") {
			break // in its own mount namespace, with the volume
		}
		if time.Now().After(deadline) {
			t.Fatal("the holder never showed the volume in a mount namespace of its own")
		}
	}
	if err := v.Resize(context.Background(), 64<<20); !errors.Is(err, ErrBusy) {
		t.Fatalf("resizing a volume in use: %v, want ErrBusy", err)
	}
	if data, err := os.ReadFile(filepath.Join(v.Dir, "kept")); err != nil || string(data) != "kept" {
		t.Errorf("after the refusal: %q, %v", data, err)
	}
	if n := mountsOf(t, v.Dir); n != 1 {
		t.Errorf("%d mounts after the refusal, want 1", n)
	}
	holder.Process.Kill()
	holder.Wait()
	if err := v.Resize(context.Background(), 64<<20); err != nil {
		t.Errorf("resizing once the holder is gone: %v", err)
	}
}

func TestRemove(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v := Volume{Image: filepath.Join(dir, "disk.img"), Dir: filepath.Join(dir, "disk")}
	if err := v.Create(context.Background(), 32<<20); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(v.Dir, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := v.Remove(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{v.Image, v.Dir} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind: %v", p, err)
		}
	}
	if err := v.Remove(); err != nil {
		t.Errorf("second Remove: %v", err)
	}
}

func TestCreateRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	busy := filepath.Join(dir, "busy")
	if err := os.MkdirAll(filepath.Join(busy, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "existing.img")
	if err := os.WriteFile(existing, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		v     Volume
		limit int64
		want  string
	}{
		{"too small", Volume{filepath.Join(dir, "a.img"), filepath.Join(dir, "a")}, MinLimit - 1, "not in ["},
		{"too large", Volume{filepath.Join(dir, "a.img"), filepath.Join(dir, "a")}, MaxLimit + 1, "not in ["},
		{"relative", Volume{"a.img", filepath.Join(dir, "a")}, MinLimit, "absolute"},
		{"image in the mount point", Volume{filepath.Join(dir, "a", "a.img"), filepath.Join(dir, "a")}, MinLimit, "lies in Dir"},
		{"mount point not empty", Volume{filepath.Join(dir, "b.img"), busy}, MinLimit, "not empty"},
		{"image exists", Volume{existing, filepath.Join(dir, "c")}, MinLimit, "file exists"},
	}
	for _, tc := range tests {
		err := tc.v.Create(context.Background(), tc.limit)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "c")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed Create left its mount point: %v", err)
	}
	if data, _ := os.ReadFile(existing); len(data) != 0 {
		t.Errorf("a failed Create changed an existing image")
	}
}
