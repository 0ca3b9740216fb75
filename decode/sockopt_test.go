package decode

import "testing"

// TestSockoptNames: SOL_SOCKET option numbers convert to the PPM values of
// sockopt_options through native_values.tsv, and the options the driver
// reads as a u32 are marked (SO_ERROR and the timeouts are not).
func TestSockoptNames(t *testing.T) {
	for _, c := range []struct {
		native uint64
		ppm    uint8
		u32    bool
	}{
		{1, 1, true},    // SO_DEBUG
		{2, 2, true},    // SO_REUSEADDR
		{4, 4, false},   // SO_ERROR
		{13, 13, false}, // SO_LINGER
		{20, 20, false}, // SO_RCVTIMEO
		{49, 49, true},  // SO_INCOMING_CPU
		{55, 52, false}, // SO_MEMINFO
		{57, 53, false}, // SO_COOKIE
		{59, 51, false}, // SO_PEERGROUPS
	} {
		if got := sockoptName(solSocket, c.native); got != c.ppm {
			t.Errorf("sockoptName(SOL_SOCKET, %d) = %d, want %d", c.native, got, c.ppm)
		}
		if sockoptU32[c.native] != c.u32 {
			t.Errorf("option %d: u32 = %v, want %v", c.native, sockoptU32[c.native], c.u32)
		}
	}
	if got := sockoptName(solTCP, 2); got != 0 {
		t.Errorf("sockoptName(SOL_TCP, 2) = %d, want 0", got)
	}
}
