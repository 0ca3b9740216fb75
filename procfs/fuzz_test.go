package procfs

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParsers feeds arbitrary text to every /proc parser. They must not
// panic, and the cgroup list must stay within scap's buffer.
func FuzzParsers(f *testing.F) {
	paths, _ := filepath.Glob("testdata/proc/4242/*")
	more, _ := filepath.Glob("testdata/proc/4242/net/*")
	for _, p := range append(paths, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("0::/\n1:a,b::/x:y\n::\n"))
	f.Add([]byte("flags:\t0777777777777777777777\nmnt_id:\t99999999999\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var st status
		parseStatus(b, &st)
		var sf statFields
		parseStat(b, &sf)
		for _, v := range []int{1, 2} {
			if cg := appendCgroups(nil, b, v); len(cg) > maxCgroupsLen {
				t.Fatalf("cgroup list of %d bytes", len(cg))
			}
		}
		parseFdinfo(b)
		parseMountinfo(b, map[uint32]uint32{})
		parseLimitsNoFile(b)
		cgroupVersionOf(b)
		count := func(uint64, *sockEntry) bool { return true }
		parseInetTable(b, false, L4TCP, count)
		parseInetTable(b, true, L4UDP, count)
		parseUnixTable(b, count)
		parseNetlinkTable(b, count)
		countCPUList(b)
		countStatCPUs(b)
	})
}
