package inspect

import "strings"

// syslogDecoder is sinsp's syslog protocol decoder: fds whose name
// contains "/dev/log" get a write callback that decodes "<PRI>message"
// writes. While a decoded message is pending (until the next event),
// evt.info of an event on such an fd is "syslog sev=SEV msg=MSG".
type syslogDecoder struct {
	priority           int32 // -1: nothing decoded
	facility, severity uint32
	msg                []byte
	resetPending       bool
}

var syslogSeverities = [...]string{"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"}

var syslogFacilities = [...]string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "clock", "authpriv", "ftp", "ntp", "logaudit", "logalert", "cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

const syslogDevice = "/dev/log"

// syslogWatch registers the decoder's write callback on fd when its name
// mentions /dev/log (the open, connect and fd-list hooks).
func syslogWatch(fd *FD) {
	if fd != nil && strings.Contains(fd.Name, syslogDevice) {
		fd.syslogCB++
		fd.hasCallbacks = true
	}
}

// syslogTupleChange is the hook run when a datagram changes an fd's
// tuple: it registers the callback again, or drops one registration.
func syslogTupleChange(fd *FD) {
	if fd == nil {
		return
	}
	if strings.Contains(fd.Name, syslogDevice) {
		syslogWatch(fd)
	} else if fd.hasCallbacks && fd.syslogCB > 0 {
		fd.syslogCB--
	}
}

// onWrite decodes a write to a watched fd.
func (d *syslogDecoder) onWrite(data []byte) {
	j := 0
	for tc := 1; tc < len(data) && data[tc] != '>' && data[tc] != 0 && j < 15; tc++ {
		j++
	}
	if len(data) < j+2 || j == 0 {
		d.priority = -1
		return
	}
	var pri int32
	for _, c := range data[1 : 1+j] {
		if c < '0' || c > '9' {
			d.priority = -1
			return
		}
		pri = pri*10 + int32(c-'0')
	}
	d.priority = pri
	d.severity = uint32(pri & 7)
	d.facility = uint32(pri >> 3)
	d.msg = append(d.msg[:0], data[j+2:]...)
	d.resetPending = true
}

func (d *syslogDecoder) severityName() string {
	if int(d.severity) < len(syslogSeverities) {
		return syslogSeverities[d.severity]
	}
	return "<NA>"
}

func (d *syslogDecoder) facilityName() string {
	if int(d.facility) < len(syslogFacilities) {
		return syslogFacilities[d.facility]
	}
	return "<NA>"
}

// syslogActive reports whether evt.info of e is the syslog line.
func (e *Event) syslogActive() bool {
	return e.in != nil && e.FD != nil && e.FD.hasCallbacks && e.FD.syslogCB > 0 && e.in.syslog.priority != -1
}

// Syslog returns what the syslog.* fields show: the message the syslog
// decoder took from the current event's write to /dev/log, with its
// facility and severity (numbers and names); ok is false when the event
// carries none.
func (e *Event) Syslog() (facility, severity uint32, facilityName, severityName string, msg []byte, ok bool) {
	if e.in == nil || e.in.syslog.priority == -1 {
		return 0, 0, "", "", nil, false
	}
	d := &e.in.syslog
	return d.facility, d.severity, d.facilityName(), d.severityName(), d.msg, true
}
