#!/usr/bin/env bash
# Compares the per-call start-up latency of the nsjail package with
# bubblewrap and unshare(1), each running /bin/true N times (default 200) in
# fresh namespaces, and prints nearest-rank p50/p99 in microseconds.
#
#   nsjail        go test's BenchmarkTrue and BenchmarkBashTrue (in-process Run)
#   bwrap         bwrap --unshare-all --die-with-parent ... /bin/true
#   unshare       unshare -Urmpfn --mount-proc /bin/true
#
# bwrap and unshare are timed from this shell with $EPOCHREALTIME, so each
# sample also includes bash's fork and exec of the tool. Run as root.
set -euo pipefail

N=${N:-200}
cd "$(dirname "$0")/.."

if ! command -v bwrap >/dev/null; then
	apt-get install -y bubblewrap || { apt-get update && apt-get install -y bubblewrap; }
fi

# usec prints $EPOCHREALTIME as integer microseconds.
usec() {
	local t=$EPOCHREALTIME
	echo $((10#${t/[.,]/}))
}

# percentiles NAME reads one sample per line and prints p50 and p99.
percentiles() {
	sort -n | awk -v name="$1" '
		{ s[NR] = $1 }
		function rank(p) { r = int((p * NR + 99) / 100); return r < 1 ? 1 : r }
		END { printf "%-22s n=%-4d p50=%8d µs  p99=%8d µs\n", name, NR, s[rank(50)], s[rank(99)] }'
}

# time_cmd NAME CMD... runs CMD N times and prints its percentiles.
time_cmd() {
	local name=$1
	shift
	"$@" >/dev/null # warm-up
	for ((i = 0; i < N; i++)); do
		local t0 t1
		t0=$(usec)
		"$@" >/dev/null
		t1=$(usec)
		echo $((t1 - t0))
	done | percentiles "$name"
}

echo "N=$N runs each; $(nproc) CPUs; $(uname -r)"

go test ./nsjail -run '^$' -bench '^Benchmark(Bash)?True$' -benchtime "${N}x" -count 1 |
	awk '/^Benchmark/ {
		for (i = 1; i <= NF; i++) { if ($(i+1) == "p50-µs") p50 = $i; if ($(i+1) == "p99-µs") p99 = $i }
		name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "nsjail ", name)
		printf "%-22s n=%-4d p50=%8d µs  p99=%8d µs\n", name, $2, p50, p99 }'

time_cmd "bwrap /bin/true" bwrap --unshare-all --die-with-parent \
	--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
	--proc /proc --dev /dev /bin/true

time_cmd "unshare /bin/true" unshare -Urmpfn --mount-proc /bin/true
