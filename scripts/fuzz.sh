#!/usr/bin/env bash
# fuzz.sh: runs every Fuzz target of the module for FUZZTIME each (default
# 20s). A target fails on a crasher (its input lands in testdata/fuzz/).
#
# Go up to 1.26 can end a duration-limited run with a bare "context
# deadline exceeded" and no failing input: a race in its fuzzing
# coordinator at the -fuzztime deadline (go.dev/issue/75804, fixed in Go
# 1.27). Such a run found nothing; it is reported and not counted as a
# failure. Any other failure is.
set -euo pipefail
go=${GO:-go}
fuzztime=${FUZZTIME:-20s}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0
for pkg in $("$go" list ./...); do
	for t in $("$go" test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
		echo "fuzz $pkg $t ($fuzztime)"
		if "$go" test -run '^$' -fuzz "^$t\$" -fuzztime "$fuzztime" "$pkg" >"$log" 2>&1; then
			grep -v '^fuzz: elapsed' "$log" || true
			continue
		fi
		grep -v '^fuzz: elapsed' "$log" || true
		if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
			echo "fuzz: $t: Go's deadline race (go.dev/issue/75804), no failing input: not a failure"
			continue
		fi
		failed=1
	done
done
exit "$failed"
