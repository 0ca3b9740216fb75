package event

// Per-event facts that the state engine and the fields need beyond the
// parameter layout, given in event/tables/event_facts.tsv (and, for
// xtrace's own types, xtrace_events.tsv) and checked by the generator:
// a name outside the vocabulary below fails generation.

// Parser names the state parser sinsp runs for an event type (its
// process_event switch, as data). Package inspect maps each value to a
// function; ParserNone types only pass through the common bookkeeping.
type Parser uint8

// The parsers. Their names in event_facts.tsv are the lower-case words
// after "Parser", joined by underscores (parser=rw_exit).
const (
	ParserNone Parser = iota
	ParserRWExit
	ParserOpenExit
	ParserWaitEnter
	ParserCloneExit
	ParserExecveExit
	ParserThreadExit
	ParserPipeExit
	ParserSocketExit
	ParserBindExit
	ParserConnectEnter
	ParserConnectExit
	ParserAcceptExit
	ParserCloseEnter
	ParserCloseExit
	ParserFcntlEnter
	ParserFcntlExit
	ParserNewFD // an fd of the kind of the enter's FDKind, numbered by the result
	ParserChdirExit
	ParserFchdirExit
	ParserDupExit
	ParserRlimitExit
	ParserPrlimitExit
	ParserSocketpairExit
	ParserContextSwitch
	ParserMemExit
	ParserSetresuidExit
	ParserSetresgidExit
	ParserSetuidExit
	ParserSetgidExit
	ParserContainer
	ParserContainerJSON
	ParserChrootExit
	ParserSetsidExit
	ParserGetsockoptExit
	NumParsers
)

// Fact is a set of yes/no facts about an event type.
type Fact uint16

// The facts. Their names in event_facts.tsv are in parentheses.
const (
	// FactStore: the state engine keeps a copy of the enter event for
	// the exit's parser (store).
	FactStore Fact = 1 << iota
	// FactInferSendto: a missing socket is created for sendto before
	// the enter is stored (infer_sendto).
	FactInferSendto
	// FactOpenLike: evt.is_open_* read the event's flags and mode
	// (open_like).
	FactOpenLike
	// FactCreatExit: creat's exit, whose mode evt.is_open_exec reads
	// (creat_exit).
	FactCreatExit
	// FactNameFromParam1: an exit whose second parameter names the fd it
	// creates, which fd.name shows when the fd is not in the table
	// (name_from_param1).
	FactNameFromParam1
	// FactNameFromDirfd: an openat-like exit whose fd name is built from
	// its dirfd and name parameters (name_from_dirfd).
	FactNameFromDirfd
	// FactOpenEnter: the enter of a file-creating call; fd.filename of an
	// event without fd has a value only for these (open_enter).
	FactOpenEnter
	// FactConnectExit: connect's exit; a failed connect has no fd name
	// (connect_exit).
	FactConnectExit
	// FactOpenExit: open's exit (open_exit).
	FactOpenExit
	// FactNeverFails: an exit whose result is never negative, so that
	// evt.failed cannot match it (never_fails: brk returns the old break
	// on failure).
	FactNeverFails
)

// Has reports whether every fact of f is set for the event type.
func (d *Desc) Has(f Fact) bool { return d.Facts&f == f }

// NoParam marks an absent parameter index in [Desc.AbsPath].
const NoParam = -1

// NativeValue is the native x86_64 value of a name of a PPM flag table
// (event/tables/native_values.tsv): what the decoder converts a register
// into the table's value with.
type NativeValue struct {
	Table, Name string
	Native      uint64
	PPM         uint64
	// Opt is how the driver records the value of a socket option
	// (the traits column; OptBytes for the rest).
	Opt OptValue
}

// OptValue is how the driver records a SOL_SOCKET option's value
// (native_values.tsv traits: u32, errno, timeval, u64).
type OptValue uint8

// The socket option value kinds.
const (
	OptBytes   OptValue = iota // the raw bytes (-)
	OptU32                     // a u32 (u32)
	OptErrno                   // an int error, stored negated (errno)
	OptTimeval                 // a struct timeval, as nanoseconds (timeval)
	OptU64                     // a u64 (u64)
)

// NativeValues returns the native values of flag table table's names.
func NativeValues(table string) []NativeValue {
	var out []NativeValue
	for _, v := range nativeValues {
		if v.Table == table {
			out = append(out, v)
		}
	}
	return out
}
