package scap

import (
	"fmt"

	"xtrace/event"
)

// FlagInjected marks an event of a syscall whose result the recorder
// injected (xtrace --inject): the call did not run, or ran and had its
// return value replaced. sysdig 0.29.3 keeps unknown EVF flags out of its
// state and output, so such a file still reads there (without the mark).
const FlagInjected = 1 << 16

// Load fills e from one event in v2 layout, as the Reader would have
// returned it from a block with that cpu and those dump flags. e keeps
// raw. It lets a consumer of events built in memory (the recorder's fault
// injector) run them through the same state engine as a capture.
func (e *Event) Load(cpu uint16, flags uint32, raw []byte) error {
	e.Offset, e.CPU, e.DumpFlags = 0, cpu, flags
	if err := e.decode(raw); err != nil {
		return fmt.Errorf("scap: loading event: %w", err)
	}
	return nil
}

// LoadPromoted is Load followed by what the Reader does by default to a
// generic event written by xtrace: it becomes its syscall's extended type
// (see Reader.SetSysdigCompat). Consumers that filter or keep state on
// recorded events (the fault injector, the flight recorder) use it, so
// that evt.type=newfstatat and the extended types' parsers work there as
// on replay; one that rewrites the event's bytes keeps Load.
func (e *Event) LoadPromoted(cpu uint16, flags uint32, raw []byte) error {
	if err := e.Load(cpu, flags, raw); err != nil {
		return err
	}
	if e.Type <= event.GenericX {
		e.promote()
	}
	return nil
}
