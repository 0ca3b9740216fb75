#!/usr/bin/env bash
# bench-agent: the agent's gate. Times the getppid loop natively, under
# the in-process agent (internal/cmd/agentrun), under xtrace's ptrace
# backend (xtrace -w) and under strace -f, interleaved in one
# run-baselines run, and prints the added µs per syscall of each.
# BENCH_SCALE (percent, default 1000) sets the loop length, BENCH_RUNS the
# runs per mode (default 5).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
make -s build
go build -o bin/agentrun ./internal/cmd/agentrun
out=$(mktemp -d /dev/shm/xtrace-bench-agent.XXXXXX)
trap 'rm -rf "$out"' EXIT
BENCH_BUILD=$out/build BENCH_SCALE=${BENCH_SCALE:-1000} bench/run-baselines -n "${BENCH_RUNS:-5}" \
	-w "${BENCH_WORKLOADS:-getppid}" -m "native strace" \
	-x "agent=$here/bin/agentrun -q --" \
	-x "xtrace-ptrace=$here/bin/xtrace -q -w $out/rec.scap --"
