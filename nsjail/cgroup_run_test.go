package nsjail

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// waitForLeaves waits until this process has a leaf whose pids.max is
// pids in every hierarchy of plan and returns them, controller →
// directory. Only one jail with that limit may run; the pre-started init
// stage's leaf (cgroup v2) has the default limits.
func waitForLeaves(t *testing.T, plan cgroupPlan, pids int) map[string]string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var name string
		entries, _ := os.ReadDir(plan.parents["pids"])
		for _, e := range entries {
			max, _ := os.ReadFile(filepath.Join(plan.parents["pids"], e.Name(), "pids.max"))
			if strings.HasPrefix(e.Name(), ownerTag()+"-") && strings.TrimSpace(string(max)) == strconv.Itoa(pids) {
				name = e.Name()
			}
		}
		leaves := map[string]string{}
		for _, c := range plan.controllers {
			if dir := filepath.Join(plan.parents[c], name); name != "" && fileExists(dir) {
				leaves[c] = dir
			}
		}
		if len(leaves) == len(plan.controllers) {
			return leaves
		}
		if time.Now().After(deadline) {
			t.Fatalf("no leaf appeared: %v", leaves)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func readTrim(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// TestCgroupLimitsApplied reads the limits of a running jail's leaf from
// the host, then checks the leaf is gone after Run (with cgroup v1, in
// the cpuacct hierarchy too). It runs alone (not in
// parallel) so the only leaf of this process is the jail's.
func TestCgroupLimitsApplied(t *testing.T) {
	plan, err := planCgroups(CgroupAuto)
	if err != nil {
		t.Fatal(err)
	}
	cfg := jailConfig(t)
	cfg.Memory, cfg.Pids, cfg.CPU = 64<<20, 48, 0.5
	done := make(chan *Result, 1)
	go func() {
		res, err := Bash(context.Background(), cfg, "sleep 1")
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	leaves := waitForLeaves(t, plan, cfg.Pids)
	want := map[string]string{}
	if plan.version == 1 {
		want[filepath.Join(leaves["memory"], "memory.limit_in_bytes")] = "67108864"
		if memsw := filepath.Join(leaves["memory"], "memory.memsw.limit_in_bytes"); fileExists(memsw) {
			want[memsw] = "67108864"
		}
		want[filepath.Join(leaves["pids"], "pids.max")] = "48"
		want[filepath.Join(leaves["cpu"], "cpu.cfs_quota_us")] = "50000"
		want[filepath.Join(leaves["cpu"], "cpu.cfs_period_us")] = "100000"
		// The CPU counter's leaf, removed below with the others.
		if h, _ := hostCgroups(); h.v1[cpuacctController] != "" && !fileExists(filepath.Join(leaves[cpuacctController], "cpuacct.usage")) {
			t.Errorf("no cpuacct leaf with cpuacct.usage on a host that mounts cpuacct at %s (leaves %v)", h.v1[cpuacctController], leaves)
		}
	} else {
		want[filepath.Join(leaves["memory"], "memory.max")] = "67108864"
		want[filepath.Join(leaves["pids"], "pids.max")] = "48"
		want[filepath.Join(leaves["cpu"], "cpu.max")] = "50000 100000"
	}
	for path, v := range want {
		if got := readTrim(t, path); got != v {
			t.Errorf("%s = %q, want %q", path, got, v)
		}
	}
	for c, dir := range leaves {
		// The leaf exists a moment before the init stage is placed in it.
		deadline := time.Now().Add(5 * time.Second)
		for readTrim(t, filepath.Join(dir, "cgroup.procs")) == "" {
			if time.Now().After(deadline) {
				t.Fatalf("%s leaf has no process while the jail runs", c)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if res := <-done; res == nil || res.ExitCode != 0 {
		t.Fatalf("result %+v", res)
	}
	for c, dir := range leaves {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s leaf %s left behind: %v", c, dir, err)
		}
	}
}

func TestPidsLimit(t *testing.T) {
	t.Parallel()
	cfg := jailConfig(t)
	cfg.Pids = 32
	// perl's fork fails at once at the limit, where bash would retry.
	out := okBash(t, cfg, `perl -e 'my $n = 0; while ($n < 200) { my $p = fork(); last unless defined $p; if ($p == 0) { sleep 30; exit 0 } $n++ } print "$n\n"'`)
	n, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("output %q", out)
	}
	// The init stage's threads, bash and perl count too.
	if n < 10 || n >= 32 {
		t.Errorf("%d processes forked under a limit of 32", n)
	}
}

func TestCPULimit(t *testing.T) {
	t.Parallel()
	cfg := jailConfig(t)
	cfg.CPU = 0.25
	start := time.Now()
	res := mustBash(t, cfg, `timeout 1.5 sh -c 'while :; do :; done' & timeout 1.5 sh -c 'while :; do :; done' & wait; true`)
	wall := time.Since(start)
	cpu := res.Usage.UserTime + res.Usage.SystemTime
	// Two busy loops for 1.5 s would use up to 3 s of CPU; a quarter of a
	// CPU allows about 0.4 s over the jail's lifetime.
	if limit := time.Duration(float64(wall) * 0.25 * 1.5); cpu > limit || cpu < 100*time.Millisecond {
		t.Errorf("CPU time %v in %v of wall time, want about a quarter (at most %v)", cpu, wall, limit)
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	res := mustBash(t, jailConfig(t), `head -c 50M /dev/zero | tail -c 1 > /dev/null; i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done`)
	if res.Usage.UserTime+res.Usage.SystemTime <= 0 || res.Usage.MaxRSS <= 0 {
		t.Errorf("usage %+v, want CPU time and a resident set", res.Usage)
	}
	if res.Usage.MemoryPeak <= 0 {
		t.Errorf("memory peak %d, want the cgroup's peak", res.Usage.MemoryPeak)
	}
}

// TestCgroupV2 runs the cgroup v2 code: on a host whose cgroup2 hierarchy
// has the memory, pids and cpu controllers it runs a default jail there
// (CgroupV2) and checks the limits and the clean-up; on a hybrid host like
// the CI machine, whose cgroup2 mount has no controllers, it still places
// a jail with clone3(CLONE_INTO_CGROUP), kills it with cgroup.kill on
// timeout and removes the leaf, with no limits written. Either way the
// jail's CPU time comes from the leaf's cpu.stat, which every cgroup v2
// has. A host without cgroup2 mounted must refuse CgroupV2.
func TestCgroupV2(t *testing.T) {
	h, err := hostCgroups()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if h.v2 == "" {
		_, err := Bash(ctx, Config{Workspace: t.TempDir(), Cgroup: CgroupV2}, "true")
		var se *SetupError
		if !errors.As(err, &se) || se.Step != "cgroup" {
			t.Fatalf("no cgroup2 mount: err = %v, want a refusal", err)
		}
		return
	}
	plan, err := choosePlan(h, CgroupV2, cgroupControllers)
	if err != nil {
		// The controllers live in v1 here: exercise placement only.
		plan = cgroupPlan{version: 2, v2Root: h.v2, parents: map[string]string{}}
	}
	cfg := jailConfig(t).withDefaults()
	cfg.Timeout = 3 * time.Second
	mounts, err := cfg.resolveMounts()
	if err != nil {
		t.Fatal(err)
	}
	bg := uniqueSleepArg(1000)
	start := time.Now()
	res, err := run(ctx, cfg, []string{BashPath, "-c", "cat /proc/self/cgroup; " + burnCPU + "; sleep " + bg + " & sleep 100"}, mounts, plan)
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || time.Since(start) > 12*time.Second {
		t.Errorf("result %+v after %v, want a timeout after about 3s", res, time.Since(start))
	}
	// The timeout killed the shell that burnt the CPU: rusage may have
	// lost it (see Usage.UserTime), the cgroup has not. (On a loaded
	// machine the burn may not have finished in 3 s.)
	if u := res.Usage; u.CPUTimeSource != CPUSourceCgroup || u.CPUTime < 50*time.Millisecond {
		t.Errorf("CPUTime %v from %q, want at least 50ms from the cgroup", u.CPUTime, u.CPUTimeSource)
	}
	if out := string(res.Stdout); !strings.Contains(out, "0::/\n") {
		t.Errorf("/proc/self/cgroup in the jail = %q, want the cgroup namespace root", out)
	}
	assertNoProcess(t, bg)
	ReleaseIdle()
	entries, _ := os.ReadDir(filepath.Join(h.v2, cgroupParent))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ownerTag()+"-") {
			t.Errorf("leaf %s left behind", e.Name())
		}
	}
}

// TestPreStartedLimits runs calls that take the pre-started init stage
// (from the third call of a sequence on) with limits above and below the
// defaults its leaf was made with, and reads them from the host.
func TestPreStartedLimits(t *testing.T) {
	plan, err := planCgroups(CgroupAuto)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		memory int64
		pids   int
	}{{0, 0}, {0, 0}, {2 << 30, 301}, {64 << 20, 302}, {1 << 30, 303}} {
		cfg := jailConfig(t)
		cfg.Memory, cfg.Pids = tc.memory, tc.pids
		if tc.pids == 0 {
			okBash(t, cfg, "true")
			continue
		}
		idle.starts.Wait() // the refill after the previous call
		idle.Lock()
		taken := idle.taken
		idle.Unlock()
		done := make(chan error, 1)
		go func() {
			_, err := Bash(context.Background(), cfg, "sleep 0.5")
			done <- err
		}()
		leaves := waitForLeaves(t, plan, tc.pids)
		file := "memory.max"
		if plan.version == 1 {
			file = "memory.limit_in_bytes"
		}
		if got := readTrim(t, filepath.Join(leaves["memory"], file)); got != strconv.FormatInt(tc.memory, 10) {
			t.Errorf("call %d: %s = %s, want %d", i, file, got, tc.memory)
		}
		if err := <-done; err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		idle.Lock()
		if idle.taken != taken+1 {
			t.Errorf("call %d did not take the pre-started init stage", i)
		}
		idle.Unlock()
	}
}
