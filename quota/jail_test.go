package quota_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/bulkhead-dev/bulkhead/nsjail"
	"github.com/bulkhead-dev/bulkhead/quota"
)

// workspaceVolume makes a volume laid out as the runtime would: files,
// home and tmp inside it.
func workspaceVolume(t *testing.T, limit int64) (quota.Volume, nsjail.Config) {
	t.Helper()
	dir := t.TempDir()
	v := quota.Volume{Image: filepath.Join(dir, "disk.img"), Dir: filepath.Join(dir, "disk")}
	if err := v.Create(context.Background(), limit); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		nsjail.ReleaseIdle()
		if err := v.Remove(); err != nil {
			t.Error(err)
		}
	})
	cfg := nsjail.Config{Workspace: filepath.Join(v.Dir, "files"), Home: filepath.Join(v.Dir, "home"), TmpDir: filepath.Join(v.Dir, "tmp")}
	for _, d := range []string{cfg.Workspace, cfg.Home, cfg.TmpDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return v, cfg
}

// TestQuotaFromJail fills a workspace's volume from inside its jail,
// through /workspace, the home and the on-disk /tmp: the writes fail with
// ENOSPC, the image holds no more of the host's disk than the quota, the
// quota reads back inside as the size of /workspace, and another
// workspace's jail writes as before.
func TestQuotaFromJail(t *testing.T) {
	const limit = 32 << 20
	a, cfgA := workspaceVolume(t, limit)
	_, cfgB := workspaceVolume(t, limit)
	u, err := a.Usage()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := nsjail.Bash(ctx, cfgA, `df -B1 --output=size /workspace | tail -1; `+
		`head -c 64M /dev/zero > big; echo "workspace $?"; `+
		`head -c 1M /dev/zero > ~/cache; echo "home $?"; `+
		`head -c 1M /dev/zero > /tmp/scratch; echo "tmp $?"`)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(res.Stdout)), "\n")
	if len(lines) != 4 {
		t.Fatalf("stdout %q stderr %q", res.Stdout, res.Stderr)
	}
	if size, _ := strconv.ParseInt(strings.TrimSpace(lines[0]), 10, 64); size != u.Capacity {
		t.Errorf("df inside shows %q bytes, want the volume's capacity %d", lines[0], u.Capacity)
	}
	for _, l := range lines[1:] {
		if strings.HasSuffix(l, " 0") {
			t.Errorf("write past the quota succeeded: %q", l)
		}
	}
	if n := strings.Count(string(res.Stderr), "No space left on device"); n != 3 {
		t.Errorf("stderr %q, want three ENOSPC failures", res.Stderr)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(a.Image, &st); err != nil {
		t.Fatal(err)
	}
	if allocated := st.Blocks * 512; allocated > limit {
		t.Errorf("the image holds %d bytes of the host's disk, more than its quota %d", allocated, limit)
	}
	full, err := a.Usage()
	if err != nil {
		t.Fatal(err)
	}
	if full.Free > 1<<20 || full.Used < full.Capacity-2<<20 {
		t.Errorf("usage after filling: %+v", full)
	}
	res, err = nsjail.Bash(ctx, cfgB, `head -c 8M /dev/zero > f && echo ok`)
	if err != nil || string(res.Stdout) != "ok\n" {
		t.Errorf("the other workspace: %v, stdout %q stderr %q", err, res.Stdout, res.Stderr)
	}
}

// TestWorkspaceLimitsFromInside gives a jail a workspace's settings (the
// ones a WorkspaceConfig carries: memory, pids, CPU, /tmp size, disk
// quota) and reads them back from inside.
func TestWorkspaceLimitsFromInside(t *testing.T) {
	v, cfg := workspaceVolume(t, 48<<20)
	cfg.TmpDir = "" // /tmp as a tmpfs of TmpSize
	cfg.Memory, cfg.Pids, cfg.CPU, cfg.TmpSize = 96<<20, 100, 0.5, 24<<20
	u, err := v.Usage()
	if err != nil {
		t.Fatal(err)
	}
	out, err := nsjail.Bash(context.Background(), cfg, `ulimit -u; df -B1 --output=size /tmp /workspace ~ | tail -3 | tr -d ' '`)
	if err != nil || out.ExitCode != 0 {
		t.Fatalf("%v %+v", err, out)
	}
	want := fmt.Sprintf("100\n%d\n%d\n%d\n", 24<<20, u.Capacity, u.Capacity)
	if string(out.Stdout) != want {
		t.Errorf("limits inside: %q, want %q", out.Stdout, want)
	}
	res, err := nsjail.Bash(context.Background(), cfg, `head -c 256M /dev/zero | tail > /dev/null`)
	if err != nil || !res.OOMKilled {
		t.Errorf("256 MiB under a 96 MiB limit: %v, OOM killed %v", err, res.OOMKilled)
	}
}

// TestResizeAfterJails follows the runtime's recipe for a quota change:
// jails have run (the third call leaves an init stage started ahead, whose
// mount namespace still holds a copy of every host mount, this volume's
// too), nsjail.ReleaseIdle ends it, and Resize then finds the volume free;
// the next jail sees the new size.
func TestResizeAfterJails(t *testing.T) {
	v, cfg := workspaceVolume(t, 32<<20)
	ctx := context.Background()
	for i := range 3 {
		if _, err := nsjail.Bash(ctx, cfg, fmt.Sprintf("echo %d > f%d", i, i)); err != nil {
			t.Fatal(err)
		}
	}
	nsjail.ReleaseIdle()
	if err := v.Resize(ctx, 64<<20); err != nil {
		t.Fatal(err)
	}
	u, err := v.Usage()
	if err != nil {
		t.Fatal(err)
	}
	res, err := nsjail.Bash(ctx, cfg, "cat f0 f1 f2; df -B1 --output=size /workspace | tail -1 | tr -d ' '")
	if err != nil || string(res.Stdout) != fmt.Sprintf("0\n1\n2\n%d\n", u.Capacity) {
		t.Errorf("after resizing: %v, %q", err, res.Stdout)
	}
}
