#!/usr/bin/env bash
# bench.sh: xtrace next to its peers, in one run on one machine, as ratios.
#
#   1. replay: `xtrace -r` vs `sysdig -r` on a large capture built from a
#      real one (events/s, peak RSS), for the default output, filters, -j
#      and chisels;
#   2. record: added µs per syscall of `xtrace -w` vs `strace -f` (and the
#      seccomp-bpf subset modes) on ../shared/bench workloads, via its
#      run-baselines script.
#
# Environment: BENCH_SCALE (percent, default 100) shrinks everything for a
# smoke run; BENCH_RUNS (default 3) runs per case, median reported;
# BENCH_EVENTS overrides the large capture's event count; BENCH_OUT names
# the Markdown report (default bench-report.md, also printed).
set -euo pipefail
export LC_ALL=C TZ=UTC
here=$(cd "$(dirname "$0")/.." && pwd)
xtrace=$here/bin/xtrace
scale=${BENCH_SCALE:-100}
runs=${BENCH_RUNS:-3}
events=${BENCH_EVENTS:-$((1000000 * scale / 100))}
report=${BENCH_OUT:-$here/bench-report.md}
work=$(mktemp -d /tmp/xtrace-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -x "$xtrace" ] || { echo "bench: build first (make build)" >&2; exit 1; }
have_sysdig=0; command -v sysdig >/dev/null && have_sysdig=1

# measure CMD...: runs the command $runs times with stdout to /dev/null and
# prints "median_seconds max_rss_kb".
measure() {
	local times=() rss=0 t r
	for ((i = 0; i < runs; i++)); do
		/usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || {
			echo "bench: command failed: $*" >&2; cat "$work/err" >&2; return 1; }
		read -r t r <"$work/time"
		times+=("$t")
		((r > rss)) && rss=$r
	done
	printf '%s\n' "${times[@]}" | sort -n | awk -v rss="$rss" '{a[NR]=$1} END {m=a[int((NR+1)/2)]; if (m<=0) m=0.001; printf "%s %s\n", m, rss}'
}

{
echo "# xtrace benchmark report"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, scale ${scale}%, ${runs} runs per case (median)."
echo
echo "## Replay: xtrace -r vs sysdig -r"
echo
} >"$report"

big=$work/big.scap
(cd "$here" && go run ./internal/cmd/bigcapture -in testdata/captures/inspect_502Error.scap -n "$events" -out "$big")
echo "Large capture: $events events ($(du -m "$big" | cut -f1) MB), built from inspect_502Error.scap." >>"$report"
echo >>"$report"
echo "| case | xtrace s | xtrace ev/s | xtrace RSS MB | sysdig s | sysdig ev/s | sysdig RSS MB | speed ratio |" >>"$report"
echo "|---|---:|---:|---:|---:|---:|---:|---:|" >>"$report"

replay_case() {
	local name=$1; shift
	local xt xr st sr
	read -r xt xr < <(measure "$xtrace" -r "$big" "$@")
	if ((have_sysdig)); then
		read -r st sr < <(measure sysdig -r "$big" "$@")
	else
		st=0 sr=0
	fi
	awk -v n="$name" -v ev="$events" -v xt="$xt" -v xr="$xr" -v st="$st" -v sr="$sr" 'BEGIN {
		ratio = (st > 0) ? sprintf("%.2fx", st / xt) : "n/a";
		printf "| %s | %.2f | %.0f | %.0f | %.2f | %.0f | %.0f | %s |\n", n, xt, ev / xt, xr / 1024, st, (st > 0 ? ev / st : 0), sr / 1024, ratio }' >>"$report"
}

replay_case "default output"
replay_case "filter evt.failed=true" "evt.failed=true"
replay_case "filter fd.name contains /etc" "fd.name contains /etc"
replay_case "filter evt.type in (...)" "evt.type in (open, read, connect)"
replay_case "-j" -j
replay_case "-c topscalls" -c topscalls
replay_case "-A -c echo_fds" -A -c echo_fds

{
echo
echo "Speed ratio = sysdig wall time / xtrace wall time (higher is better for xtrace)."
echo
} >>"$report"

# Recording overhead against strace, through the shared baseline script.
baselines=$here/../shared/bench/run-baselines
if [ -x "$baselines" ] && command -v strace >/dev/null; then
	export BENCH_BUILD=$work/build BENCH_SCALE=$scale
	wl=${BENCH_WORKLOADS:-getppid pipe files procs threads net git tar}
	{
	echo "## Record: xtrace -w vs strace -f"
	echo
	} >>"$report"
	if "$baselines" -n "$runs" -w "$wl" \
		-m "native strace strace-sbpf-sub strace-1cpu" \
		-x "xtrace=$xtrace -q -w $work/rec.scap --" \
		-x "xtrace-z=$xtrace -q -zw $work/rec.scap.z --" \
		>"$work/record.md" 2>"$work/record.err"; then
		cat "$work/record.md" >>"$report"
	else
		echo "(recording benchmark failed: $(tail -n 3 "$work/record.err"))" >>"$report"
	fi
else
	echo "(recording benchmark skipped: ../shared/bench/run-baselines or strace missing)" >>"$report"
fi

cat "$report"
