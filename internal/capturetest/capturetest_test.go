package capturetest_test

import (
	"testing"

	"xtrace/inspect"
	"xtrace/internal/capturetest"
	"xtrace/scap"
)

func TestEventAt(t *testing.T) {
	ev := capturetest.EventAt(t, "../../testdata/captures/libs_curl_google.scap", 219)
	if ev.Num != 219 || ev.Info == nil || ev.Info.Name != "open" {
		t.Errorf("event 219 is %d %v", ev.Num, ev.Info)
	}
}

func TestReplayStops(t *testing.T) {
	n := 0
	capturetest.Replay(t, capturetest.Open(t, "../../testdata/captures/falco_cat_write.scap"), nil, func(*scap.Event, *inspect.Event) bool {
		n++
		return n < 3
	})
	if n != 3 {
		t.Errorf("fn ran %d times, want 3", n)
	}
}
