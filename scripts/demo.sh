#!/usr/bin/env bash
# The main job on a built-in example: record a small workload with xtrace
# (when this machine allows ptrace), then replay it with a filter and a
# chisel; also replay a bundled real sysdig capture.
set -euo pipefail
xtrace=${1:-bin/xtrace}
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

section() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

section "replay a real sysdig capture: failed syscalls of curl"
echo "\$ xtrace -r testdata/captures/libs_curl_google.scap \"proc.name=curl and evt.failed=true\" | head"
"$xtrace" -r "$here/testdata/captures/libs_curl_google.scap" "proc.name=curl and evt.failed=true" | head -n 10

if "$xtrace" -zw "$tmp/demo.scap.z" -- sh -c 'cat /etc/hostname > /dev/null; cat /nonexistent 2>/dev/null; echo hello > '"$tmp"'/out.txt' 2>"$tmp/rec.err"; then
	section "recorded: sh -c 'cat /etc/hostname; cat /nonexistent; echo hello > out.txt'"
	echo "\$ xtrace -r demo.scap.z \"evt.failed=true and evt.arg.name contains nonexistent\""
	"$xtrace" -r "$tmp/demo.scap.z" "evt.failed=true and evt.arg.name contains nonexistent" | tail -n 5
	section "who wrote what: -A -c echo_fds '' \"fd.name contains out.txt\""
	"$xtrace" -r "$tmp/demo.scap.z" -A -c echo_fds '' "fd.name contains out.txt"
	section "the same capture read by Debian's sysdig"
	if command -v sysdig >/dev/null; then
		sysdig -r "$tmp/demo.scap.z" "evt.failed=true and evt.arg.name contains nonexistent" | tail -n 5
	else
		echo "(sysdig is not installed)"
	fi
	section "top system calls of the recording"
	"$xtrace" -r "$tmp/demo.scap.z" -c topscalls | head -n 12
	section "the failures view: failed calls ranked, and the last ones before each non-zero exit"
	echo "\$ xtrace -r demo.scap.z -c failures '6 8'"
	"$xtrace" -r "$tmp/demo.scap.z" -c failures '6 8'
	section "export: one typed row per syscall (enter and exit merged)"
	echo "\$ xtrace export demo.scap.z \"evt.failed=true and fd.name contains nonexistent\""
	"$xtrace" export "$tmp/demo.scap.z" "evt.failed=true and fd.name contains nonexistent" | grep '"kind":"syscall"'
	echo "\$ xtrace export demo.scap.z -f parquet -o caps/host=demo/syscalls.parquet"
	"$xtrace" export "$tmp/demo.scap.z" -f parquet -o "$tmp/caps/host=demo/syscalls.parquet"
	ls -l "$tmp/caps/host=demo" | tail -n +2
	if command -v node >/dev/null && [ -d "$here/internal/duckdbtest/node_modules/@duckdb/node-api" ]; then
		q="SELECT host, syscall, errno, count(*) AS n FROM '$tmp/caps/*/*.parquet' WHERE failed GROUP BY ALL ORDER BY n DESC LIMIT 5"
		echo "\$ duckdb: SELECT host, syscall, errno, count(*) AS n FROM 'caps/*/*.parquet' WHERE failed GROUP BY ALL ORDER BY n DESC LIMIT 5"
		node "$here/internal/duckdbtest/query.js" "$q"
	else
		echo "(DuckDB is not installed: make deps installs it)"
	fi
else
	section "recording skipped"
	cat "$tmp/rec.err"
fi
