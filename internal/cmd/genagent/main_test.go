package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestClassify checks how fetches are classified: their captures, whether
// they read the live process, and that an unknown kind is an error.
func TestClassify(t *testing.T) {
	tests := []struct {
		fetch   string
		caps    []capture
		live    live
		wantErr bool
	}{
		{"path(a1)", []capture{{opStr, 1, 0, pathMax}}, liveNo, false},
		{"fddev(ret)", nil, liveOK, false},
		{"fddev(a0)", nil, liveAlways, false},
		{"tupleaccept(ret)", nil, liveOK, false},
		{"tuplein(a0,a4,a5)", []capture{{opFixed, 5, 0, 4}, {opBufDeref, 4, 5, sockaddrMax}}, liveOK, false},
		{"tupleout(a0,a1,a2)", []capture{{opBufCap, 1, 2, sockaddrMax}}, liveAlways, false},
		{"fdsockaddr(a0,a1,a2)", []capture{{opBufCap, 1, 2, sockaddrMax}}, liveNo, false},
		{"pairid(a3,0)", []capture{{opFixed, 3, 0, 8}}, liveOK, false},
		{"pipeino(a0)", []capture{{opFixed, 0, 0, 8}}, liveAlways, false},
		{"vm(rss)", nil, liveAlways, false},
		{"proc(exe)", nil, liveAlways, false},
		{"cloneflagsx(clone)", nil, liveAlways, false},
		{"backlog(a0,pct)", nil, liveAlways, false},
		{"nosuchkind(a0)", nil, liveNo, true},
	}
	for _, tt := range tests {
		t.Run(tt.fetch, func(t *testing.T) {
			caps, l, err := classify(parseFetch(tt.fetch))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if l != tt.live {
				t.Errorf("live %d, want %d", l, tt.live)
			}
			if len(caps) != len(tt.caps) {
				t.Fatalf("captures %v, want %v", caps, tt.caps)
			}
			for i := range caps {
				if caps[i] != tt.caps[i] {
					t.Errorf("capture %d: %v, want %v", i, caps[i], tt.caps[i])
				}
			}
		})
	}
}

// TestSyncTable generates the header from the real tables and checks the
// synchronous records it lists against what the decoder reads.
func TestSyncTable(t *testing.T) {
	src, err := generate("../../../event/tables")
	if err != nil {
		t.Fatal(err)
	}
	body := string(src)
	i := strings.Index(body, "xa_sync[XA_CAP_NSYS][2] = {")
	if i < 0 {
		t.Fatal("no xa_sync table")
	}
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`\[(\d+)\] = \{(XA_SYNC_\w+), (XA_SYNC_\w+)\}, /\* (\w+) \*/`).FindAllStringSubmatch(body[i:], -1) {
		got[m[4]] = m[2] + " " + m[3]
	}
	want := map[string]string{
		"openat":   "XA_SYNC_NO XA_SYNC_OK",     // dev of the fd it returns
		"mmap":     "XA_SYNC_NO XA_SYNC_ALWAYS", // vm counters
		"clone":    "XA_SYNC_NO XA_SYNC_ALWAYS", // /proc of the thread
		"clone3":   "XA_SYNC_NO XA_SYNC_ALWAYS",
		"execve":   "XA_SYNC_NO XA_SYNC_ALWAYS",
		"sendto":   "XA_SYNC_ALWAYS XA_SYNC_NO", // tuple at enter
		"recvfrom": "XA_SYNC_NO XA_SYNC_OK",     // tuple of a received message
		"accept4":  "XA_SYNC_NO XA_SYNC_ALWAYS", // backlog of the listening socket
		"pipe2":    "XA_SYNC_NO XA_SYNC_ALWAYS",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %q, want %q", name, got[name], w)
		}
	}
	for _, name := range []string{"getppid", "read", "write", "listen", "close", "newfstatat"} {
		if g, ok := got[name]; ok {
			t.Errorf("%s is synchronous (%s); its events read no live state", name, g)
		}
	}
}
