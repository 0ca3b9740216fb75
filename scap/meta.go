package scap

// Header is the metadata of one section: everything a capture says about the
// machine before its first event.
type Header struct {
	// Major and Minor are the SHB version (sysdig writes 1.2).
	Major, Minor uint16
	// Machine is nil when the section has no MI block.
	Machine *MachineInfo
	// Interfaces holds the IPv4 then IPv6 addresses of the IL block.
	Interfaces []Interface
	// Users and Groups come from the UL block.
	Users  []User
	Groups []Group
	// Procs lists one entry per thread, in file order (PL blocks).
	Procs []Proc
	// FDs lists the fd tables (FDL blocks), in file order.
	FDs []FDList
	// HasIL and HasUL record whether those blocks were present (an empty
	// list and a missing block read the same otherwise).
	HasIL, HasUL bool
	// Recorder says how the events were recorded, as "key=value" lines
	// (xtrace writes "backend=ptrace" or "backend=agent"): an xtrace
	// block before the MI, which other readers skip. Empty: no block.
	Recorder string
}

// MachineInfo is the MI block: 180 bytes.
type MachineInfo struct {
	NumCPUs     uint32
	MemoryBytes uint64
	MaxPID      uint64
	Hostname    string // at most 127 bytes
	Reserved    [4]uint64
}

// Interface kinds (IL entry types).
const (
	IfIPv4            = 1
	IfIPv6            = 2
	IfIPv4NoLinkSpeed = 3 // v1 blocks only
	IfIPv6NoLinkSpeed = 4 // v1 blocks only
)

// Interface is one address of one network interface.
type Interface struct {
	// Type is IfIPv4 or IfIPv6 (the no-linkspeed v1 kinds are read as
	// these, with LinkSpeed 0).
	Type uint16
	// Addr, Netmask and Bcast hold 4 bytes (IPv4) or 16 bytes (IPv6), in
	// network order.
	Addr, Netmask, Bcast []byte
	LinkSpeed            uint64
	Name                 string
}

// User is a user-list entry.
type User struct {
	UID, GID             uint32
	Name, HomeDir, Shell string
}

// Group is a group-list entry.
type Group struct {
	GID  uint32
	Name string
}

// Proc is a process-list entry: one thread as it was when the capture
// started. Fields that older PL versions lack hold the defaults libscap
// gives them (-1 for SID, VPGID, VTID, VPID and LoginUID).
type Proc struct {
	TID, PID, PTID int64
	SID, VPGID     int64
	Comm           string // task comm (proc.name)
	Exe            string // argv[0]
	ExePath        string // resolved executable path
	// Args holds argv[1:], each argument followed by a NUL.
	Args        string
	Cwd         string
	FDLimit     int64
	Flags       uint32 // PPM_CL_* bits: 0 for main threads
	UID, GID    uint32
	VMSizeKB    uint32
	VMRSSKB     uint32
	VMSwapKB    uint32
	PFMajor     uint64
	PFMinor     uint64
	Env         string // KEY=VAL entries each followed by a NUL
	VTID, VPID  int64
	Cgroups     string // subsys=path entries each followed by a NUL
	Root        string
	LoginUID    int32
	ExeWritable bool
}

// FD types as stored in FDL entries.
const (
	FDUnknown     = 0
	FDFile        = 1
	FDDirectory   = 2
	FDIPv4Sock    = 3
	FDIPv6Sock    = 4
	FDIPv4Serv    = 5
	FDIPv6Serv    = 6
	FDFIFO        = 7
	FDUnixSock    = 8
	FDEvent       = 9
	FDUnsupported = 10
	FDSignalFD    = 11
	FDEventPoll   = 12
	FDInotify     = 13
	FDTimerFD     = 14
	FDNetlink     = 15
	FDFileV2      = 16
)

// FD is one fd-list entry.
type FD struct {
	Num  int64
	Ino  uint64
	Type uint8
	// Name is the path or name for every type except the inet sockets.
	Name string
	// OpenFlags (PPM_O_*) and Dev are set for FDFileV2.
	OpenFlags uint32
	Dev       uint32
	// SIP/DIP hold 4 (IPv4) or 16 (IPv6) bytes in network order; for
	// server sockets only SIP and SPort are used.
	SIP, DIP     []byte
	SPort, DPort uint16
	L4Proto      uint8
	// Source and Dest are the endpoint ids of a unix socket.
	Source, Dest uint64
}

// FDList is the fd table of one thread (an FDL block).
type FDList struct {
	TID uint64
	FDs []FD
}
