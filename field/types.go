package field

import (
	"time"

	"xtrace/event"
	"xtrace/inspect"
)

// Format is a field's print format: how a numeric value becomes text in -p
// output and whether it is a JSON number (sysdig's ppm_print_format).
type Format uint8

const (
	// FmtNA has no numeric format: text fields. Unsigned integers with it
	// render as nothing (sysdig's rawval_to_string gives NULL), so an
	// event showing one is dropped by -p (evt.type.is.NAME, evt.rawarg of
	// an unsigned parameter).
	FmtNA Format = iota
	// FmtDec is plain decimal.
	FmtDec
	// FmtID is decimal, an identifier (pids, numbers).
	FmtID
	// FmtHex is upper-case hexadecimal for signed types; unsigned types
	// stay decimal, as in sysdig.
	FmtHex
	// FmtOct is octal.
	FmtOct
	// FmtPadded is decimal zero-padded to nine digits (nanosecond parts);
	// a string in JSON.
	FmtPadded
	// FmtDir is the direction character of evt.dir.
	FmtDir
)

// ArgKind says what argument a field takes after its name.
type ArgKind uint8

const (
	// ArgNone: the field takes no argument.
	ArgNone ArgKind = iota
	// ArgParam: ".NAME" (a parameter name) or "[N]" (a parameter index),
	// required (evt.arg).
	ArgParam
	// ArgRawParam: ".NAME", required (evt.rawarg).
	ArgRawParam
	// ArgIndexOpt: "[N]", optional; without it a filter matches any
	// ancestor (proc.aname, proc.apid).
	ArgIndexOpt
	// ArgEventType: ".NAME" or ".NUMBER" naming an event type, required
	// (evt.type.is).
	ArgEventType
	// ArgKey: ".KEY", required (thread.cgroup.SUBSYS, k8s labels).
	ArgKey
	// ArgIndex: "[N]", required.
	ArgIndex
	// ArgIndexOrKey: "[N]" or ".NAME", required (span.arg).
	ArgIndexOrKey
	// ArgIndexOrPath: "[N]" or "[PATH]", required (container.mount).
	ArgIndexOrPath
	// ArgTime: "[T]" with T an epoch-ns timestamp, required, filters only
	// (evt.around).
	ArgTime
	// ArgAbsPath: nothing, ".src" or ".dst" (evt.abspath).
	ArgAbsPath
)

// String describes the argument syntax, as -lv prints it.
func (a ArgKind) String() string {
	switch a {
	case ArgParam:
		return ".NAME or [N]"
	case ArgRawParam:
		return ".NAME"
	case ArgIndexOpt:
		return "[N] (optional)"
	case ArgEventType:
		return ".EVENTNAME"
	case ArgKey:
		return ".KEY"
	case ArgIndex:
		return "[N]"
	case ArgIndexOrKey:
		return "[N] or .NAME"
	case ArgIndexOrPath:
		return "[N] or [PATH]"
	case ArgTime:
		return "[T]"
	case ArgAbsPath:
		return ".src or .dst (optional)"
	}
	return ""
}

// Flags are properties of a field definition.
type Flags uint8

const (
	// FilterOnly fields can be used in filters but not in -p formats
	// (fd.ip, fd.port, fd.net, ...).
	FilterOnly Flags = 1 << iota
	// Hidden fields work but are not listed by -l (sysdig's print-only and
	// table-only fields such as evt.outputtime).
	Hidden
	// NoState marks fields xtrace resolves but has no state for: they
	// never have a value (k8s, mesos, tracers, syslog decoding, ...).
	NoState
)

// Def is one field definition.
type Def struct {
	// Name is the field name without argument ("evt.arg", "proc.aname").
	Name string
	// Type is the value type, with sysdig's names (event.PTCharBuf prints
	// CHARBUF). evt.rawarg has type PTDyn: each handle takes the type of
	// the parameter it names.
	Type event.ParamType
	// Class groups fields in -l: evt, process, user, group, container,
	// fd, syslog, fdlist, k8s, mesos, span, evtin.
	Class string
	// Desc is the one-line description -l prints.
	Desc string
	// Arg is the argument the field takes.
	Arg    ArgKind
	Flags  Flags
	Format Format

	get getter
	// stateful fields change their handle's state when extracted
	// (evt.deltatime, evt.outputtime with -t D).
	stateful bool
}

// getter extracts a field's value for an event into f.val; false means the
// field has no value for the event (sysdig's NULL).
type getter func(f *Field, e *inspect.Event) bool

// Options are the output settings extraction depends on.
type Options struct {
	// Render selects the buffer format (-A, -x, -X, -b) and whether long
	// buffers are cut at 80 characters (they are unless -v, JSON or a
	// chisel is in use).
	Render inspect.RenderOptions
	// Time is the -t mode evt.outputtime follows: 'h' (default), 'a',
	// 'r', 'd' or 'D'.
	Time byte
	// Loc is the zone of evt.time, evt.datetime and friends (time.Local
	// when nil). As in sysdig, the zone offset of the current date is
	// used for every event.
	Loc *time.Location
}

// Kind is the Go-level kind of a value.
type Kind uint8

const (
	// KindNone: no value.
	KindNone Kind = iota
	// KindInt: signed integer (Value.Int).
	KindInt
	// KindUint: unsigned integer, times, ports (Value.Uint).
	KindUint
	// KindBool: boolean (Value.Uint is 0 or 1).
	KindBool
	// KindString: text (Value.Str).
	KindString
	// KindBytes: binary buffer (Value.Str holds the bytes).
	KindBytes
	// KindIP: IPv4 or IPv6 address (Value.IP, Value.IPLen).
	KindIP
	// KindFloat: floating point (Value.Float).
	KindFloat
)

// Value is one extracted value; only the member its Kind names is set.
// Str may point into a buffer owned by the handle that produced it and is
// valid until that handle's next call.
type Value struct {
	Kind  Kind
	Int   int64
	Uint  uint64
	Float float64
	Str   string
	IP    [16]byte
	IPLen int
}

// KindOf returns the Go-level kind of values of type t.
func KindOf(t event.ParamType) Kind {
	switch t {
	case event.PTInt8, event.PTInt16, event.PTInt32, event.PTInt64,
		event.PTErrno, event.PTFD, event.PTPID:
		return KindInt
	case event.PTUint8, event.PTUint16, event.PTUint32, event.PTUint64,
		event.PTRelTime, event.PTAbsTime, event.PTPort, event.PTL4Proto,
		event.PTSockFamily, event.PTFlags8, event.PTFlags16, event.PTFlags32,
		event.PTMode, event.PTUID, event.PTGID, event.PTSyscallID, event.PTSigType,
		event.PTSigSet:
		return KindUint
	case event.PTBool:
		return KindBool
	case event.PTCharBuf, event.PTFSPath, event.PTFSRelPath:
		return KindString
	case event.PTByteBuf:
		return KindBytes
	case event.PTIPv4Addr, event.PTIPv6Addr, event.PTIPAddr, event.PTIPNet,
		event.PTIPv4Net, event.PTIPv6Net:
		return KindIP
	case event.PTDouble:
		return KindFloat
	}
	return KindNone
}

// typeNames are sysdig's spellings of the parameter types (-lv, errors).
var typeNames = [...]string{
	event.PTNone: "NONE", event.PTInt8: "INT8", event.PTInt16: "INT16",
	event.PTInt32: "INT32", event.PTInt64: "INT64", event.PTUint8: "UINT8",
	event.PTUint16: "UINT16", event.PTUint32: "UINT32", event.PTUint64: "UINT64",
	event.PTCharBuf: "CHARBUF", event.PTByteBuf: "BYTEBUF", event.PTErrno: "ERRNO",
	event.PTSockAddr: "SOCKADDR", event.PTSockTuple: "SOCKTUPLE", event.PTFD: "FD",
	event.PTPID: "PID", event.PTFDList: "FDLIST", event.PTFSPath: "FSPATH",
	event.PTSyscallID: "SYSCALLID", event.PTSigType: "SIGTYPE",
	event.PTRelTime: "RELTIME", event.PTAbsTime: "ABSTIME", event.PTPort: "PORT",
	event.PTL4Proto: "L4PROTO", event.PTSockFamily: "SOCKFAMILY", event.PTBool: "BOOL",
	event.PTIPv4Addr: "IPV4ADDR", event.PTDyn: "DYNAMIC", event.PTFlags8: "FLAGS8",
	event.PTFlags16: "FLAGS16", event.PTFlags32: "FLAGS32", event.PTUID: "UID",
	event.PTGID: "GID", event.PTDouble: "DOUBLE", event.PTSigSet: "SIGSET",
	event.PTCharBufArray: "CHARBUFARRAY", event.PTCharBufPairArray: "CHARBUF_PAIR_ARRAY",
	event.PTIPv4Net: "IPV4NET", event.PTIPv6Addr: "IPV6ADDR", event.PTIPv6Net: "IPV6NET",
	event.PTIPAddr: "IPADDR", event.PTIPNet: "IPNET", event.PTMode: "MODE",
	event.PTFSRelPath: "FSRELPATH",
}

// TypeName returns sysdig's name of a parameter type ("CHARBUF", "RELTIME").
func TypeName(t event.ParamType) string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "UNKNOWN"
}
