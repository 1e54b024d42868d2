#!/usr/bin/env bash
# Compares the per-call start-up latency of the jail with bubblewrap and
# unshare(1), each running /bin/true N times (default 200) in fresh
# namespaces, and prints nearest-rank p50/p99 in microseconds.
#
#   bulkhead sandbox exec  the CLI: a new bulkhead process per call, all
#                          layers and cgroup limits (Go start-up included)
#   bulkhead --help        the CLI's own start-up, for reference
#   bwrap                  bwrap --unshare-all --die-with-parent ... /bin/true
#   unshare                unshare -Urmpfn --mount-proc /bin/true
#
# These four are timed from this shell with $EPOCHREALTIME, in turn within
# each round so that the machine's noise hits them alike; each sample
# includes bash's fork and exec of the tool. Then the Go benchmarks run
# nsjail.Run in-process (as the bash tool calls it) in turn with bwrap and
# unshare started from Go (BenchmarkVersus), and break Run down into its
# host phases and init stage steps (BenchmarkTrue); they leave 30 ms
# between calls, as model turns do between tool calls, which lets Run
# take an init stage started ahead (BENCHPAUSE=0 runs them back to back).
# Run as root.
# BULKHEAD=/path/to/bulkhead uses that binary instead of building one.
set -euo pipefail

N=${N:-200}
cd "$(dirname "$0")/.."

if ! command -v bwrap >/dev/null; then
	apt-get install -y bubblewrap || { apt-get update && apt-get install -y bubblewrap; }
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bulkhead=${BULKHEAD:-$tmp/bulkhead}
if [ -z "${BULKHEAD:-}" ]; then
	go build -o "$bulkhead" ./cmd/bulkhead
fi
if ! "$bulkhead" sandbox --help >/dev/null 2>&1; then
	echo "bulkhead has no sandbox command: cmd/bulkhead/root.go must add newSandboxCmd()" >&2
	exit 1
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
		END { printf "%-26s n=%-4d p50=%8d µs  p99=%8d µs\n", name, NR, s[rank(50)], s[rank(99)] }'
}

names=("bulkhead sandbox exec" "bulkhead --help" "bwrap" "unshare")
run_tool() {
	case $1 in
	0) "$bulkhead" sandbox exec --workspace "$tmp" -- /bin/true ;;
	1) "$bulkhead" --help ;;
	2) bwrap --unshare-all --die-with-parent \
		--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
		--proc /proc --dev /dev /bin/true ;;
	3) unshare -Urmpfn --mount-proc /bin/true ;;
	esac
}

echo "N=$N runs each; $(nproc) CPUs; Linux $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for k in 0 1 2 3; do run_tool $k >/dev/null 2>&1; done # warm-up
for ((i = 0; i < N; i++)); do
	for k in 0 1 2 3; do
		t0=$(usec)
		run_tool $k >/dev/null 2>&1
		t1=$(usec)
		echo $((t1 - t0)) >>"$tmp/samples.$k"
	done
done
for k in 0 1 2 3; do percentiles "${names[$k]} (shell)" <"$tmp/samples.$k"; done

# metric NAME prints the value before the unit NAME on a benchmark line.
pause=${BENCHPAUSE:-30ms}
go test ./nsjail -run '^$' -bench '^BenchmarkVersus$' -benchtime "${N}x" -count 1 -args -benchpause "$pause" |
	awk '/^BenchmarkVersus/ {
		for (i = 1; i <= NF; i++) v[$(i+1)] = $i
		split("nsjail bwrap unshare", tools, " ")
		for (t = 1; t <= 3; t++)
			printf "%-26s n=%-4d p50=%8d µs  p99=%8d µs\n", tools[t] " (from Go)", $2, v[tools[t] "-p50-µs"], v[tools[t] "-p99-µs"]
	}'

echo "nsjail.Run phases, p50 µs (host:* in the caller, the rest in the init stage):"
go test ./nsjail -run '^$' -bench '^BenchmarkTrue$' -benchtime "${N}x" -count 1 -args -benchpause "$pause" |
	awk '/^BenchmarkTrue/ {
		for (i = 3; i < NF; i += 2) if ($(i+1) ~ /-p50-µs$/) { n = $(i+1); sub(/-p50-µs$/, "", n); printf "  %-20s %8d\n", n, $i }
	}'
