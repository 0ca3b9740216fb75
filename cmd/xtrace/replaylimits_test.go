package main

import (
	"os"
	"os/exec"
	"testing"

	"xtrace/internal/testutil"
)

// TestReplayDuration: -M SECS on replay stops where sysdig stops (the
// first delivered event SECS after the first one ends the capture, unseen).
func TestReplayDuration(t *testing.T) {
	sysdig := testutil.LookTool(t, "sysdig")
	for _, c := range []struct{ capture, secs string }{
		{"inspect_502Error.scap", "1"},
		{"inspect_502Error.scap", "5"},
		{"falco_cat_write.scap", "1"},
		{"falco_cat_write.scap", "2"},
	} {
		t.Run(c.capture+"/"+c.secs, func(t *testing.T) {
			path := "../../testdata/captures/" + c.capture
			cmd := exec.Command(sysdig, "-r", path, "-M", c.secs)
			cmd.Env = append(os.Environ(), "TZ=UTC")
			want, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			got, _, code := runXtrace([]string{"-r", path, "-M", c.secs})
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			if diff := compareOutput(got, want, compareExact, 0); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}
