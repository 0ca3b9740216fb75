package decode

import "xtrace/event"

// Native x86_64 constants and their PPM counterparts: the conversions the
// kernel driver applies to flag arguments (docs/scap-format.md §8).
// Enumerated values convert through the native values of their flag
// tables' names (event/tables/native_values.tsv).
const (
	atFdcwd    = -100
	ppmAtFdcwd = 0xffffffffffffff9c // -100 as a register value

	oCreat = 0o100

	msMgcMsk = 0xffff0000
	msMgcVal = 0xC0ED0000

	atRemovedir = 0x200

	semSetval = 16

	sysConnect = 42

	ppmClChildInPidNS = 1 << 29

	ptraceIdxUint64  = 0
	ptraceIdxSigtype = 1
	bpfIdxRes        = 1

	sockoptIdxBytes  = 0
	sockoptIdxErrno  = 1
	sockoptIdxUint32 = 2
	sockoptIdxUint64 = 3
	sockoptIdxTime   = 4
)

// openFlags converts open(2) flags. The multi-bit O_SYNC (0x101000) and
// O_TMPFILE (0x410000) are tested with "any bit set", as the driver does,
// so O_DSYNC alone also reports O_SYNC and O_DIRECTORY also reports
// O_TMPFILE.
func openFlags(f uint64) uint32 {
	var r uint32
	switch f & 3 {
	case 1:
		r = 2 // O_WRONLY
	case 2:
		r = 3 // O_RDWR
	default:
		r = 1 // O_RDONLY
	}
	for _, c := range [...]struct {
		native uint64
		ppm    uint32
	}{
		{0o100, 4},          // O_CREAT
		{0x410000, 0x2000},  // O_TMPFILE (any bit)
		{0o2000, 8},         // O_APPEND
		{0o10000, 0x10},     // O_DSYNC
		{0o200, 0x20},       // O_EXCL
		{0o4000, 0x40},      // O_NONBLOCK
		{0x101000, 0x80},    // O_SYNC (any bit)
		{0o1000, 0x100},     // O_TRUNC
		{0o40000, 0x200},    // O_DIRECT
		{0o200000, 0x400},   // O_DIRECTORY
		{0o100000, 0x800},   // O_LARGEFILE
		{0o2000000, 0x1000}, // O_CLOEXEC
	} {
		if f&c.native != 0 {
			r |= c.ppm
		}
	}
	return r
}

// openMode keeps the permission bits when flags create a file (O_CREAT or
// any bit of O_TMPFILE, which includes O_DIRECTORY), and is 0 otherwise.
func openMode(flags, mode uint64) uint32 {
	if flags&(0o100|0x410000) == 0 {
		return 0
	}
	return uint32(mode & 0o7777)
}

func openat2Resolve(f uint64) uint32 {
	var r uint32
	for _, c := range [...]struct {
		native uint64
		ppm    uint32
	}{{0x01, 0x10}, {0x02, 0x04}, {0x04, 0x08}, {0x08, 0x01}, {0x10, 0x02}, {0x20, 0x20}} {
		if f&c.native != 0 {
			r |= c.ppm
		}
	}
	return r
}

var cloneMap = [...]struct {
	native uint64
	ppm    uint32
}{
	{0x400, 0x1},            // FILES
	{0x200, 0x2},            // FS
	{0x80000000, 0x4},       // IO
	{0x8000000, 0x8},        // NEWIPC
	{0x40000000, 0x10},      // NEWNET
	{0x20000, 0x20},         // NEWNS
	{0x20000000, 0x40},      // NEWPID
	{0x4000000, 0x80},       // NEWUTS
	{0x100000, 0x200},       // PARENT_SETTID
	{0x8000, 0x100},         // PARENT
	{0x2000, 0x400},         // PTRACE
	{0x800, 0x800},          // SIGHAND
	{0x40000, 0x1000},       // SYSVSEM
	{0x10000, 0x2000},       // THREAD
	{0x800000, 0x4000},      // UNTRACED
	{0x100, 0x8000},         // VM
	{0x10000000, 0x100000},  // NEWUSER
	{0x200000, 0x800000},    // CHILD_CLEARTID
	{0x1000000, 0x1000000},  // CHILD_SETTID
	{0x80000, 0x2000000},    // SETTLS
	{0x4000, 0x8000000},     // VFORK
	{0x2000000, 0x10000000}, // NEWCGROUP
}

func cloneFlags(f uint64) uint32 {
	var r uint32
	for _, c := range cloneMap {
		if f&c.native != 0 {
			r |= c.ppm
		}
	}
	return r
}

func futexOp(op uint64) uint16 {
	var r uint16
	if cmd := op & 127; cmd <= 12 {
		r = uint16(cmd)
	}
	return r | uint16(op&0x180)
}

func lseekWhence(w uint64) uint8 {
	if w <= 2 {
		return uint8(w)
	}
	return 0
}

func rlimitResource(r uint64) uint8 {
	if r <= 15 {
		return uint8(r)
	}
	return 255
}

func fcntlCmd(c uint64) uint8 { return uint8(fcntlMap[c]) }

func protFlags(p uint64) uint32 {
	r := uint32(p & 0xf)
	if p&0x01000000 != 0 {
		r |= 0x10
	}
	if p&0x02000000 != 0 {
		r |= 0x20
	}
	return r
}

func mmapFlags(f uint64) uint32 {
	var r uint32
	for _, c := range [...]struct {
		native uint64
		ppm    uint32
	}{
		{0x1, 0x1}, {0x2, 0x2}, {0x10, 0x4}, {0x20, 0x8}, {0x40, 0x10},
		{0x4000, 0x40}, {0x8000, 0x80}, {0x10000, 0x100}, {0x100, 0x200},
		{0x800, 0x400}, {0x1000, 0x800}, {0x2000, 0x4000},
	} {
		if f&c.native != 0 {
			r |= c.ppm
		}
	}
	return r
}

func pollEvents(e uint16) uint16 {
	var r uint16
	for _, c := range [...]struct{ native, ppm uint16 }{
		{0x1, 0x1}, {0x2, 0x2}, {0x4, 0x4}, {0x2000, 0x8}, {0x8, 0x10}, {0x10, 0x20},
		{0x20, 0x40}, {0x40, 0x80}, {0x80, 0x100}, {0x100, 0x200}, {0x200, 0x400},
	} {
		if e&c.native != 0 {
			r |= c.ppm
		}
	}
	return r
}

func accessFlags(m uint64) uint32 {
	if m == 0 {
		return 0
	}
	return uint32(m & 7)
}

func linkatFlags(f uint64) uint32 { return uint32(f & (0x400 | 0x1000)) }

func execveatFlags(f uint64) uint32 {
	var r uint32
	if f&0x1000 != 0 { // AT_EMPTY_PATH
		r |= 1
	}
	if f&0x100 != 0 { // AT_SYMLINK_NOFOLLOW
		r |= 2
	}
	return r
}

func semgetFlags(f uint64) uint32 {
	var r uint32
	if f&0o1000 != 0 { // IPC_CREAT
		r |= 0x2000
	}
	if f&0o2000 != 0 { // IPC_EXCL
		r |= 0x4000
	}
	return r
}

func semopFlags(f uint16) uint16 {
	var r uint16
	if f&0o4000 != 0 { // IPC_NOWAIT
		r |= 1
	}
	if f&0x1000 != 0 { // SEM_UNDO
		r |= 2
	}
	return r
}

func semctlCmd(c uint64) uint32 { return semctlMap[c] }

// ptraceRequest converts a ptrace request by name through the flag table.
func ptraceRequest(r uint64) uint16 { return uint16(ptraceMap[r]) }

// The native → PPM maps of the enumerated flag tables, from
// event/tables/native_values.tsv (the PPM values are the flag tables').
var (
	fcntlMap   = nativeToPPM("fcntl_commands")
	semctlMap  = nativeToPPM("semctl_commands")
	ptraceMap  = nativeToPPM("ptrace_requests")
	sockoptMap = nativeToPPM("sockopt_options")
	// sockoptKind says how the driver records each socket option's
	// value (raw bytes for those it does not list).
	sockoptKind = func() map[uint64]event.OptValue {
		m := map[uint64]event.OptValue{}
		for _, v := range event.NativeValues("sockopt_options") {
			m[v.Native] = v.Opt
		}
		return m
	}()
)

// nativeToPPM maps the native values of a flag table's names to the
// table's values.
func nativeToPPM(table string) map[uint64]uint32 {
	m := map[uint64]uint32{}
	for _, v := range event.NativeValues(table) {
		m[v.Native] = uint32(v.PPM)
	}
	return m
}

const (
	solSocket = 1
	solTCP    = 6
)

func sockoptLevel(l uint64) uint8 {
	switch int32(l) {
	case solSocket:
		return 1
	case solTCP:
		return 2
	}
	return 0
}

func sockoptName(level, name uint64) uint8 {
	if int32(level) != solSocket {
		return 0
	}
	return uint8(sockoptMap[uint64(int32(name))])
}

// quotactl commands (PPM values) the fillers branch on.
const (
	ppmQQuotaon    = 1 << 0
	ppmQGetfmt     = 1 << 2
	ppmQGetinfo    = 1 << 3
	ppmQSetinfo    = 1 << 4
	ppmQGetquota   = 1 << 5
	ppmQSetquota   = 1 << 6
	ppmQXGetquota  = 1 << 10
	ppmQXSetqlim   = 1 << 11
	ppmQfmtNotUsed = 1
)

func quotactlCmd(c uint64) uint16 {
	switch c >> 8 {
	case 0x800001:
		return 0x80 // Q_SYNC
	case 0x800002:
		return 0x1 // Q_QUOTAON
	case 0x800003:
		return 0x2 // Q_QUOTAOFF
	case 0x800004:
		return 0x4 // Q_GETFMT
	case 0x800005:
		return 0x8 // Q_GETINFO
	case 0x800006:
		return 0x10 // Q_SETINFO
	case 0x800007:
		return 0x20 // Q_GETQUOTA
	case 0x800008:
		return 0x40 // Q_SETQUOTA
	case ('X'<<8 | 1):
		return 0x100
	case ('X'<<8 | 2):
		return 0x200
	case ('X'<<8 | 3):
		return 0x400
	case ('X'<<8 | 4):
		return 0x800
	case ('X'<<8 | 5):
		return 0x1000
	case ('X'<<8 | 6):
		return 0x2000
	case ('X'<<8 | 7):
		return 0x4000
	}
	return 0
}

func quotactlType(c uint64) uint8 {
	switch c & 0xff {
	case 0:
		return 1 // USRQUOTA
	case 1:
		return 2 // GRPQUOTA
	}
	return 0
}

func quotactlFmt(f uint64) uint8 {
	switch f {
	case 1:
		return 2 // QFMT_VFS_OLD
	case 2:
		return 4 // QFMT_VFS_V0
	case 4:
		return 8 // QFMT_VFS_V1
	}
	return ppmQfmtNotUsed
}
