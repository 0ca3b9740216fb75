#!/usr/bin/env bash
# bench.sh: xtrace next to its peers, in one run on one machine, as ratios.
#
#   1. replay: `xtrace -r` vs `sysdig -r` on a large capture built from a
#      real one (events/s, peak RSS), for the default output, filters, -j
#      and chisels;
#   2. export: rows/s and RSS of `xtrace export` (ndjson, parquet, csv,
#      perfetto) next to `sysdig -r -j` on the same capture;
#   3. record: added µs per syscall of `xtrace -w` vs `strace -f` (and the
#      seccomp-bpf subset modes) on bench/ workloads (copied from shared/bench), via its
#      run-baselines script.
#
# Environment: BENCH_SCALE (percent, default 100) shrinks everything for a
# smoke run; BENCH_RUNS (default 3) runs per case, median reported;
# BENCH_EVENTS overrides the large capture's event count; BENCH_RSS_GB=1
# adds the RSS of a replay and of exports of a 1 GB capture; BENCH_OUT names the Markdown
# report (default bench-report.md, also printed). Replay cases report CPU
# time (user + system) next to wall time: on a shared machine CPU time is
# the steadier of the two, and the targets are checked against it.
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

# timed CMD...: runs the command once with stdout to /dev/null and prints
# "wall_s cpu_s max_rss_kb" (cpu = user + system, from the shell's times
# builtin: /usr/bin/time only has centiseconds).
timed() {
	local t0 t1 rc
	t0=$EPOCHREALTIME
	rc=0
	( /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>"$work/err"; echo $? >"$work/rc"; times >"$work/cpu" )
	t1=$EPOCHREALTIME
	read -r rc <"$work/rc"
	if [ "$rc" != 0 ]; then
		echo "bench: command failed: $*" >&2; cat "$work/err" >&2; return 1
	fi
	awk -v t0="$t0" -v t1="$t1" -v rss="$(tail -n 1 "$work/rss")" '
		function sec(s) { split(s, p, "m"); sub("s", "", p[2]); return p[1] * 60 + p[2] }
		NR == 2 { printf "%.3f %.3f %s\n", t1 - t0, sec($1) + sec($2), rss }' "$work/cpu"
}

# median FILE COLUMN: the median of a column of numbers.
median() {
	awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ a[NR] = $1 } END { m = a[int((NR + 1) / 2)]; if (m <= 0) m = 0.001; print m }'
}

# maxcol FILE COLUMN: the largest value of a column.
maxcol() { awk -v c="$2" '$c > m { m = $c } END { print m + 0 }' "$1"; }

{
echo "# xtrace benchmark report"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg), scale ${scale}%, ${runs} runs per case."
echo "xtrace $("$xtrace" --version 2>/dev/null | awk 'NR == 1 {print $NF}'), $(sysdig --version 2>/dev/null || echo 'sysdig missing'), $(go version | awk '{print $3}')."
echo
echo "## Replay: xtrace -r vs sysdig -r"
echo
} >"$report"

big=$work/big.scap
(cd "$here" && go run ./internal/cmd/bigcapture -in testdata/captures/inspect_502Error.scap -n "$events" -out "$big")
echo "Large capture: $events events ($(du -m "$big" | cut -f1) MB), built from inspect_502Error.scap; output to /dev/null, TZ=UTC." >>"$report"
echo >>"$report"
{
echo "| case | xtrace CPU s | xtrace wall s | xtrace ev/s | xtrace RSS MB | sysdig CPU s | sysdig wall s | sysdig ev/s | sysdig RSS MB | ratio CPU | ratio wall | target |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
} >>"$report"

# replay_case NAME TARGET ARGS...: xtrace and sysdig alternately, $runs
# times each on the capture $input; medians of CPU and wall time, largest
# RSS. The ratios are sysdig's time over xtrace's (how many times faster
# xtrace is); the target is met when the CPU ratio reaches it, CPU time
# being what a busy shared machine disturbs least.
replay_case() {
	local name=$1 target=$2; shift 2
	: >"$work/x.times"; : >"$work/s.times"
	for ((i = 0; i < runs; i++)); do
		timed "$xtrace" -r "$input" "$@" >>"$work/x.times"
		if ((have_sysdig)); then timed sysdig -r "$input" "$@" >>"$work/s.times"; fi
	done
	local xw xc xr sw=0 sc=0 sr=0
	xw=$(median "$work/x.times" 1); xc=$(median "$work/x.times" 2); xr=$(maxcol "$work/x.times" 3)
	if ((have_sysdig)); then
		sw=$(median "$work/s.times" 1); sc=$(median "$work/s.times" 2); sr=$(maxcol "$work/s.times" 3)
	fi
	awk -v n="$name" -v t="$target" -v ev="$events" -v xw="$xw" -v xc="$xc" -v xr="$xr" \
		-v sw="$sw" -v sc="$sc" -v sr="$sr" 'BEGIN {
		rc = (sc > 0) ? sc / xc : 0; rw = (sw > 0) ? sw / xw : 0
		met = (rc == 0) ? "≥ " t "x (no sysdig)" : (rc >= t ? "≥ " t "x: met" : "≥ " t "x: **missed**")
		printf "| %s | %.3f | %.3f | %.0f | %.0f | %.3f | %.3f | %.0f | %.0f | %.2fx | %.2fx | %s |\n", n, xc, xw, ev / xw, xr / 1024, sc, sw, (sw > 0 ? ev / sw : 0), sr / 1024, rc, rw, met }' >>"$report"
}

input=$big
replay_case "default output" 2
replay_case "filter evt.failed=true" 3 "evt.failed=true"
replay_case "filter fd.name contains /etc" 3 "fd.name contains /etc"
replay_case "filter evt.type in (...)" 3 "evt.type in (open, read, connect)"
replay_case "-j" 1 -j
replay_case "-c topscalls" 1.5 -c topscalls
replay_case "-A -c echo_fds" 1.5 -A -c echo_fds
gzip -6 -c "$big" >"$big.gz"
input=$big.gz
replay_case "gzip input, evt.failed=true" 1 "evt.failed=true"

{
echo
echo "Medians of $runs alternating runs; ratio = sysdig time / xtrace time (higher is better for xtrace),"
echo "ev/s = events / wall time, RSS = largest maximum resident set size."
echo
} >>"$report"

# -w -z: the size of a gzipped rewrite of the large capture.
if ((have_sysdig)); then
	"$xtrace" -r "$big" -w "$work/x.scap.gz" -z >/dev/null 2>&1 || true
	sysdig -r "$big" -w "$work/s.scap.gz" -z >/dev/null 2>&1 || true
	xs=$(stat -c %s "$work/x.scap.gz" 2>/dev/null || echo 0)
	ss=$(stat -c %s "$work/s.scap.gz" 2>/dev/null || echo 0)
	awk -v x="$xs" -v s="$ss" 'BEGIN { printf "`-r BIG -w OUT -z` file size: xtrace %d bytes, sysdig %d bytes (%+.1f%%, target: not larger).\n\n", x, s, (s > 0 ? 100 * (x - s) / s : 0) }' >>"$report"
fi

# Export: rows/s and RSS of xtrace export per format on the large capture,
# next to sysdig -r -j (one untyped JSON object per event) on the same.
{
echo "## Export: xtrace export vs sysdig -r -j"
echo
} >>"$report"
rows=$("$xtrace" export "$big" | grep -c '"kind":"syscall"' || true)
{
echo "The large capture gives $rows syscall rows (enter and exit merged) from $events events."
echo
echo "| case | CPU s | wall s | rows/s | events/s | RSS MB |"
echo "|---|---:|---:|---:|---:|---:|"
} >>"$report"
# export_case NAME CMD...: median CPU and wall time of $runs runs, largest RSS.
export_case() {
	local name=$1; shift
	: >"$work/e.times"
	for ((i = 0; i < runs; i++)); do timed "$@" >>"$work/e.times"; done
	awk -v n="$name" -v rows="$rows" -v ev="$events" -v w="$(median "$work/e.times" 1)" -v c="$(median "$work/e.times" 2)" \
		-v r="$(maxcol "$work/e.times" 3)" 'BEGIN { rs = (n ~ /export/) ? sprintf("%.0f", rows / w) : "—"
		printf "| %s | %.3f | %.3f | %s | %.0f | %.0f |\n", n, c, w, rs, ev / w, r / 1024 }' >>"$report"
}
for fmt in ndjson parquet csv perfetto; do
	export_case "xtrace export -f $fmt" "$xtrace" export "$big" -f "$fmt" -o "$work/export.$fmt"
done
if ((have_sysdig)); then export_case "sysdig -r -j" sysdig -r "$big" -j; fi
export_case "xtrace -r -j" "$xtrace" -r "$big" -j
rm -rf "$work"/export.* "$work/procs"
echo >>"$report"

# RSS on a capture of about 1 GB (BENCH_RSS_GB=1; it takes a minute).
if [ "${BENCH_RSS_GB:-0}" = 1 ]; then
	huge=$work/huge.scap
	(cd "$here" && go run ./internal/cmd/bigcapture -in testdata/captures/inspect_502Error.scap -n 16500000 -out "$huge")
	read -r hw hc hr < <(timed "$xtrace" -r "$huge")
	awk -v w="$hw" -v c="$hc" -v r="$hr" 'BEGIN { printf "1 GB capture (16.5M events), default output: xtrace %.1f s wall, %.1f s CPU, max RSS %.0f MB (target: at most 64 MB).\n\n", w, c, r / 1024 }' >>"$report"
	for fmt in parquet ndjson; do
		read -r hw hc hr < <(timed "$xtrace" export "$huge" -f "$fmt" -o "$work/huge.$fmt")
		rm -rf "$work/huge.$fmt" "$work/procs"
		awk -v f="$fmt" -v w="$hw" -v c="$hc" -v r="$hr" 'BEGIN { printf "1 GB capture, xtrace export -f %s: %.1f s wall, %.1f s CPU, max RSS %.0f MB (target: at most 64 MB, flat).\n\n", f, w, c, r / 1024 }' >>"$report"
	done
	rm -f "$huge"
fi

# Recording overhead against strace, through the shared baseline script.
baselines=$here/bench/run-baselines
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
		-x "xtrace-ptrace=$xtrace --backend=ptrace -q -w $work/rec.scap --" \
		-x "xtrace-agent=$xtrace --backend=agent -q -w $work/rec.scap --" \
		-x "xtrace-z=$xtrace -q -zw $work/rec.scap.z --" \
		-x "xtrace-inject=$xtrace -q -w $work/rec.scap --inject proc.name=no-such-process error=EPERM --" \
		-x "xtrace-ring=$xtrace -q --ring 64M -w $work/rec.scap --" \
		>"$work/record.md" 2>"$work/record.err"; then
		cat "$work/record.md" >>"$report"
		# Ratios of xtrace's added cost per syscall to strace's (targets:
		# <= 0.25 x strace -f with every syscall recorded).
		awk -F'|' '
			/^## Added cost per syscall/ { on = 1; next }
			on && /^\| workload/ { for (i = 2; i < NF; i++) { gsub(/ /, "", $i); col[$i] = i }; next }
			on && /^\|---/ { next }
			on && /^\|/ {
				w = $2; gsub(/ /, "", w)
				s = $(col["strace"]) + 0; s1 = $(col["strace-1cpu"]) + 0
				x = $(col["xtrace"]) + 0; xz = $(col["xtrace-z"]) + 0
				xi = $(col["xtrace-inject"]) + 0; xr = $(col["xtrace-ring"]) + 0
				xp = $(col["xtrace-ptrace"]) + 0; xa = $(col["xtrace-agent"]) + 0
				arows = arows sprintf("| %s | %.1f | %.1f (%.2fx) | %.1f (%.2fx) | %.2f |\n", w, s, xp, (s > 0 ? xp / s : 0), xa, (s > 0 ? xa / s : 0), (xp > 0 ? xa / xp : 0))
				rows = rows sprintf("| %s | %.1f | %.1f | %.1f (%.2fx) | %.1f (%.2fx) |\n", w, s, s1, x, (s > 0 ? x / s : 0), xz, (s > 0 ? xz / s : 0))
				frows = frows sprintf("| %s | %.1f | %.1f (%.2fx) | %.1f (%.2fx) |\n", w, x, xi, (x > 0 ? xi / x : 0), xr, (x > 0 ? xr / x : 0))
				next
			}
			on && !/^\|/ && rows != "" { on = 0 }
			END {
				print "### xtrace vs strace -f: added us per syscall (ratio to strace -f; target <= 0.25x)"
				print ""
				print "| workload | strace -f | strace on 1 CPU | xtrace -w | xtrace -zw |"
				print "|---|---:|---:|---:|---:|"
				printf "%s", rows
				print ""
				print "### Backends: agent and ptrace against strace -f, added us per syscall (ratio to strace -f; targets: agent <= 0.1x on getppid, pipe, files, <= 0.3x on procs, git, tar; threads: agent not slower than ptrace)"
				print ""
				print "| workload | strace -f | --backend=ptrace | --backend=agent | agent / ptrace |"
				print "|---|---:|---:|---:|---:|"
				printf "%s", arows
				print ""
				print "### --inject with no matching rule and the --ring flight recorder: added us per syscall (ratio to xtrace -w; target about 1x)"
				print ""
				print "| workload | xtrace -w | --inject (no match) | --ring 64M |"
				print "|---|---:|---:|---:|"
				printf "%s", frows
				print ""
			}' "$work/record.md" >>"$report"
	else
		echo "(recording benchmark failed: $(tail -n 3 "$work/record.err"))" >>"$report"
	fi
	# Capture-filter subset vs strace --seccomp-bpf, and attach vs strace -p.
	{
	echo
	echo "## Record: capture filter and attach"
	echo
	} >>"$report"
	if "$here/scripts/bench-record.sh" -n "$runs" -w "$wl" >"$work/subset.md" 2>"$work/subset.err"; then
		cat "$work/subset.md" >>"$report"
	else
		echo "(capture-filter benchmark failed: $(tail -n 3 "$work/subset.err"))" >>"$report"
	fi
else
	echo "(recording benchmark skipped: strace missing)" >>"$report"
fi

cat "$report"
