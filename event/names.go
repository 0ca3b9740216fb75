package event

// paramTypeNames are the names sysdig prints for parameter types (-L,
// -l -v). IPV6ADDR and IPV6NET have none in sysdig 0.29.3.
var paramTypeNames = [...]string{
	PTNone: "NONE", PTInt8: "INT8", PTInt16: "INT16", PTInt32: "INT32", PTInt64: "INT64",
	PTUint8: "UINT8", PTUint16: "UINT16", PTUint32: "UINT32", PTUint64: "UINT64",
	PTCharBuf: "CHARBUF", PTByteBuf: "BYTEBUF", PTErrno: "ERRNO", PTSockAddr: "SOCKADDR",
	PTSockTuple: "SOCKTUPLE", PTFD: "FD", PTPID: "PID", PTFDList: "FDLIST", PTFSPath: "FSPATH",
	PTSyscallID: "SYSCALLID", PTSigType: "SIGTYPE", PTRelTime: "RELTIME", PTAbsTime: "ABSTIME",
	PTPort: "PORT", PTL4Proto: "L4PROTO", PTSockFamily: "SOCKFAMILY", PTBool: "BOOL",
	PTIPv4Addr: "IPV4ADDR", PTDyn: "DYNAMIC", PTFlags8: "FLAGS8", PTFlags16: "FLAGS16",
	PTFlags32: "FLAGS32", PTUID: "UID", PTGID: "GID", PTDouble: "DOUBLE", PTSigSet: "SIGSET",
	PTCharBufArray: "CHARBUFARRAY", PTCharBufPairArray: "CHARBUF_PAIR_ARRAY",
	PTIPv4Net: "IPV4NET", PTIPAddr: "IPADDR", PTIPNet: "IPNET", PTMode: "MODE",
	PTFSRelPath: "FSRELPATH",
}

// String returns the type name sysdig prints ("UINT32", "FD", ...), or
// "<NA>" for types it has no name for.
func (t ParamType) String() string {
	if int(t) < len(paramTypeNames) && paramTypeNames[t] != "" {
		return paramTypeNames[t]
	}
	return "<NA>"
}
