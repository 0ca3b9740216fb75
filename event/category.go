package event

// Category is the EC_* category of an event type. The numeric values are
// the driver's: the I/O categories share bit 5 and EC_INTERNAL is 256.
type Category uint16

const (
	CatUnknown    Category = 0
	CatOther      Category = 1
	CatFile       Category = 2
	CatNet        Category = 3
	CatIPC        Category = 4
	CatMemory     Category = 5
	CatProcess    Category = 6
	CatSleep      Category = 7
	CatSystem     Category = 8
	CatSignal     Category = 9
	CatUser       Category = 10
	CatTime       Category = 11
	CatProcessing Category = 12
	CatIORead     Category = 32
	CatIOWrite    Category = 33
	CatIOOther    Category = 34
	CatWait       Category = 64
	CatScheduler  Category = 128
	CatInternal   Category = 256
)

// IsIO reports whether the category is one of the I/O categories, whose
// displayed name depends on the fd the event works on.
func (c Category) IsIO() bool { return c&CatIORead != 0 && c < CatWait }

// categoryNames are the tables' spelling of each category (events.tsv).
var categoryNames = map[string]Category{
	"unknown": CatUnknown, "other": CatOther, "file": CatFile, "net": CatNet,
	"ipc": CatIPC, "memory": CatMemory, "process": CatProcess, "sleep": CatSleep,
	"system": CatSystem, "signal": CatSignal, "user": CatUser, "time": CatTime,
	"processing": CatProcessing, "io_read": CatIORead, "io_write": CatIOWrite,
	"io_other": CatIOOther, "wait": CatWait, "scheduler": CatScheduler,
	"internal": CatInternal,
}

// String returns the name evt.category prints for non-I/O categories
// ("IPC", "net", ...). I/O categories print the fd's class instead, which
// the caller decides; for them String returns "unknown".
func (c Category) String() string {
	switch c {
	case CatOther:
		return "other"
	case CatFile:
		return "file"
	case CatNet:
		return "net"
	case CatIPC:
		return "IPC"
	case CatMemory:
		return "memory"
	case CatProcess:
		return "process"
	case CatSleep:
		return "sleep"
	case CatSystem:
		return "system"
	case CatSignal:
		return "signal"
	case CatUser:
		return "user"
	case CatTime:
		return "time"
	case CatProcessing:
		return "processing"
	case CatWait:
		return "wait"
	case CatScheduler:
		return "scheduler"
	}
	return "unknown"
}
