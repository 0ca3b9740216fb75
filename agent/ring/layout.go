package ring

// The region layout of agent/src/ring.h, checked by TestLayout.
const (
	Magic       = 0x31544e4741525458 // "XTRAGNT1"
	Page        = 4096
	NRings      = 1024
	RingBytes   = 1 << 18
	RingStride  = Page + RingBytes
	RegionBytes = Page + NRings*RingStride

	hdrMagic     = 0
	hdrNRings    = 8
	hdrRingBytes = 12
	hdrDoorbell  = 16
	hdrSleeping  = 20
	hdrClaims    = 24
	hdrSnaplen   = 28
	hdrClosed    = 32
	hdrXtracePid = 36
	hdrFlags     = 40
	hdrActive    = 64

	ringState   = 0
	ringTid     = 4
	ringPid     = 8
	ringGen     = 12
	ringExecNR  = 16
	ringSolo    = 20
	ringHead    = 64
	ringTail    = 128
	ringWaiting = 192

	recLen   = 0
	recKind  = 4
	recFlags = 6
	recTid   = 8
	recNR    = 12
	recTSC   = 16
	recArgs  = 24
	recRet   = 24

	EnterBytes  = 72
	ExitBytes   = 32
	SignalBytes = 40
	sigCode     = 24
	sigPid      = 28
	sigUID      = 32

	ChildBytes = 40
	childFlags = 24
	childPtid  = 32
	childPpid  = 36

	ImageBytes = 32
	imagePpid  = 24

	recSync   = 1
	recAlien  = 2
	recStatic = 4

	chunkAddr  = 0
	chunkLen   = 8
	chunkFlags = 12
	chunkBytes = 16

	ChunkFault = 1
	chunkEnd   = 2
	chunkFact  = 4

	factFd      = 1
	factVM      = 2
	factFdBytes = 24
	factFdFd    = 0
	factFdOK    = 8
	factFdDev   = 12
	factFdIno   = 16
	factVMBytes = 24
	factVMSize  = 0
	factVMRSS   = 8
	factVMSwap  = 16

	factSock         = 3
	factSockBytes    = 280
	factSockFd       = 0
	factSockNameRet  = 8
	factSockPeerRet  = 12
	factSockNameLen  = 16
	factSockPeerLen  = 20
	factSockName     = 24
	factSockPeer     = 152
	factSockAddrSize = 128

	factFile          = 4
	factFileBytes     = 8
	factFileFile      = 0
	factFileRet       = 4
	factTask          = 5
	factTaskBytes     = 40
	factTaskHave      = 0
	factTaskLimitRet  = 4
	factTaskFDLimit   = 8
	factTaskExeRet    = 16
	factTaskExeRdonly = 20
	factTaskExeMode   = 24
	factTaskExeUID    = 28
	factTaskExeGID    = 32

	hdrSwap         = 1
	hdrHandover     = 2
	hdrHandoverPriv = 4

	futexWait   = 0
	futexWakeOp = 1
)

// MaxSnaplen is the longest buffer the agent copies, as the decoder
// caps it: with the chunk headers, a record stays under half a ring.
const MaxSnaplen = 65000

// Ring states.
const (
	StateFree   = 0
	StateOwned  = 1
	StateClosed = 2
)

// Record kinds.
const (
	KindPad   = 0
	KindEnter = 1
	KindExit  = 2
	// KindSignal: a signal is about to reach a program handler. NR is
	// the signal, Args[0] its si_code, Args[1] and Args[2] the sender's
	// pid and uid (for kill, tgkill and sigqueue).
	KindSignal = 3
	// KindChild is the first record of every new thread or process,
	// before the child's exit record of the call that made it (ret 0).
	// NR is that call (clone, clone3, fork or vfork), Args[0] the native
	// clone flags the program asked for (fork: SIGCHLD; vfork:
	// CLONE_VM|CLONE_VFORK|SIGCHLD, though the agent runs it as fork;
	// clone3: clone_args.flags), Args[1] the creating thread and
	// Args[2] its process.
	KindChild = 4
	// KindImage is the first record of an image that no recorded execve
	// started: the command itself, or a program an unrecorded one
	// started. Args[0] is its parent process (getppid). A synchronous
	// exit record of execve (ret 0) follows, as after a recorded execve.
	KindImage = 5
)
