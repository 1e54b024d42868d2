#!/usr/bin/env bash
# Compares the per-call start-up latency of the jail with bubblewrap and
# unshare(1), each running /bin/true N times (default 200) in fresh
# namespaces, as root and as an ordinary user, and prints nearest-rank
# p50/p99 in microseconds.
#
#   bulkhead sandbox exec (root)   the CLI: a new bulkhead process per call,
#                                  all layers and cgroup limits (Go start-up
#                                  included)
#   bulkhead sandbox exec (user)   the same as an ordinary user the script
#                                  creates, with --cgroup none (this kind of
#                                  host delegates no cgroup v2 controller)
#   bulkhead --help                the CLI's own start-up, for reference
#   bwrap (root), bwrap (user)     bwrap --unshare-all --die-with-parent ...
#   unshare                        unshare -Urmpfn --mount-proc /bin/true
#
# These are timed from this shell with $EPOCHREALTIME, in turn within each
# round so that the machine's noise hits them alike; each sample includes
# bash's fork and exec of the tool (and setpriv's for the user's). Then the
# Go benchmarks run nsjail.Run in-process (as the bash tool calls it) in
# turn with bwrap and unshare started from Go (BenchmarkVersus), as root
# and as the user, and break Run down into its host phases and init stage
# steps (BenchmarkTrue); they leave 30 ms between calls, as model turns do
# between tool calls, which lets Run take an init stage started ahead
# (BENCHPAUSE=0 runs them back to back). Run as root.
# BULKHEAD=/path/to/bulkhead uses that binary instead of building one.
set -euo pipefail

N=${N:-200}
cd "$(dirname "$0")/.."

if ! command -v bwrap >/dev/null; then
	apt-get install -y bubblewrap || { apt-get update && apt-get install -y bubblewrap; }
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"
user=bhbench$$
cleanup() {
	userdel "$user" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$user"
uid=$(id -u "$user")
gid=$(id -g "$user")
as_user=(setpriv --reuid="$uid" --regid="$gid" --clear-groups --)

bulkhead=$tmp/bulkhead
if [ -n "${BULKHEAD:-}" ]; then
	cp "$BULKHEAD" "$bulkhead"
else
	go build -o "$bulkhead" ./cmd/bulkhead
fi
chmod 755 "$bulkhead"
if ! "$bulkhead" sandbox --help >/dev/null 2>&1; then
	echo "bulkhead has no sandbox command: cmd/bulkhead/root.go must add newSandboxCmd()" >&2
	exit 1
fi
mkdir "$tmp/ws" "$tmp/userws" "$tmp/state"
chown "$uid:$gid" "$tmp/userws"

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
		END { printf "%-36s n=%-4d p50=%8d µs  p99=%8d µs\n", name, NR, s[rank(50)], s[rank(99)] }'
}

bwrap_args=(--unshare-all --die-with-parent
	--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64
	--proc /proc --dev /dev /bin/true)
names=("bulkhead sandbox exec (root)" "bulkhead sandbox exec (user)" "bulkhead --help" "bwrap (root)" "bwrap (user)" "unshare (root)")
run_tool() {
	case $1 in
	0) BULKHEAD_STATE_DIR=$tmp/state "$bulkhead" sandbox exec --workspace "$tmp/ws" -- /bin/true ;;
	1) (cd "$tmp/userws" && "${as_user[@]}" env BULKHEAD_STATE_DIR="$tmp/state" HOME="$tmp/state" "$bulkhead" sandbox exec --cgroup none --workspace "$tmp/userws" -- /bin/true) ;;
	2) "$bulkhead" --help ;;
	3) bwrap "${bwrap_args[@]}" ;;
	4) "${as_user[@]}" bwrap "${bwrap_args[@]}" ;;
	5) unshare -Urmpfn --mount-proc /bin/true ;;
	esac
}

echo "N=$N runs each; $(nproc) CPUs; Linux $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for k in 0 1 2 3 4 5; do
	if ! run_tool $k >/dev/null 2>"$tmp/err"; then
		echo "${names[$k]} fails: $(cat "$tmp/err")" >&2
		exit 1
	fi
done
for ((i = 0; i < N; i++)); do
	for k in 0 1 2 3 4 5; do
		t0=$(usec)
		run_tool $k >/dev/null 2>&1
		t1=$(usec)
		echo $((t1 - t0)) >>"$tmp/samples.$k"
	done
done
for k in 0 1 2 3 4 5; do percentiles "${names[$k]} (shell)" <"$tmp/samples.$k"; done

# versus WHO ARGS... runs BenchmarkVersus from the test binary and prints
# one line per tool.
pause=${BENCHPAUSE:-30ms}
go test -c -o "$tmp/nsjail.test" ./nsjail
versus() {
	local who=$1
	shift
	(cd "$tmp/userws" && "$@" "$tmp/nsjail.test" -test.run '^$' -test.bench '^BenchmarkVersus$' -test.benchtime "${N}x" -test.count 1 -benchpause "$pause" ${BENCHCGROUP:+-benchcgroup "$BENCHCGROUP"}) |
		awk -v who="$who" '/^BenchmarkVersus/ {
			for (i = 1; i <= NF; i++) v[$(i+1)] = $i
			split("nsjail bwrap unshare", tools, " ")
			for (t = 1; t <= 3; t++)
				printf "%-36s n=%-4d p50=%8d µs  p99=%8d µs\n", tools[t] " (from Go, " who ")", $2, v[tools[t] "-p50-µs"], v[tools[t] "-p99-µs"]
		}'
}
versus root env
BENCHCGROUP=none versus user "${as_user[@]}"

echo "nsjail.Run phases as root, p50 µs (host:* in the caller, the rest in the init stage):"
go test ./nsjail -run '^$' -bench '^BenchmarkTrue$' -benchtime "${N}x" -count 1 -args -benchpause "$pause" |
	awk '/^BenchmarkTrue/ {
		for (i = 3; i < NF; i += 2) if ($(i+1) ~ /-p50-µs$/) { n = $(i+1); sub(/-p50-µs$/, "", n); printf "  %-20s %8d\n", n, $i }
	}'
