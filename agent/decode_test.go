package agent

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"xtrace/agent/ring"
	"xtrace/decode"
	"xtrace/event"
	"xtrace/scap"
)

// TestDecodeRecords turns the agent's records of a program into scap
// events through package decode, reading the memory the agent copied
// (decode.Call.Mem) instead of the process's: the openat exit names the
// file and the write and read exits carry the data, as the ptrace
// backend's events do.
func TestDecodeRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	s := session(t)
	dec := decode.New(decode.Options{Snaplen: 80})
	defer dec.Close()
	var calls Calls
	var mem Memory
	got := map[string][]string{}
	cmd := exec.Command(work(t), "io", path)
	cmd.Stderr = os.Stderr
	extended := 0
	err := s.Run(cmd, func(r *ring.Record) {
		c := calls.Call(r)
		if r.Kind == ring.KindExit {
			if _, ok := event.ExtendedType(int(r.NR), event.Exit); ok {
				// A syscall sysdig records as generic: its extended
				// exit decodes from the copied memory too.
				mem.Set(r.Mem)
				c.Mem = &mem
				if _, err := dec.Exit(1, &c); err != nil {
					t.Errorf("decoding the exit of syscall %d: %v", r.NR, err)
				}
				extended++
				return
			}
		}
		if r.Kind != ring.KindExit || (r.NR != sysOpenat && r.NR != sysWrite && r.NR != sysRead) || r.Ret < 0 {
			return
		}
		mem.Set(r.Mem)
		c.Mem = &mem
		raw, err := dec.Exit(1, &c)
		if err != nil {
			t.Errorf("decoding the exit of syscall %d: %v", r.NR, err)
			return
		}
		var ev scap.Event
		if err := ev.Load(0, 0, raw); err != nil {
			t.Errorf("syscall %d: %v", r.NR, err)
			return
		}
		d := ev.Desc()
		for i, p := range d.Params[:ev.NumParams()] {
			if p.Name == "name" || p.Name == "data" {
				got[d.Name] = append(got[d.Name], string(bytes.TrimSuffix(ev.Param(i), []byte{0})))
			}
		}
	})
	if err != nil {
		t.Fatalf("work io: %v", err)
	}
	// getppid, which sysdig records as generic: 100 extended exits.
	s2 := session(t)
	extended = 0
	err = s2.Run(exec.Command(work(t), "getppid", "100"), func(r *ring.Record) {
		c := calls.Call(r)
		if r.Kind != ring.KindExit || r.NR != sysGetppid {
			return
		}
		mem.Set(r.Mem)
		c.Mem = &mem
		raw, err := dec.Exit(1, &c)
		if err != nil {
			t.Errorf("decoding getppid's exit: %v", err)
			return
		}
		// Written as a generic exit with xtrace's prefix and result.
		var ev scap.Event
		if err := ev.Load(0, 0, raw); err != nil {
			t.Errorf("getppid exit: %v", err)
		} else if ev.Type != event.GenericX {
			t.Errorf("getppid exit written as type %d", ev.Type)
		}
		extended++
	})
	if err != nil {
		t.Fatalf("work getppid: %v", err)
	}
	if extended != 100 {
		t.Errorf("%d getppid exits decoded, want 100", extended)
	}
	want := map[string]string{"openat": path, "write": "hello agent", "read": "hello agent"}
	for name, w := range want {
		found := false
		for _, g := range got[name] {
			found = found || g == w
		}
		if !found {
			t.Errorf("%s exits carry %q, want one with %q", name, got[name], w)
		}
	}
}
