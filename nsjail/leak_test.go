package nsjail

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// leakCounts are the resources a jail must give back.
type leakCounts struct {
	Children  int // processes whose parent is this process
	JailProcs int // processes running as JailHostID on the host
	FDs       int // open descriptors of this process
	Mounts    int // mounts in this process's mount namespace
	Leaves    int // cgroup leaves under the parents, of any process
}

// countLeaks counts them now, after ending the pre-started init stage,
// which is kept between calls by design (pool.go).
func countLeaks(tb testing.TB) leakCounts {
	tb.Helper()
	ReleaseIdle()
	var c leakCounts
	self := fmt.Sprint(os.Getpid())
	entries, err := os.ReadDir("/proc")
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		if stat, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
			if f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:])); len(f) > 1 && f[1] == self {
				c.Children++
			}
		}
		if status, err := os.ReadFile("/proc/" + e.Name() + "/status"); err == nil && strings.Contains(string(status), fmt.Sprintf("\nUid:\t%d\t", JailHostID)) {
			c.JailProcs++
		}
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		tb.Fatal(err)
	}
	c.FDs = len(fds)
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		tb.Fatal(err)
	}
	c.Mounts = strings.Count(string(mi), "\n")
	plan, err := planCgroups(CgroupAuto)
	if err != nil {
		tb.Fatal(err)
	}
	for _, parent := range plan.parents {
		leaves, _ := os.ReadDir(parent)
		for _, l := range leaves {
			if l.IsDir() {
				c.Leaves++
			}
		}
	}
	return c
}

// settle waits until the counts return to before (processes of a killed
// jail may take a moment to be reaped by another test process) or the
// deadline passes, and returns the last counts.
func settle(tb testing.TB, before leakCounts, ok func(before, now leakCounts) bool) leakCounts {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		now := countLeaks(tb)
		if ok(before, now) || time.Now().After(deadline) {
			return now
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ownLeaksEqual compares what this process alone controls.
func ownLeaksEqual(before, now leakCounts) bool {
	return now.Children == before.Children && now.FDs == before.FDs && now.Mounts == before.Mounts
}

// TestNoLeaks runs jails that end every way a jail can end and checks that
// this process gets back every child, descriptor, mount and cgroup leaf.
func TestNoLeaks(t *testing.T) {
	ctx := context.Background()
	okBash(t, jailConfig(t), "true") // first use opens the idmap user namespace, once per process
	before := countLeaks(t)
	leavesBefore := ownLeaves(t)
	commands := []struct {
		command string
		timeout time.Duration
	}{
		{"true", 0},
		{"exit 3", 0},
		{"sleep 1000 & echo bg", 0},
		{"kill -KILL $$", 0},
		{"sleep 1000", 200 * time.Millisecond},
		{"head -c 1M /dev/zero", 0},
	}
	for i := range 5 {
		for _, c := range commands {
			cfg := jailConfig(t)
			cfg.Timeout = c.timeout
			if _, err := Bash(ctx, cfg, c.command); err != nil {
				t.Fatal(err)
			}
		}
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		if _, err := Bash(cctx, jailConfig(t), "sleep 1000"); err == nil {
			t.Errorf("round %d: canceled run returned no error", i)
		}
		cancel()
	}
	if _, err := Run(ctx, jailConfig(t), []string{"no-such-program"}); err == nil {
		t.Errorf("a missing program must fail setup")
	}
	after := settle(t, before, ownLeaksEqual)
	if !ownLeaksEqual(before, after) {
		t.Errorf("leaked: before %+v, after %+v", before, after)
	}
	if leaves := ownLeaves(t); len(leaves) != len(leavesBefore) {
		t.Errorf("cgroup leaves of this process: %v, before %v", leaves, leavesBefore)
	}
}
