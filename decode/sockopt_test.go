package decode

import (
	"testing"

	"xtrace/event"
)

// TestSockoptNames: SOL_SOCKET option numbers convert to the PPM values of
// sockopt_options through native_values.tsv, with the kind of value the
// driver records for each (its traits column).
func TestSockoptNames(t *testing.T) {
	for _, c := range []struct {
		native uint64
		ppm    uint8
		kind   event.OptValue
	}{
		{1, 1, event.OptU32},       // SO_DEBUG
		{2, 2, event.OptU32},       // SO_REUSEADDR
		{4, 4, event.OptErrno},     // SO_ERROR
		{13, 13, event.OptBytes},   // SO_LINGER
		{20, 20, event.OptTimeval}, // SO_RCVTIMEO
		{21, 21, event.OptTimeval}, // SO_SNDTIMEO
		{49, 49, event.OptU32},     // SO_INCOMING_CPU
		{55, 52, event.OptBytes},   // SO_MEMINFO
		{57, 53, event.OptU64},     // SO_COOKIE
		{59, 51, event.OptBytes},   // SO_PEERGROUPS
	} {
		if got := sockoptName(solSocket, c.native); got != c.ppm {
			t.Errorf("sockoptName(SOL_SOCKET, %d) = %d, want %d", c.native, got, c.ppm)
		}
		if sockoptKind[c.native] != c.kind {
			t.Errorf("option %d: kind %d, want %d", c.native, sockoptKind[c.native], c.kind)
		}
	}
	if got := sockoptName(solTCP, 2); got != 0 {
		t.Errorf("sockoptName(SOL_TCP, 2) = %d, want 0", got)
	}
}
