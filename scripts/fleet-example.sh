#!/usr/bin/env bash
# fleet-example.sh: the multi-host story of docs/fleet.md on one machine.
# Three captures stand for three hosts; each is exported as Parquet into a
# Hive-style partition (caps/host=NAME/), then DuckDB queries them together.
#
#   scripts/fleet-example.sh [DIR] [host=capture ...]
#
# Without captures it uses three bundled real sysdig captures. DIR (default
# a temporary directory) keeps the exported files. DuckDB is the npm package
# make deps installs (internal/duckdbtest), or the duckdb CLI if installed.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
xtrace=$here/bin/xtrace
[ -x "$xtrace" ] || { echo "fleet-example: build first (make build)" >&2; exit 1; }
dir=${1:-$(mktemp -d)}
shift || true
hosts=("$@")
if [ ${#hosts[@]} = 0 ]; then
	hosts=(
		"web1=$here/testdata/captures/bencer_example5_httpd.scap"
		"web2=$here/testdata/captures/bencer_example5_nginx.scap"
		"client1=$here/testdata/captures/libs_curl_google.scap"
	)
fi

query() {
	echo "D $1"
	if command -v duckdb >/dev/null; then
		(cd "$dir" && duckdb -c "$1")
	elif [ -d "$here/internal/duckdbtest/node_modules/@duckdb/node-api" ]; then
		(cd "$dir" && node "$here/internal/duckdbtest/query.js" "$1")
	else
		echo "fleet-example: no DuckDB (make deps installs it)" >&2; exit 1
	fi
	echo
}

for h in "${hosts[@]}"; do
	name=${h%%=*} capture=${h#*=}
	echo "\$ xtrace export $capture -f parquet -o caps/host=$name/syscalls.parquet"
	"$xtrace" export "$capture" -f parquet -o "$dir/caps/host=$name/syscalls.parquet"
done
echo

query "SELECT host, count(*) AS calls, count(*) FILTER (WHERE failed) AS failed, sum(bytes) AS bytes FROM 'caps/*/*.parquet' GROUP BY host ORDER BY host"
query "SELECT host, syscall, errno, count(*) AS n FROM 'caps/*/*.parquet' WHERE failed GROUP BY ALL ORDER BY n DESC LIMIT 8"
query "SELECT p.host, p.exe, count(*) AS calls, round(sum(s.dur) / 1e6, 3) AS ms FROM 'caps/*/*.parquet' s JOIN 'caps/*/procs/*.parquet' p USING (host, pid) GROUP BY ALL ORDER BY ms DESC LIMIT 5"
echo "exports kept in $dir"
