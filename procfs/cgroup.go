package procfs

// maxCgroupsLen is the size of scap's cgroup list buffer (SCAP_MAX_CGROUPS_SIZE).
const maxCgroupsLen = 4096

// cgroupV2Subsys are the controllers scap attributes to the single cgroup
// v2 hierarchy: it writes the "0::/path" line once for each.
const cgroupV2Subsys = "cpu,memory,cpuset"

// appendCgroups appends the cgroup list of a /proc/PID/cgroup text to dst
// the way scap builds it: one "subsys=path\0" entry per controller of each
// line, in file order. Named hierarchies keep their "name=" prefix
// ("name=systemd=/"). The "0::/path" line of the unified hierarchy becomes
// cpu, memory and cpuset entries when cgroup v2 is mounted (version 2) and
// is skipped otherwise; other lines with an empty controller list are
// skipped. Where scap leaves the line's newline in a v2 path, we do not.
// The list stops before the entry that would overflow scap's 4096 bytes.
func appendCgroups(dst, b []byte, version int) []byte {
	used := 0
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		// The first two ':'-separated tokens, strtok style: runs of ':'
		// count as one separator.
		i := 0
		for i < len(line) && line[i] == ':' {
			i++
		}
		id, rest := untilColon(line[i:])
		if len(id) == 0 {
			return dst // scap gives up on the file here
		}
		gap := 0
		for gap < len(rest) && rest[gap] == ':' {
			gap++
		}
		subsys, tail := untilColon(rest[gap:])
		if len(subsys) == 0 {
			return dst
		}
		var path []byte
		if gap > 1 {
			// Empty controller list: the unified hierarchy.
			if version != 2 || string(id) != "0" {
				continue
			}
			path = subsys
			subsys = []byte(cgroupV2Subsys)
		} else {
			if len(tail) == 0 || tail[0] != ':' || len(tail) == 1 {
				return dst
			}
			path = tail[1:]
		}
		for len(subsys) > 0 {
			var tok []byte
			tok, subsys = untilComma(subsys)
			if len(tok) == 0 {
				continue
			}
			if len(path)+1+len(tok)+1 > maxCgroupsLen-used {
				return dst
			}
			dst = append(dst, tok...)
			dst = append(dst, '=')
			dst = append(dst, path...)
			dst = append(dst, 0)
			used += len(path) + 1 + len(tok) + 1
		}
	}
	return dst
}

// untilColon splits b at its first ':' (kept in rest).
func untilColon(b []byte) (tok, rest []byte) {
	for i, c := range b {
		if c == ':' {
			return b[:i], b[i:]
		}
	}
	return b, nil
}

// untilComma splits b at its first ',' (dropped).
func untilComma(b []byte) (tok, rest []byte) {
	for i, c := range b {
		if c == ',' {
			return b[:i], b[i+1:]
		}
	}
	return b, nil
}

// cgroupVersion tells from the text of /proc/filesystems which cgroup
// version scap assumes: 2 when cgroup2 is listed, else 1 when cgroup is,
// else 0.
func cgroupVersionOf(b []byte) int {
	v := 0
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if contains(line, "cgroup2") {
			return 2
		}
		if contains(line, "cgroup") {
			v = 1
		}
	}
	return v
}

func contains(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return true
		}
	}
	return false
}
