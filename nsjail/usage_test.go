package nsjail

import (
	"testing"
	"time"
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
