#!/bin/sh
# Regenerates what Debian's sysdig 0.29.3 prints for the thread and fd
# fields of every event of the test captures (inspect/state_test.go).
set -e
cd "$(dirname "$0")"
fmt='*%evt.num|%thread.tid|%proc.pid|%proc.ppid|%proc.name|%proc.exe|%proc.exepath|%proc.cwd|%thread.vtid|%proc.vpid|%evt.latency|%fd.num|%fd.type|%fd.name|%fd.l4proto|%user.uid|%group.gid|%proc.nchilds'
for f in ../../../testdata/captures/*.scap ../../../testdata/captures/*.scap.z; do
	name=$(basename "$f")
	case $name in *BROKEN*|*comments*|falco_empty*) continue ;; esac
	TZ=UTC LC_ALL=C sysdig -r "$f" -p "$fmt" </dev/null | gzip -9n > "$name.txt.gz"
done
