package field

import (
	"xtrace/event"
	"xtrace/inspect"
)

// scCategory is evt.category of a generic event: the category sysdig's
// syscall table gives the syscall (event.SCCategory); the I/O categories
// print "unknown", since a generic event names no fd.
func scCategory(e *inspect.Event) string {
	code, ok := e.ParamUint(0)
	if !ok || code > 0xffff {
		return "other"
	}
	c, _ := event.SCCategory(uint16(code))
	if c.IsIO() {
		return "unknown"
	}
	return c.String()
}
