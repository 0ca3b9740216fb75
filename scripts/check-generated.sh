#!/usr/bin/env bash
# check-generated.sh [ROOT]: fails when a committed generated file differs
# from what its generator makes of its sources, i.e. when the sources
# changed without `make generate` or the generated file was edited by hand.
# Checks event/tables_gen.go and decode/table_gen.go (both made by
# internal/cmd/gentables from event/tables/*.tsv).
set -euo pipefail
root=${1:-.}
go=${GO:-go}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(
	cd "$root"
	$go run ./internal/cmd/gentables -in event/tables -out "$tmp/tables_gen.go"
	$go run ./internal/cmd/gentables -in event/tables -decode -out "$tmp/table_gen.go"
)
stale=0
for pair in "tables_gen.go event/tables_gen.go" "table_gen.go decode/table_gen.go"; do
	set -- $pair
	if ! cmp -s "$tmp/$1" "$root/$2"; then
		echo "check-generated: $2 differs from what internal/cmd/gentables makes of event/tables: run make generate (never edit it by hand)" >&2
		stale=1
	fi
done
exit $stale
