#!/usr/bin/env bash
# The main job end to end, offline: replays testdata/demo/cassette.json (the
# model's side of a recorded session) on a fresh copy of testdata/project.
# The WebAssembly tools and the jail run for real; no network, no API key.
set -euo pipefail
cd "$(dirname "$0")/.."

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
