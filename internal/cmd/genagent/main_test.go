package main

import (
	"os"
	"path/filepath"
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
		{"fddev(ret)", []capture{{opFactFd, 0, 0, factRet}}, liveNo, false},
		{"fddev(a0)", []capture{{opFactFd, 0, 0, 0}}, liveNo, false},
		{"fddev(a2)", []capture{{opFactFd, 2, 0, 0}}, liveNo, false},
		{"tupleaccept(ret)", []capture{{opFactSock, 0, 0, factRet}}, liveFactOK, false},
		{"tupleaccept(a1)", []capture{{opFactSock, 1, 0, 0}}, liveFact, false},
		{"tuplein(a0,a4,a5)", []capture{{opFixed, 5, 0, 4}, {opBufDeref, 4, 5, sockaddrMax}, {opFactSock, 0, 0, 0}}, liveFactOK, false},
		{"tupleout(a0,a1,a2)", []capture{{opBufCap, 1, 2, sockaddrMax}, {opFactSock, 0, 0, 0}}, liveFact, false},
		{"msgtupleout(a0,a1)", []capture{{opMsg, 1, 0, 0}, {opFactSock, 0, 0, 0}}, liveFact, false},
		{"msgtuplein(a0,a1)", []capture{{opMsg, 1, 0, 1}, {opFactSock, 0, 0, 0}}, liveFactOK, false},
		{"fdsockaddr(a0,a1,a2)", []capture{{opBufCap, 1, 2, sockaddrMax}}, liveNo, false},
		{"pairid(a3,0)", []capture{{opFixedOK, 3, 0, 8}}, liveOK, false},
		{"pipeino(a0)", []capture{{opFixedOK, 0, 0, 8}, {opFactPipe, 0, 0, 0}}, liveNo, false},
		{"sigmask(a2)", []capture{{opFixedOK, 2, 0, 8}}, liveNo, false},
		{"vm(rss)", []capture{{opFactVM, 0, 0, 0}}, liveNo, false},
		{"proc(exe)", []capture{{opFactTask, 0, 0, procCmdline}}, liveFact, false},
		{"proc(env)", []capture{{opFactTask, 0, 0, procEnviron}}, liveFact, false},
		{"proc(exeflags)", []capture{{opFactTask, 0, 0, procExe}}, liveFact, false},
		{"proc(tid)", []capture{{opFactTask, 0, 0, 0}}, liveFact, false},
		{"cloneflagsx(clone)", []capture{{opFactTask, 0, 0, 0}}, liveFact, false},
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
		// /proc of the thread: the agent's task fact, but for a failed
		// execve (its fields come from its argv) or a file too long.
		"clone":    "XA_SYNC_NO XA_SYNC_FACT",
		"clone3":   "XA_SYNC_NO XA_SYNC_FACT",
		"fork":     "XA_SYNC_NO XA_SYNC_FACT",
		"execve":   "XA_SYNC_NO XA_SYNC_FACT",
		"execveat": "XA_SYNC_NO XA_SYNC_FACT",
		// Socket tuples: synchronous unless the agent's socket fact
		// covers them (an AF_INET or AF_INET6 socket).
		"connect":  "XA_SYNC_NO XA_SYNC_FACT",
		"sendto":   "XA_SYNC_FACT XA_SYNC_NO",    // tuple at enter
		"sendmsg":  "XA_SYNC_FACT XA_SYNC_NO",    // tuple at enter
		"recvfrom": "XA_SYNC_NO XA_SYNC_FACT_OK", // tuple of a received message
		"recvmsg":  "XA_SYNC_NO XA_SYNC_FACT_OK",
		"accept4":  "XA_SYNC_NO XA_SYNC_ALWAYS", // backlog of the listening socket
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %q, want %q", name, got[name], w)
		}
	}
	// The facts the agent reads itself: the device of the descriptor
	// open, openat and creat return, the inode of a new pipe, the vm
	// counters of mmap, munmap and brk, the names of a socket.
	for _, name := range []string{"getppid", "read", "write", "listen", "close", "newfstatat",
		"open", "openat", "creat", "pipe", "pipe2", "mmap", "munmap", "brk"} {
		if g, ok := got[name]; ok {
			t.Errorf("%s is synchronous (%s); its events read no live state", name, g)
		}
	}
}

// TestFactCaptures checks the fact captures the header lists for the
// calls whose events read them, and that an enter event asking for a fact
// of the result is an error.
func TestFactCaptures(t *testing.T) {
	src, err := generate("../../../event/tables")
	if err != nil {
		t.Fatal(err)
	}
	body := string(src)
	for _, tt := range []struct{ call, row string }{
		{"257 openat exit", "{XA_OP_FACT_FD, 0, 0, 0, 1}"},
		{"2 open exit", "{XA_OP_FACT_FD, 0, 0, 0, 1}"},
		{"85 creat exit", "{XA_OP_FACT_FD, 0, 0, 0, 1}"},
		{"22 pipe exit", "{XA_OP_FACT_PIPE, 0, 0, 0, 0}"},
		{"293 pipe2 exit", "{XA_OP_FACT_PIPE, 0, 0, 0, 0}"},
		{"9 mmap exit", "{XA_OP_FACT_VM, 0, 0, 0, 0}"},
		{"11 munmap exit", "{XA_OP_FACT_VM, 0, 0, 0, 0}"},
		{"12 brk exit", "{XA_OP_FACT_VM, 0, 0, 0, 0}"},
		{"42 connect exit", "{XA_OP_FACT_SOCK, 0, 0, 0, 0}"},
		{"44 sendto enter", "{XA_OP_FACT_SOCK, 0, 0, 0, 0}"},
		{"45 recvfrom exit", "{XA_OP_FACT_SOCK, 0, 0, 0, 0}"},
		{"46 sendmsg enter", "{XA_OP_FACT_SOCK, 0, 0, 0, 0}"},
		{"47 recvmsg exit", "{XA_OP_FACT_SOCK, 0, 0, 0, 0}"},
		{"288 accept4 exit", "{XA_OP_FACT_SOCK, 0, 0, 0, 1}"},
		// One task fact per record, with the parts its fields read:
		// cmdline and cgroup for a clone; everything, and the argv of
		// a failed call, for an execve.
		{"56 clone exit", "{XA_OP_FACT_TASK, 0, 0, 0, 17}"},
		{"435 clone3 exit", "{XA_OP_FACT_TASK, 0, 0, 0, 17}"},
		{"59 execve exit", "{XA_OP_FACT_TASK, 0, 0, 0, 63}"},
		{"322 execveat exit", "{XA_OP_FACT_TASK, 0, 0, 0, 63}"},
	} {
		i := strings.Index(body, "/* "+tt.call+" */")
		if i < 0 {
			t.Errorf("no captures for %s", tt.call)
			continue
		}
		rows := body[i:]
		if j := strings.Index(rows[1:], "/*"); j >= 0 {
			rows = rows[:j+1]
		}
		if strings.Count(rows, "XA_OP_FACT_VM") > 1 || strings.Count(rows, "XA_OP_FACT_TASK") > 1 || !strings.Contains(rows, tt.row) {
			t.Errorf("%s: captures %q, want one %s", tt.call, rows, tt.row)
		}
	}

	// Tables whose openat enter asks for the device of the result.
	dir := t.TempDir()
	tables := map[string]string{
		"events.tsv":          "num\tsymbol\n306\tPPME_SYSCALL_OPENAT_2_E\n307\tPPME_SYSCALL_OPENAT_2_X\n",
		"x86_64_fetch.tsv":    "event\tparams\nPPME_SYSCALL_OPENAT_2_E\tdev=fddev(ret)\nPPME_SYSCALL_OPENAT_2_X\tfd=ret\n",
		"x86_64_syscalls.tsv": "native_nr\tname\tevents\n257\topenat\t306/307\n",
		"xtrace_events.tsv":   "syscall\tcategory\tflags\tenter params\texit params\n",
		"x86_64_flow.tsv":     "syscall\tflow\n",
	}
	for name, body := range tables {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const want = "openat: the enter event reads a fact of the result"
	if _, err := generate(dir); err == nil || err.Error() != want {
		t.Errorf("generate with a result fact at enter: %v, want %q", err, want)
	}
}

// TestJoin checks the live value of a record from two of its fetches':
// it reads the process whenever either does.
func TestJoin(t *testing.T) {
	tests := []struct{ a, b, want live }{
		{liveNo, liveNo, liveNo},
		{liveNo, liveFact, liveFact},
		{liveFactOK, liveNo, liveFactOK},
		{liveOK, liveAlways, liveAlways},
		{liveFactOK, liveAlways, liveAlways},
		{liveFact, liveFactOK, liveFact},
		{liveOK, liveFactOK, liveOK},
		{liveOK, liveFact, liveAlways}, // a failed call reads the process too
		{liveFact, liveOK, liveAlways},
	}
	for _, tt := range tests {
		if got := join(tt.a, tt.b); got != tt.want {
			t.Errorf("join(%s, %s) = %s, want %s", syncNames[tt.a], syncNames[tt.b], syncNames[got], syncNames[tt.want])
		}
	}
}
