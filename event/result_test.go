package event

import "testing"

// TestResult: the result parameter is "res", or "fd" on the exit of a
// call that creates an fd, and none elsewhere.
func TestResult(t *testing.T) {
	for _, c := range []struct {
		sym  string
		want int
	}{
		{"SYSCALL_OPEN_E", -1}, {"SYSCALL_OPEN_X", 0}, {"SYSCALL_CLOSE_X", 0},
		{"SYSCALL_CLOSE_E", -1}, {"GENERIC_X", -1},
	} {
		var d *Desc
		for ty := Type(0); ty < NumTypes; ty++ {
			if Info(ty).Symbol == c.sym {
				d = Info(ty)
			}
		}
		if d == nil {
			t.Fatalf("no %s", c.sym)
		}
		if got := d.Result(); got != c.want {
			t.Errorf("%s: Result() = %d, want %d", c.sym, got, c.want)
		}
	}
}
