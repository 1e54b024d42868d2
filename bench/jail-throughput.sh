#!/usr/bin/env bash
# Starts jails (bash -c true) as fast as 2×GOMAXPROCS goroutines can for
# DURATION (default 60s) with nsjail's BenchmarkThroughput, prints the
# sustained rate, and counts on the whole host, before and after, what a
# jail could leak: processes running as the jails' uid, mounts, cgroup
# leaves under the bulkhead directories, network namespaces of live
# processes. The benchmark also compares its own children, descriptors,
# mounts and leaves and fails on a difference. Run as root, alone.
set -euo pipefail

DURATION=${DURATION:-60s}
cd "$(dirname "$0")/.."

jail_uid=2000000000 # nsjail.JailHostID

counts() {
	local procs mounts leaves netns
	procs=$(awk -v uid="$jail_uid" '$1 == "Uid:" && $2 == uid { n++ } END { print n + 0 }' /proc/[0-9]*/status 2>/dev/null)
	mounts=$(wc -l </proc/self/mountinfo)
	leaves=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -path '*/bulkhead/*' -type d 2>/dev/null | wc -l)
	netns=$(readlink /proc/[0-9]*/ns/net 2>/dev/null | sort -u | wc -l)
	echo "jail processes=$procs mounts=$mounts cgroup leaves=$leaves network namespaces in use=$netns"
}

echo "$(nproc) CPUs; Linux $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg); duration $DURATION"
echo "before: $(counts)"
go test ./nsjail -run '^$' -bench '^BenchmarkThroughput$' -benchtime "$DURATION" -count 1 -timeout 0 |
	awk '/^BenchmarkThroughput/ {
		for (i = 3; i < NF; i += 2) printf "  %-20s %s\n", $(i+1), $i
		printf "  %-20s %s\n", "jails", $2
	} /leaked:|FAIL/ { print }'
sleep 2 # network namespaces are freed by a kernel worker after the last process
echo "after:  $(counts)"
