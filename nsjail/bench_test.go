package nsjail

import (
	"context"
	"flag"
	"fmt"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// benchRun runs argv b.N times in fresh jails and reports the p50 and p99
// latency of one call (nearest-rank percentiles) besides ns/op, and the
// median of every host phase and init stage step in microseconds. Calls
// are spaced by benchPause, untimed, as a tool's calls are by the model
// turns between them.
func benchRun(b *testing.B, argv []string) {
	cfg := Config{Workspace: b.TempDir()}
	ctx := context.Background()
	durations := make([]time.Duration, 0, b.N)
	steps := map[string][]time.Duration{}
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		res, err := Run(ctx, cfg, argv)
		if err != nil {
			b.Fatal(err)
		}
		if res.ExitCode != 0 {
			b.Fatalf("exit code %d, stderr %q", res.ExitCode, res.Stderr)
		}
		durations = append(durations, time.Since(start))
		for _, s := range append(res.hostSteps, res.steps...) {
			steps[s.Name] = append(steps[s.Name], time.Duration(s.Micros)*time.Microsecond)
		}
		pause(b)
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(float64(percentile(durations, 50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(durations, 99).Microseconds()), "p99-µs")
	for name, d := range steps {
		slices.Sort(d)
		b.ReportMetric(float64(percentile(d, 50).Microseconds()), name+"-p50-µs")
	}
}

// benchPause is the untimed gap between calls: long enough for the next
// init stage to be started ahead (pool.go) on an idle machine. Zero runs
// calls back to back (-benchpause=0).
var benchPause = flag.Duration("benchpause", 30*time.Millisecond, "untimed pause between jailed calls in benchmarks")

// pause sleeps benchPause with the timer stopped.
func pause(b *testing.B) {
	if *benchPause > 0 {
		b.StopTimer()
		time.Sleep(*benchPause)
		b.StartTimer()
	}
}

// percentile returns the nearest-rank p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}

// BenchmarkBashTrue measures one jailed "bash -c true": clone, init stage,
// root filesystem, bash start-up and teardown.
func BenchmarkBashTrue(b *testing.B) {
	benchRun(b, []string{BashPath, "-c", "true"})
}

// BenchmarkTrue measures one jailed /bin/true, the command the
// bench/jail-vs-bwrap.sh comparison runs in bubblewrap and unshare(1).
func BenchmarkTrue(b *testing.B) {
	benchRun(b, []string{"/bin/true"})
}

// bwrapArgs is the bubblewrap comparison of bench/jail-vs-bwrap.sh: all
// namespaces, die with the parent, /usr read-only with the merged-usr
// links, a new /proc and a minimal /dev.
var bwrapArgs = []string{"--unshare-all", "--die-with-parent",
	"--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
	"--proc", "/proc", "--dev", "/dev", "/bin/true"}

// benchCgroup is the cgroup mode of BenchmarkVersus's jail: "none" lets
// an ordinary user without a delegated cgroup run it
// (bench/jail-vs-bwrap.sh does).
var benchCgroup = flag.String("benchcgroup", "", "Config.Cgroup of BenchmarkVersus's jail (none for an ordinary user without a delegated cgroup)")

// BenchmarkVersus runs /bin/true in turn in a default jail (Run, all
// layers; -benchcgroup sets its cgroup mode), in bubblewrap and in
// unshare(1), each started from this process and followed by benchPause,
// so the three share the same conditions, and reports each one's p50 and
// p99 latency. bwrap and unshare must be installed.
func BenchmarkVersus(b *testing.B) {
	ctx := context.Background()
	cfg := Config{Workspace: b.TempDir(), Cgroup: CgroupMode(*benchCgroup)}
	tools := []struct {
		name string
		run  func() error
	}{
		{"nsjail", func() error {
			res, err := Run(ctx, cfg, []string{"/bin/true"})
			if err == nil && res.ExitCode != 0 {
				err = fmt.Errorf("exit code %d, stderr %q", res.ExitCode, res.Stderr)
			}
			return err
		}},
		{"bwrap", exec.Command("bwrap", bwrapArgs...).Run},
		{"unshare", exec.Command("unshare", "-Urmpfn", "--mount-proc", "/bin/true").Run},
	}
	durations := make([][]time.Duration, len(tools))
	b.ResetTimer()
	for range b.N {
		for i, tool := range tools {
			start := time.Now()
			if err := tool.run(); err != nil {
				b.Fatalf("%s: %v", tool.name, err)
			}
			durations[i] = append(durations[i], time.Since(start))
			pause(b)
		}
		// exec.Cmd runs once; make fresh ones for the next round.
		tools[1].run = exec.Command("bwrap", bwrapArgs...).Run
		tools[2].run = exec.Command("unshare", "-Urmpfn", "--mount-proc", "/bin/true").Run
	}
	b.StopTimer()
	for i, tool := range tools {
		slices.Sort(durations[i])
		b.ReportMetric(float64(percentile(durations[i], 50).Microseconds()), tool.name+"-p50-µs")
		b.ReportMetric(float64(percentile(durations[i], 99).Microseconds()), tool.name+"-p99-µs")
	}
}

// BenchmarkThroughput starts jails (bash -c true) from 2×GOMAXPROCS
// goroutines and reports jails started per second; with -benchtime 60s it
// is the sustained rate of bench/jail-throughput.sh. Afterwards it counts
// processes, mounts, cgroup leaves and descriptors against the counts
// before, reports the differences and fails on any leak.
func BenchmarkThroughput(b *testing.B) {
	ctx := context.Background()
	cfg := Config{Workspace: b.TempDir()}
	if _, err := Bash(ctx, cfg, "true"); err != nil { // per-process set-up
		b.Fatal(err)
	}
	before := countLeaks(b)
	b.SetParallelism(2)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := Bash(ctx, cfg, "true")
			if err != nil {
				b.Error(err)
				return
			}
			if res.ExitCode != 0 {
				b.Errorf("exit code %d, stderr %q", res.ExitCode, res.Stderr)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jails/s")
	after := settle(b, before, func(before, now leakCounts) bool { return now == before })
	b.ReportMetric(float64(after.Children-before.Children), "leaked-children")
	b.ReportMetric(float64(after.JailProcs-before.JailProcs), "leaked-jail-procs")
	b.ReportMetric(float64(after.Mounts-before.Mounts), "leaked-mounts")
	b.ReportMetric(float64(after.Leaves-before.Leaves), "leaked-cgroups")
	b.ReportMetric(float64(after.FDs-before.FDs), "leaked-fds")
	b.Logf("before %+v after %+v", before, after)
	if after != before {
		b.Errorf("leaked: before %+v, after %+v", before, after)
	}
}
