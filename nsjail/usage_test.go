package nsjail

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// burnCPU keeps a CPU busy in the jail for about 200 ms of CPU time, in a
// shell loop (user time) and in dd copying zeros (system time).
const burnCPU = `i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done; dd if=/dev/zero of=/dev/null bs=64k count=20000 2>/dev/null`

// assertCPUBand checks that the cgroup's CPU time agrees with the
// rusage's: within half of it plus 20 ms (the machine is shared, and the
// two count slightly different sets of threads).
func assertCPUBand(t *testing.T, u Usage, atLeast time.Duration) {
	t.Helper()
	rusage := u.UserTime + u.SystemTime
	if u.CPUTimeSource != CPUSourceCgroup {
		t.Fatalf("CPUTimeSource %q, want %q (usage %+v)", u.CPUTimeSource, CPUSourceCgroup, u)
	}
	if diff := (u.CPUTime - rusage).Abs(); diff > rusage/2+20*time.Millisecond {
		t.Errorf("cgroup CPU time %v, rusage %v (user %v + system %v): differ by %v", u.CPUTime, rusage, u.UserTime, u.SystemTime, diff)
	}
	if u.CPUTime < atLeast {
		t.Errorf("cgroup CPU time %v, want at least %v", u.CPUTime, atLeast)
	}
}

// TestCPUTime: a jail that burns CPU reports the cgroup's counter, in
// agreement with rusage; with no cgroup, rusage is the source.
func TestCPUTime(t *testing.T) {
	t.Parallel()
	res := mustBash(t, jailConfig(t), burnCPU)
	if res.ExitCode != 0 {
		t.Fatalf("exit %d, stderr %q", res.ExitCode, res.Stderr)
	}
	assertCPUBand(t, res.Usage, 100*time.Millisecond)

	cfg := jailConfig(t)
	cfg.Cgroup = CgroupNone
	res = mustBash(t, cfg, burnCPU)
	u := res.Usage
	if u.CPUTimeSource != CPUSourceRusage || u.CPUTime != u.UserTime+u.SystemTime || u.CPUTime < 100*time.Millisecond {
		t.Errorf("no cgroup: CPUTime %v from %q, want the rusage %v", u.CPUTime, u.CPUTimeSource, u.UserTime+u.SystemTime)
	}
}

// TestCPUTimeKilledProcess: a background shell that burnt CPU and still
// runs when the command exits is counted by both the cgroup and the
// rusage (the init stage kills and reaps it, see stage reapAll).
func TestCPUTimeKilledProcess(t *testing.T) {
	t.Parallel()
	res := mustBash(t, jailConfig(t), `sh -c 'i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done; : > burnt; sleep 100' & while [ ! -e burnt ]; do sleep 0.01; done`)
	if res.ExitCode != 0 {
		t.Fatalf("exit %d, stderr %q", res.ExitCode, res.Stderr)
	}
	assertCPUBand(t, res.Usage, 30*time.Millisecond)
}

// diskDir returns a new directory on a storage-backed file system: the
// test's temporary directory, or, where that is a tmpfs, one beside the
// package's sources.
func diskDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	if fs.Type != unix.TMPFS_MAGIC {
		return dir
	}
	dir, err := os.MkdirTemp(".", ".usage-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestWriteBytes: writes to a file in the workspace count, from the
// command and from an orphan the init stage reaps; writes to the tmpfs
// /tmp and through a pipe do not.
func TestWriteBytes(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	const write4M = `dd if=/dev/zero of=%s bs=1M count=4 2>/dev/null`
	tests := []struct {
		name     string
		command  string
		min, max int64
	}{
		{"workspace file", strings.ReplaceAll(write4M, "%s", "/workspace/f"), 4 * mib, 6 * mib},
		// The subshell's parent exits at once: init reaps it.
		{"orphan", `sh -c '(` + strings.ReplaceAll(write4M, "%s", "/workspace/g") + `; : > /workspace/done) &'; while [ ! -e /workspace/done ]; do sleep 0.01; done`, 4 * mib, 6 * mib},
		// Still running when the command exits: reapAll kills and reaps it.
		{"background", `(` + strings.ReplaceAll(write4M, "%s", "/workspace/h") + `; : > /workspace/done; sleep 100) & while [ ! -e /workspace/done ]; do sleep 0.01; done`, 4 * mib, 6 * mib},
		{"tmpfs /tmp", strings.ReplaceAll(write4M, "%s", "/tmp/f"), 0, mib},
		{"pipe", `head -c 4M /dev/zero | cat > /dev/null`, 0, mib},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := mustBash(t, Config{Workspace: diskDir(t)}, tc.command)
			if res.ExitCode != 0 {
				t.Fatalf("exit %d, stderr %q", res.ExitCode, res.Stderr)
			}
			if w := res.Usage.WriteBytes; w < tc.min || w > tc.max {
				t.Errorf("WriteBytes %d, want %d..%d", w, tc.min, tc.max)
			}
		})
	}
}

// TestWriteBytesAgreesWithProcIO compares WriteBytes with the figure the
// kernel shows in the jail: the shell's /proc/PID/io, which holds what its
// reaped child dd wrote, once dd is done.
func TestWriteBytesAgreesWithProcIO(t *testing.T) {
	t.Parallel()
	res := mustBash(t, Config{Workspace: diskDir(t)}, `dd if=/dev/zero of=/workspace/f bs=64k count=100 2>/dev/null; grep '^write_bytes:' /proc/$$/io`)
	var inJail int64
	if _, err := fmt.Sscanf(string(res.Stdout), "write_bytes: %d\n", &inJail); err != nil || res.ExitCode != 0 {
		t.Fatalf("stdout %q, stderr %q: %v", res.Stdout, res.Stderr, err)
	}
	if inJail < 100*64<<10 || res.Usage.WriteBytes != inJail {
		t.Errorf("WriteBytes %d, /proc/PID/io write_bytes %d in the jail; want equal, at least %d", res.Usage.WriteBytes, inJail, 100*64<<10)
	}
}
