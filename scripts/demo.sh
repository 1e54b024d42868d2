#!/usr/bin/env bash
# The main job end to end, offline: replays testdata/demo/cassette.json (the
# model's side of a recorded session) on a fresh copy of testdata/project.
# The WebAssembly tools and the jail run for real; no network, no API key.
set -euo pipefail
cd "$(dirname "$0")/.."

# An ordinary user whose host gives it no delegated cgroup runs the jails
# without cgroup limits, and is told so; bin/bulkhead sandbox check says
# what to change to get them.
if [ "$(id -u)" -ne 0 ] && ! bin/bulkhead sandbox check >/dev/null 2>&1; then
	if bin/bulkhead sandbox check --cgroup none >/dev/null 2>&1; then
		echo "== note: no delegated cgroup for $(id -un): the jails run without memory, pids and CPU limits (see bin/bulkhead sandbox check)"
		export BULKHEAD_JAIL_CGROUP=none
	else
		echo "== this host cannot run the jail for $(id -un):" >&2
		bin/bulkhead sandbox check >&2 || true
		exit 1
	fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r testdata/project "$work/project"
message="The last page of inventory listings is missing. Find the bug, fix it, make sure the tests pass, and add a CHANGELOG entry."

echo "== task: $message"
echo "== project: $work/project"
bin/bulkhead run --state-dir "$work/state" --workspace "$work/project" \
	--replay testdata/demo/cassette.json -m "$message" --output-format stream-json |
	python3 scripts/demo_events.py

echo "== the fix, as the agent left it:"
grep -n "return max" "$work/project/inventory/pagination.py"
