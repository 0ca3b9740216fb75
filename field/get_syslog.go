package field

import "xtrace/inspect"

// Getters of the syslog class: the message the inspector's syslog decoder
// took from the event's write to /dev/log.

func getSyslogFacility(f *Field, e *inspect.Event) bool {
	fac, _, _, _, _, ok := e.Syslog()
	return ok && f.setUint(uint64(fac))
}

func getSyslogFacilityStr(f *Field, e *inspect.Event) bool {
	_, _, name, _, _, ok := e.Syslog()
	return ok && f.setString(name)
}

func getSyslogSeverity(f *Field, e *inspect.Event) bool {
	_, sev, _, _, _, ok := e.Syslog()
	return ok && f.setUint(uint64(sev))
}

func getSyslogSeverityStr(f *Field, e *inspect.Event) bool {
	_, _, _, name, _, ok := e.Syslog()
	return ok && f.setString(name)
}

func getSyslogMessage(f *Field, e *inspect.Event) bool {
	_, _, _, _, msg, ok := e.Syslog()
	return ok && f.setString(bytesView(msg))
}
