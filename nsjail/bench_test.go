package nsjail

import (
	"context"
	"slices"
	"testing"
	"time"
)

// benchRun runs argv b.N times in fresh jails and reports the p50 and p99
// latency of one call (nearest-rank percentiles) besides ns/op, and the
// median of every host phase and init stage step in microseconds.
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
