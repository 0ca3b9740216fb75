package tracer

import "testing"

func TestStatusFields(t *testing.T) {
	status := []byte("Name:\tcat\nTgid:\t4242\nPPid:\t1\nTracerPid:\t0\nUid:\t1000\t1001\t1002\t1003\nSigIgn:\t0000000000000004\nSigCgt:\t0000000000010002\n")
	for _, c := range []struct {
		key  string
		want int64
	}{
		{"Tgid:", 4242}, {"PPid:", 1}, {"TracerPid:", 0}, {"Uid:", 1000}, {"Missing:", 0},
	} {
		if got := statusInt(status, c.key); got != c.want {
			t.Errorf("statusInt(%q) = %d, want %d", c.key, got, c.want)
		}
	}
	if got := statusHex(status, "SigIgn:"); got != 4 {
		t.Errorf("SigIgn = %#x, want 0x4", got)
	}
	if got := statusHex(status, "SigCgt:"); got != 0x10002 {
		t.Errorf("SigCgt = %#x, want 0x10002", got)
	}
}
