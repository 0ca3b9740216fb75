package agent

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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

// paramOf returns the numeric parameter name of the encoded event raw.
func paramOf(t *testing.T, raw []byte, name string) uint64 {
	t.Helper()
	var ev scap.Event
	if err := ev.Load(0, 0, raw); err != nil {
		t.Fatal(err)
	}
	for i, p := range ev.Desc().Params[:ev.NumParams()] {
		if p.Name == name {
			var w [8]byte
			copy(w[:], ev.Param(i))
			return binary.LittleEndian.Uint64(w[:])
		}
	}
	t.Fatalf("event %s has no parameter %s", ev.Desc().Name, name)
	return 0
}

// vmSwap returns VmSwap of /proc/<pid>/status in KiB.
func vmSwap(t *testing.T, pid uint32) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmSwap:"); ok {
			n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmSwap %q: %v", v, err)
			}
			return n
		}
	}
	t.Fatalf("no VmSwap in /proc/%d/status", pid)
	return 0
}

// waitingStdin returns a pipe for the standard input of a program that
// waits for it to close: the test closes w when it has seen what it
// needs, else it closes after 60 s, and when the test ends.
func waitingStdin(t *testing.T) (stdin, w *os.File) {
	stdin, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stop := time.AfterFunc(60*time.Second, func() { w.Close() })
	t.Cleanup(func() {
		stop.Stop()
		stdin.Close()
		w.Close()
	})
	return stdin, w
}

// TestFactsMatchProc decodes the exits whose parameters come from the
// agent's facts (the inode of a new pipe, the device of an opened file,
// the vm counters after mmap) twice: from the facts, and from /proc of
// the live process as the ptrace backend does (the program keeps every
// descriptor open and waits on its standard input after its last mmap).
// The values must be the same: vm_rss within a few pages, which the
// agent's own record writing touches after it read the counters. With the
// header's swap flag set, the agent reads VmSwap too (the status file's
// value; 0 on a machine without swap).
func TestFactsMatchProc(t *testing.T) {
	const n = 20
	const rssSlack = 64 // KiB
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, swap := range []bool{false, true} {
		t.Run(fmt.Sprintf("swap=%v", swap), func(t *testing.T) {
			s := session(t)
			s.Region.SetSwap(swap)
			dec := decode.New(decode.Options{Snaplen: 80})
			defer dec.Close()
			stdin, w := waitingStdin(t)
			var calls Calls
			var mem Memory
			seen := map[uint32]int{}
			cmd := exec.Command(work(t), "facts", strconv.Itoa(n), file)
			cmd.Stdin, cmd.Stderr = stdin, os.Stderr
			decodeBoth := func(r *ring.Record) (facts, proc []byte) {
				c := calls.Call(r)
				mem.SetRecord(r)
				c.Mem, c.Facts = &mem, &mem
				raw, err := dec.Exit(r.TS, &c)
				if err != nil {
					t.Fatalf("syscall %d: %v", r.NR, err)
				}
				facts = append([]byte(nil), raw...)
				c.Facts = nil
				if proc, err = dec.Exit(r.TS, &c); err != nil {
					t.Fatalf("syscall %d: %v", r.NR, err)
				}
				return facts, proc
			}
			err := s.Run(cmd, func(r *ring.Record) {
				if r.Kind != ring.KindExit {
					calls.Call(r)
					return
				}
				switch r.NR {
				case sysPipe2:
					f, p := decodeBoth(r)
					if len(r.Facts.Fds) != 2 || paramOf(t, f, "ino") != paramOf(t, p, "ino") || paramOf(t, f, "ino") == 0 {
						t.Errorf("pipe2: facts %+v, ino %d from them, %d from /proc", r.Facts.Fds, paramOf(t, f, "ino"), paramOf(t, p, "ino"))
					}
				case sysOpenat:
					if r.Ret < 0 || len(r.Mem) == 0 || !strings.HasPrefix(string(r.Mem[0].Data), file) {
						return // the loader's (libraries)
					}
					f, p := decodeBoth(r)
					if paramOf(t, f, "dev") != paramOf(t, p, "dev") || len(r.Facts.Fds) != 1 {
						t.Errorf("openat: facts %+v, dev %#x from them, %#x from /proc", r.Facts.Fds, paramOf(t, f, "dev"), paramOf(t, p, "dev"))
					}
				case sysMmap:
					if a, _ := calls.Args(r.Tid); a[1] != 1<<20 {
						return // the loader's and libc's
					}
					// Wait for the program to block in read (0).
					if msg := inSyscall(r.Pid, r.Tid, "0"); msg != "" {
						t.Fatal(msg)
					}
					f, p := decodeBoth(r)
					if !r.Facts.HasVM {
						t.Errorf("mmap exit without vm facts")
					}
					fs, ps := paramOf(t, f, "vm_size"), paramOf(t, p, "vm_size")
					fr, pr := paramOf(t, f, "vm_rss"), paramOf(t, p, "vm_rss")
					if fs != ps || fr > pr || pr-fr > rssSlack || fs == 0 || fr == 0 {
						t.Errorf("mmap: vm_size %d, vm_rss %d KiB from the facts; %d, %d from /proc", fs, fr, ps, pr)
					}
					t.Logf("mmap: vm_size %d, vm_rss %d KiB from the facts; %d, %d from /proc", fs, fr, ps, pr)
					want := uint64(0)
					if swap {
						want = vmSwap(t, r.Pid)
					}
					if got := paramOf(t, f, "vm_swap"); got != want || r.Facts.VM.Swap != want {
						t.Errorf("mmap: vm_swap %d from the facts, want %d", got, want)
					}
					w.Close()
				default:
					return
				}
				seen[r.NR]++
			})
			if err != nil {
				t.Fatalf("work facts: %v", err)
			}
			if want := map[uint32]int{sysPipe2: n, sysOpenat: n, sysMmap: 1}; fmt.Sprint(seen) != fmt.Sprint(want) {
				t.Errorf("exits checked %v, want %v", seen, want)
			}
		})
	}
}

// TestSockFactsMatchProc decodes the socket tuples of a program's calls
// twice: from the socket names the agent read in-process (a socket fact),
// and from the live process as the ptrace backend does (pidfd_getfd of the
// socket, getsockname, getpeername; the program keeps its sockets open
// until its standard input closes). The tuples must be the same: connect
// and accept4 of a TCP connection on 127.0.0.1, sendto enters and
// recvfrom exits over it and over UDP on 127.0.0.1 and ::1. Those records
// are not synchronous (but accept4's, whose backlog reads the listening
// socket); the unix connection's connect and accept4 exits are, and their
// threads are held: a unix socket's tuple needs /proc/net/unix.
func TestSockFactsMatchProc(t *testing.T) {
	const n = 10
	s := session(t)
	dec := decode.New(decode.Options{Snaplen: 80})
	defer dec.Close()
	stdin, w := waitingStdin(t)
	var calls Calls
	var mem Memory
	var out bytes.Buffer
	seen := map[string]int{}
	names := map[uint32]string{sysConnect: "connect", sysSendto: "sendto", sysRecvfrom: "recvfrom", sysAccept4: "accept4"}
	families := map[uint16]string{1: "unix", 2: "inet", 10: "inet6"}
	bad := 0
	fail := func(format string, args ...any) {
		if bad++; bad <= 10 {
			t.Errorf(format, args...)
		}
	}
	cmd := exec.Command(work(t), "sockets", strconv.Itoa(n))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, os.Stderr
	err := s.Run(cmd, func(r *ring.Record) {
		c := calls.Call(r)
		name, ok := names[r.NR]
		enter := r.Kind == ring.KindEnter
		if !ok || enter != (r.NR == sysSendto) || r.Kind != ring.KindEnter && r.Kind != ring.KindExit {
			return
		}
		if len(r.Facts.Socks) != 1 || len(r.Facts.Socks[0].Name) < 2 {
			fail("%s: socket facts %+v, want one with a name", name, r.Facts.Socks)
			return
		}
		sf := r.Facts.Socks[0]
		fam := families[binary.LittleEndian.Uint16(sf.Name)]
		key := name + " " + fam
		seen[key]++
		decodeWith := func(f decode.Facts) []byte {
			cc := c
			mem.SetRecord(r)
			cc.Mem, cc.Facts = &mem, f
			dec1 := dec.Exit
			if enter {
				dec1 = dec.Enter
			}
			raw, err := dec1(r.TS, &cc)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			var ev scap.Event
			if err := ev.Load(0, 0, raw); err != nil {
				t.Fatal(err)
			}
			for i, p := range ev.Desc().Params[:ev.NumParams()] {
				if p.Name == "tuple" {
					return append([]byte(nil), ev.Param(i)...)
				}
			}
			t.Fatalf("%s: no tuple", key)
			return nil
		}
		facts, proc := decodeWith(&mem), decodeWith(nil)
		// A recvfrom on a connected (TCP) socket reports no source
		// address: no tuple.
		wantEmpty := name == "recvfrom" && sf.PeerRet == 0
		if !bytes.Equal(facts, proc) || (len(proc) == 0) != wantEmpty {
			fail("%s: tuple %x from the facts, %x from the process", key, facts, proc)
		}
		wantSync := fam == "unix" || name == "accept4"
		if r.Sync != wantSync {
			fail("%s (fd %d): synchronous %v, want %v", key, sf.Fd, r.Sync, wantSync)
		}
		if fam == "unix" && r.Sync {
			if msg := held(r.Pid, r.Tid); msg != "" {
				fail("%s: %s", key, msg)
			}
		}
		if key == "accept4 unix" {
			w.Close() // the last of them
		}
	})
	if err != nil {
		t.Fatalf("work sockets: %v", err)
	}
	want := map[string]int{"connect inet": 1, "accept4 inet": 1, "sendto inet": 2 * n, "recvfrom inet": 2 * n,
		"sendto inet6": n, "recvfrom inet6": n, "connect unix": 1, "accept4 unix": 1}
	if strings.Contains(out.String(), "no-inet6") {
		delete(want, "sendto inet6")
		delete(want, "recvfrom inet6")
		t.Log("no ::1 here: no AF_INET6 tuples")
	}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("tuples checked %v, want %v", seen, want)
	}
}

// TestTaskFactsMatchProc decodes the clone (or vfork) and execve exits of
// a shell that forks and execs cat twice: from the /proc entries the thread read
// itself at the exit (a task fact), and from the live /proc as the ptrace
// backend does, once the thread waits (the shell in wait4, cat reading
// its standard input, which stays open; the shell's image's first execve
// exit is held): every parameter is the same but the counters that move
// as the thread runs on (page faults, memory). None of these records is
// synchronous but that first exit.
func TestTaskFactsMatchProc(t *testing.T) {
	s := session(t)
	dec := decode.New(decode.Options{Snaplen: 80})
	defer dec.Close()
	stdin, w := waitingStdin(t)
	var calls Calls
	var mem Memory
	moving := map[string]bool{"pgft_maj": true, "pgft_min": true, "vm_size": true, "vm_rss": true, "vm_swap": true}
	params := func(raw []byte) map[string]string {
		var ev scap.Event
		if err := ev.Load(0, 0, raw); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, p := range ev.Desc().Params[:ev.NumParams()] {
			if !moving[p.Name] {
				m[p.Name] = string(ev.Param(i))
			}
		}
		return m
	}
	seen := map[string]int{}
	cmd := exec.Command("/bin/sh", "-c", "cat; true")
	cmd.Stdin, cmd.Stderr = stdin, os.Stderr
	err := s.Run(cmd, func(r *ring.Record) {
		c := calls.Call(r)
		flow := decode.FlowOf(int(r.NR))
		if r.Kind != ring.KindExit || flow != decode.FlowClone && flow != decode.FlowExec {
			return
		}
		// The command's image begins with a synchronous execve exit
		// (xtrace reads its exe link); the others are not.
		image := flow == decode.FlowExec && r.Pid == uint32(cmd.Process.Pid)
		if r.Sync != image || !r.Facts.HasTask {
			t.Errorf("syscall %d exit (ret %d): synchronous %v, task fact %v; want %v, true", r.NR, r.Ret, r.Sync, r.Facts.HasTask, image)
		}
		var what, waitIn string
		switch {
		case flow == decode.FlowClone && r.Ret == 0:
			seen["child's clone"]++
			return // it execs cat at once: /proc shows cat by now
		case flow == decode.FlowClone:
			what, waitIn = "shell's clone", "61" // wait4
		case image:
			what = "execve" // held
		default:
			what, waitIn = "cat's execve", "0" // read
		}
		if waitIn != "" {
			if msg := inSyscall(r.Pid, r.Tid, waitIn); msg != "" {
				t.Fatalf("%s: %s", what, msg)
			}
		}
		mem.SetRecord(r)
		c.Mem, c.Facts = &mem, &mem
		raw, err := dec.Exit(r.TS, &c)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		fromFacts := params(raw)
		c.Facts = nil
		if raw, err = dec.Exit(r.TS, &c); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		fromProc := params(raw)
		if fmt.Sprint(fromFacts) != fmt.Sprint(fromProc) {
			t.Errorf("%s:\nfrom the task fact %q\nfrom /proc         %q", what, fromFacts, fromProc)
		}
		if what == "cat's execve" && !strings.Contains(fromFacts["exe"], "cat") {
			t.Errorf("cat's execve: exe %q", fromFacts["exe"])
		}
		seen[what]++
		if what == "cat's execve" {
			w.Close()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"execve": 1, "shell's clone": 1, "child's clone": 1, "cat's execve": 1}; fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("exits checked %v, want %v", seen, want)
	}
}
