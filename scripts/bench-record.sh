#!/usr/bin/env bash
# bench-record.sh: recording cost of xtrace next to strace, on this machine,
# at the same time.
#
#   scripts/bench-record.sh [-n RUNS] [-w "WORKLOADS"] [-a ROUNDS] [-o DIR] [-F] [-A]
#
#   -n RUNS      timed runs per workload and mode (default 5, medians)
#   -w LIST      workloads of bench/workloads/run (default: all)
#   -a ROUNDS    pipe rounds (2 syscalls each) of the attach benchmark
#                (default 40000)
#   -o DIR       keep the TSV samples and tables in DIR
#   -F           only the capture-filter part;  -A  only the attach part
#
# Part 1, capture filter: run-baselines times the workloads natively,
# under xtrace recording to a file with
#
#   xtrace-filter   the filter "evt.type in (open, openat, connect) or
#                   evt.failed=true" (evt.failed can match any syscall whose
#                   exit carries a result: read, write, close, ... all stop)
#   xtrace-types    "evt.type in (open, openat, connect)"
#   xtrace-all      no filter (every syscall recorded)
#
# and under strace told to trace the same syscalls:
#
#   strace-types        --seccomp-bpf -e trace=open,openat,connect: the
#                       subset the filter names
#   strace-types-stops  --seccomp-bpf -e trace=<what xtrace-types stops on>:
#                       that subset plus the syscalls that change thread and
#                       fd state, which xtrace keeps traced so that names in
#                       the capture stay right (xtrace --traced-syscalls)
#   strace-filter-stops --seccomp-bpf -e trace=<what xtrace-filter stops on>
#   strace-sbpf-sub     run-baselines' --seccomp-bpf %file,%network,%process
#
# and prints the added cost per syscall of each xtrace mode and its ratio
# to the strace mode with the same stops, and to the narrower subset
# (target: <= 1.0).
#
# Part 2, attach: a program waits until a tracer attaches, then times
# ROUNDS write+read rounds on a pipe; natively, under `strace -p PID -o
# /dev/null` and under `xtrace -p PID -q -w FILE` (no seccomp filter in an
# attached process: both tracers stop at every syscall's entry and exit).
# Printed: ns per syscall and the added cost per syscall.
#
# Environment: BENCH_BUILD (default /tmp/xtrace-bench) receives the
# workloads, the xtrace binary (built from this tree) and the attach
# program; XTRACE_PIN as for xtrace; BENCH_SCALE as for run-baselines.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
baselines=${BENCH_BASELINES:-$root/bench/run-baselines}
export BENCH_BUILD=${BENCH_BUILD:-/tmp/xtrace-bench}
runs=5
workloads=""
rounds=40000
outdir=""
part1=1
part2=1
while getopts "n:w:a:o:FAh" opt; do
	case $opt in
	n) runs=$OPTARG ;;
	w) workloads=$OPTARG ;;
	a) rounds=$OPTARG ;;
	o) outdir=$OPTARG ;;
	F) part2=0 ;;
	A) part1=0 ;;
	*) sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
mkdir -p "$BENCH_BUILD"
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-record.XXXXXX")
trap 'rm -rf "$work"' EXIT
[[ -n $outdir ]] && mkdir -p "$outdir"
out=${outdir:-$work}

xt=$BENCH_BUILD/xtrace
(cd "$root" && go build -o "$xt" ./cmd/xtrace)
cap=${BENCH_TMPDIR:-/dev/shm}
[[ -d $cap && -w $cap ]] || cap=$work

# strace_known LIST: the names of a comma-separated syscall list that this
# strace knows (an older strace rejects newer syscalls such as
# open_tree_attr, which xtrace's stop set names; it cannot trace them
# anyway).
strace_known() {
	local out="" n
	for n in ${1//,/ }; do
		if strace -qq -e trace="$n" -o /dev/null true 2>/dev/null; then
			out+="${out:+,}$n"
		fi
	done
	echo "$out"
}

if ((part1)); then
	filter="evt.type in (open, openat, connect) or evt.failed=true"
	types="evt.type in (open, openat, connect)"
	st="strace -f -qq --seccomp-bpf -o /dev/null -e trace="
	args=(-n "$runs" -m "strace-sbpf-sub" -o "$out/filter.tsv"
		-x "strace-types=${st}open,openat,connect"
		-x "strace-types-stops=${st}$(strace_known "$("$xt" --traced-syscalls "$types")")"
		-x "strace-filter-stops=${st}$(strace_known "$("$xt" --traced-syscalls "$filter")")"
		-x "xtrace-filter=$xt -q -w $cap/bench-f.scap $filter --"
		-x "xtrace-types=$xt -q -w $cap/bench-t.scap $types --"
		-x "xtrace-all=$xt -q -w $cap/bench-a.scap --")
	[[ -n $workloads ]] && args+=(-w "$workloads")
	"$baselines" "${args[@]}" | sed 's/trace=[a-z0-9_,]\{200,\}/trace=<xtrace --traced-syscalls FILTER>/g' | tee "$out/filter.md"
	rm -f "$cap"/bench-[fta].scap
	echo
	echo "## Capture filter: added cost per syscall, xtrace against strace with the same stops (<= 1.0 is the target)"
	echo
	echo "xtrace-types against strace-types-stops (same stops) and strace-types (the named subset only);"
	echo "xtrace-filter against strace-filter-stops (same stops); xtrace-all for scale."
	echo
	echo "| workload | syscalls | xtrace-types | vs same stops | vs subset | xtrace-filter | vs same stops | xtrace-all |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	awk -F'\t' 'NR > 1 {
		k = $1 SUBSEP $2; n[k]++; v[k, n[k]] = $4; sc[$1] = $5
		if (!($1 in seen)) { seen[$1] = 1; order[++nw] = $1 }
	}
	function med(k,   i, j, t, c) {
		c = n[k]
		for (i = 1; i <= c; i++) a[i] = v[k, i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
	}
	function added(w, m) { return (med(w SUBSEP m) - med(w SUBSEP "native")) / sc[w] / 1000 }
	# ratio X S: "x/s" with the strace figure, or a note when strace adds ~0.
	function ratio(x, s) { return s > 0.05 ? sprintf("x%.2f (%.2f us)", x / s, s) : sprintf("strace ~0 (%.2f us)", s) }
	END {
		for (i = 1; i <= nw; i++) {
			w = order[i]
			t = added(w, "xtrace-types"); f = added(w, "xtrace-filter")
			printf "| %s | %d | %.2f us | %s | %s | %.2f us | %s | %.2f us |\n", w, sc[w],
				t, ratio(t, added(w, "strace-types-stops")), ratio(t, added(w, "strace-types")),
				f, ratio(f, added(w, "strace-filter-stops")), added(w, "xtrace-all")
		}
	}' "$out/filter.tsv" | tee "$out/ratios.md"
	echo
fi

if ((part2)); then
	prog=$BENCH_BUILD/attach-loop
	cat >"$work/attach-loop.c" <<'EOF'
/* attach-loop WAIT ROUNDS: with WAIT=1, wait until a tracer attaches
   (TracerPid in /proc/self/status), give it 100 ms to settle, then time
   ROUNDS rounds of a 1-byte write and read on a pipe; print ns per round. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
static int traced(void) {
	char buf[4096]; int fd = open("/proc/self/status", O_RDONLY); ssize_t n = read(fd, buf, sizeof buf - 1); close(fd);
	if (n <= 0) return 0; buf[n] = 0; char *p = strstr(buf, "TracerPid:");
	return p && atoi(p + 10) != 0;
}
int main(int argc, char **argv) {
	int wait = atoi(argv[1]); long rounds = atol(argv[2]);
	if (wait) { for (int i = 0; i < 20000 && !traced(); i++) usleep(500); usleep(100000); }
	int p[2]; pipe(p); char c = 'x';
	struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < rounds; i++) { write(p[1], &c, 1); read(p[0], &c, 1); }
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / rounds);
	return 0;
}
EOF
	gcc -O2 -o "$prog" "$work/attach-loop.c"
	# attach_run MODE -> ns per round of one run
	attach_run() {
		local res tpid
		case $1 in
		native)
			"$prog" 0 "$rounds"
			return
			;;
		strace)
			"$prog" 1 "$rounds" >"$work/res" &
			tpid=$!
			strace -qq -p "$tpid" -o /dev/null 2>/dev/null &
			;;
		xtrace)
			"$prog" 1 "$rounds" >"$work/res" &
			tpid=$!
			"$xt" -q -w "$cap/bench-p.scap" -p "$tpid" &
			;;
		esac
		local tracer=$!
		wait "$tpid"
		wait "$tracer" || true
		cat "$work/res"
	}
	printf 'mode\trun\tns_per_round\n' >"$out/attach.tsv"
	for ((r = 1; r <= runs; r++)); do
		for m in native strace xtrace; do
			printf '%s\t%d\t%s\n' "$m" "$r" "$(attach_run $m)" >>"$out/attach.tsv"
		done
	done
	rm -f "$cap/bench-p.scap"
	echo "## Attach: $rounds pipe rounds (2 syscalls each), median of $runs runs"
	echo
	echo "| mode | ns per syscall | added us per syscall | ratio to strace -p |"
	echo "|---|---:|---:|---:|"
	awk -F'\t' 'NR > 1 { n[$1]++; v[$1, n[$1]] = $3 }
	function med(m,   i, j, t, c) {
		c = n[m]
		for (i = 1; i <= c; i++) a[i] = v[m, i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
	}
	END {
		nat = med("native") / 2; st = med("strace") / 2 - nat
		printf "| native | %.0f | - | - |\n", nat
		printf "| strace -p | %.0f | %.2f | 1.00 |\n", med("strace") / 2, st / 1000
		x = med("xtrace") / 2 - nat
		printf "| xtrace -p -w | %.0f | %.2f | %.2f |\n", med("xtrace") / 2, x / 1000, x / st
	}' "$out/attach.tsv" | tee "$out/attach.md"
fi
