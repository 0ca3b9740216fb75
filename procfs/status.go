package procfs

// status holds the /proc/PID/status lines the snapshot and the recorder
// use.
type status struct {
	name     []byte // first word of Name (what scap keeps), reused
	fullName []byte // whole Name value, escaped by the kernel, reused

	tgid, ppid int64
	hasTgid    bool
	hasPPid    bool

	// Effective and filesystem ids (the second and fourth columns).
	euid, egid   uint32
	fsuid, fsgid uint32
	hasUid       bool
	hasGid       bool
	groups       []uint32 // supplementary groups, reused
	capEff       uint64

	vmSize, vmRSS, vmSwap uint32

	// NSpid, NStgid and NSpgid: the number of values seen, the second
	// value (what scap takes) and the last one (the innermost namespace,
	// what the kernel driver reports).
	nsPidN, nsTgidN, nsPgidN          int
	nsPid2, nsTgid2, nsPgid2          int64
	nsPidLast, nsTgidLast, nsPgidLast int64
}

// Linux capability bits that decide whether a task may write a file it
// does not own.
const (
	capDACOverride = 1 << 1
	capFowner      = 1 << 3
)

// parseStatus parses the text of /proc/PID/status into st.
func parseStatus(b []byte, st *status) {
	name, fullName := st.name[:0], st.fullName[:0]
	groups := st.groups[:0]
	*st = status{}
	st.name, st.fullName = name, fullName
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if len(line) < 4 {
			continue
		}
		switch line[0] {
		case 'N':
			switch {
			case hasPrefix(line, "Name:"):
				// sscanf("Name:%s"): the first blank-free word.
				w, _ := nextWord(line[5:])
				st.name = append(st.name, w...)
				if len(line) > 5 && line[5] == '\t' {
					st.fullName = append(st.fullName, line[6:]...)
				}
			case hasPrefix(line, "NSpid:"):
				st.nsPidN, st.nsPid2, st.nsPidLast = nsValues(line[6:])
			case hasPrefix(line, "NStgid:"):
				st.nsTgidN, st.nsTgid2, st.nsTgidLast = nsValues(line[7:])
			case hasPrefix(line, "NSpgid:"):
				st.nsPgidN, st.nsPgid2, st.nsPgidLast = nsValues(line[7:])
			}
		case 'T':
			if hasPrefix(line, "Tgid:") {
				st.tgid, st.hasTgid = atoi(afterPrefix(line, "Tgid:"))
			}
		case 'P':
			if hasPrefix(line, "PPid:") {
				st.ppid, st.hasPPid = atoi(afterPrefix(line, "PPid:"))
			}
		case 'U':
			if hasPrefix(line, "Uid:") {
				st.euid, st.fsuid, st.hasUid = idColumns(line[4:])
			}
		case 'G':
			switch {
			case hasPrefix(line, "Gid:"):
				st.egid, st.fsgid, st.hasGid = idColumns(line[4:])
			case hasPrefix(line, "Groups:"):
				rest := line[7:]
				for {
					var w []byte
					w, rest = nextWord(rest)
					if len(w) == 0 {
						break
					}
					if v, ok := atou(w); ok {
						groups = append(groups, uint32(v))
					}
				}
			}
		case 'V':
			switch {
			case hasPrefix(line, "VmSize:"):
				st.vmSize = kbValue(line[7:])
			case hasPrefix(line, "VmRSS:"):
				st.vmRSS = kbValue(line[6:])
			case hasPrefix(line, "VmSwap:"):
				st.vmSwap = kbValue(line[7:])
			}
		case 'C':
			if hasPrefix(line, "CapEff:") {
				w, _ := nextWord(line[7:])
				st.capEff, _ = hexu(w)
			}
		}
	}
	st.groups = groups
}

// idColumns returns the second (effective) and fourth (filesystem) ids of
// a "Uid:" or "Gid:" line body.
func idColumns(b []byte) (eff, fs uint32, ok bool) {
	var vals [4]uint64
	n := 0
	for n < 4 {
		var w []byte
		w, b = nextWord(b)
		v, good := atou(w)
		if !good {
			break
		}
		vals[n] = v
		n++
	}
	if n < 2 {
		return 0, 0, false
	}
	eff = uint32(vals[1])
	fs = eff
	if n == 4 {
		fs = uint32(vals[3])
	}
	return eff, fs, true
}

// nsValues parses the ids of an NSpid-style line body.
func nsValues(b []byte) (n int, second, last int64) {
	for {
		var w []byte
		w, b = nextWord(b)
		v, ok := atoi(w)
		if !ok {
			return n, second, last
		}
		n++
		if n == 2 {
			second = v
		}
		last = v
	}
}

// kbValue parses the number of a "VmSize:  1234 kB" line body.
func kbValue(b []byte) uint32 {
	w, _ := nextWord(b)
	v, _ := atou(w)
	return uint32(v)
}

// statFields holds what /proc/PID/stat gives.
type statFields struct {
	state     byte
	ppid      int64
	pgrp      int64
	session   int64
	ttyNr     int32
	minFlt    uint64
	majFlt    uint64
	processor int32
	ok        bool // the fields up to majflt were all present
}

// parseStat parses the text of /proc/PID/stat. Fields are counted from
// after the last ')' so that a comm holding blanks or parentheses does not
// shift them.
func parseStat(b []byte, sf *statFields) {
	*sf = statFields{processor: -1}
	i := len(b) - 1
	for i >= 0 && b[i] != ')' {
		i--
	}
	if i < 0 {
		return
	}
	rest := b[i+1:]
	// Field 3 is the state; count fields from there.
	for n := 3; ; n++ {
		var w []byte
		w, rest = nextWord(rest)
		if len(w) == 0 {
			return
		}
		switch n {
		case 3:
			sf.state = w[0]
		case 4:
			sf.ppid, _ = atoi(w)
		case 5:
			sf.pgrp, _ = atoi(w)
		case 6:
			sf.session, _ = atoi(w)
		case 7:
			v, _ := atoi(w)
			sf.ttyNr = int32(v)
		case 10:
			sf.minFlt, _ = atou(w)
		case 12:
			sf.majFlt, _ = atou(w)
			sf.ok = true
		case 39:
			v, _ := atoi(w)
			sf.processor = int32(v)
			return
		}
	}
}
