#!/usr/bin/env bash
# pgo.sh: rebuilds cmd/xtrace/default.pgo, the CPU profile Go's
# profile-guided optimisation uses for every build of the xtrace binary.
# It profiles the replay cases of scripts/bench.sh (default line, three
# filters, -j, topscalls, echo_fds) on a 1 M-event capture made by
# internal/cmd/bigcapture, with BenchmarkReplayFile, and merges the
# profiles. Rerun it when the replay hot path changes much; a stale
# profile still builds, it only optimises less.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go run ./internal/cmd/bigcapture -in testdata/captures/inspect_502Error.scap -n 1000000 -out "$work/big.scap"
i=0
for args in "" "evt.failed=true" "fd.name contains /etc" "evt.type in (open, read, connect)" "-j" "-c topscalls" "-A -c echo_fds"; do
	i=$((i + 1))
	echo "pgo: profiling xtrace -r BIG $args" >&2
	XTRACE_BENCH_CAPTURE="$work/big.scap" XTRACE_BENCH_ARGS="$args" \
		go test ./cmd/xtrace -run '^$' -bench '^BenchmarkReplayFile$' -benchtime 20x \
		-cpuprofile "$work/$i.prof" -o "$work/xtrace.test" >/dev/null
done
go tool pprof -proto "$work"/*.prof >cmd/xtrace/default.pgo
echo "pgo: wrote cmd/xtrace/default.pgo" >&2
