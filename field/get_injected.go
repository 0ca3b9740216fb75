package field

import (
	"xtrace/inspect"
	"xtrace/scap"
)

// getEvtInjected is evt.injected: the recorder marked the event's block
// with scap.FlagInjected (xtrace --inject).
func getEvtInjected(f *Field, e *inspect.Event) bool {
	return f.setBool(e.DumpFlags&scap.FlagInjected != 0)
}
