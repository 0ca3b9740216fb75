#!/bin/sh
# Regenerates the sysdig outputs of the hand-built scenario captures
# (inspect/scenario_test.go). Needs Debian's sysdig 0.29.3 on PATH.
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd ../.. && go test -run TestScenarios -scenarios.write "$tmp" . >/dev/null) || true
for f in "$tmp"/*.scap; do
	name=$(basename "$f" .scap)
	# shellcheck disable=SC2046
	TZ=UTC LC_ALL=C sysdig -r "$f" $(cat "$tmp/$name.args") > "$name.txt" </dev/null
done
