package export

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"testing"
)

// TestPerfettoStructure checks the timeline of a capture: one complete
// slice per call that returned, with the call's duration; a named track
// per thread inside a named process; a lifetime per process.
func TestPerfettoStructure(t *testing.T) {
	for _, c := range []string{
		"../testdata/captures/libs_curl_google.scap",
		"../testdata/captures/inspect_502Error.scap",
	} {
		t.Run(c, func(t *testing.T) {
			sys, procs := exportNDJSON(t, c, Options{})
			var buf bytes.Buffer
			x, err := New(NewPerfetto(&buf), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := ExportFile(context.Background(), c, x); err != nil {
				t.Fatal(err)
			}
			var tr struct {
				TraceEvents []struct {
					Ph   string         `json:"ph"`
					Name string         `json:"name"`
					Cat  string         `json:"cat"`
					TS   *float64       `json:"ts"`
					Dur  float64        `json:"dur"`
					PID  *int64         `json:"pid"`
					TID  *int64         `json:"tid"`
					ID   *int64         `json:"id"`
					Args map[string]any `json:"args"`
				} `json:"traceEvents"`
				OtherData map[string]any `json:"otherData"`
			}
			if err := json.Unmarshal(buf.Bytes(), &tr); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			var wantSlices, wantInstants int
			var wantDur float64
			tids := map[int64]bool{}
			for _, r := range sys {
				if d, ok := r["dur"].(json.Number); ok {
					wantSlices++
					f, _ := d.Float64()
					wantDur += f / 1000
				} else {
					wantInstants++
				}
				n, _ := r["tid"].(json.Number).Int64()
				tids[n] = true
			}
			var slices, instants, begins, ends, failed int
			var dur float64
			threadNames := map[int64]bool{}
			processNames := map[int64]bool{}
			for _, e := range tr.TraceEvents {
				switch e.Ph {
				case "X":
					slices++
					dur += e.Dur
					if e.TS == nil || e.PID == nil || e.TID == nil || e.Name == "" {
						t.Fatalf("slice without ts/pid/tid/name: %+v", e)
					}
					if e.Args["failed"] == true {
						failed++
					}
				case "i":
					instants++
				case "b":
					begins++
				case "e":
					ends++
				case "M":
					switch e.Name {
					case "thread_name":
						threadNames[*e.TID] = true
					case "process_name":
						processNames[*e.PID] = true
					}
					if e.Args["name"] == nil {
						t.Errorf("metadata without a name: %+v", e)
					}
				default:
					t.Errorf("unexpected phase %q", e.Ph)
				}
			}
			if slices != wantSlices || instants != wantInstants {
				t.Errorf("%d slices, %d instants; rows: %d returned, %d did not", slices, instants, wantSlices, wantInstants)
			}
			// Durations are written in µs with 3 decimals: exact.
			if math.Abs(dur-wantDur) > 1e-6*float64(slices)+1e-3 {
				t.Errorf("total slice duration %.3f µs, rows %.3f µs", dur, wantDur)
			}
			if begins != len(procs) || ends != len(procs) || len(processNames) != len(procs) {
				t.Errorf("%d/%d lifetime begins/ends, %d process names, for %d processes", begins, ends, len(processNames), len(procs))
			}
			for tid := range tids {
				if !threadNames[tid] {
					t.Errorf("thread %d has no thread_name", tid)
				}
			}
			if failed == 0 {
				t.Error("no failed slice flagged")
			}
			if tr.OtherData["xtrace_start_ns"] == nil {
				t.Error("no start time")
			}
		})
	}
}
