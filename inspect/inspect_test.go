package inspect_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"testing"

	"xtrace/inspect"
	"xtrace/internal/capturetest"
	"xtrace/scap"
)

// processAll replays a capture held in memory and returns the evt.info of
// every event, with the hook run on each delivered one.
func processAll(t testing.TB, data []byte, ro inspect.RenderOptions, hook func(*inspect.Event)) []string {
	t.Helper()
	var out []string
	capturetest.Replay(t, capturetest.Read(t, data), nil, func(_ *scap.Event, ev *inspect.Event) bool {
		out = append(out, string(ev.AppendInfo(nil, &ro)))
		if hook != nil && ev.Delivered() {
			hook(ev)
		}
		return true
	})
	return out
}

func TestFDRendering(t *testing.T) {
	h := baseHeader()
	h.Procs = []scap.Proc{proc(100, 100, 1, "app", "/usr/bin/app", "/", 0)}
	h.FDs = []scap.FDList{{TID: 100, FDs: []scap.FD{
		{Num: 1, Type: scap.FDFileV2, Name: "/var/log/x\x01.log"},
		{Num: 2, Type: scap.FDDirectory, Name: "/tmp"},
		{Num: 3, Type: scap.FDIPv4Sock, SIP: ip4(10, 0, 0, 1), DIP: ip4(10, 0, 0, 2), SPort: 1000, DPort: 2000, L4Proto: 3},
		{Num: 4, Type: scap.FDIPv6Sock, SIP: make([]byte, 16), DIP: append(make([]byte, 15), 1), SPort: 1, DPort: 2, L4Proto: 2},
		{Num: 5, Type: scap.FDIPv6Serv, SIP: make([]byte, 16), SPort: 22, L4Proto: 2},
		{Num: 6, Type: scap.FDUnixSock, Name: ""},
		{Num: 7, Type: scap.FDFIFO},
		{Num: 8, Type: scap.FDSignalFD},
		{Num: 9, Type: scap.FDEventPoll},
		{Num: 10, Type: scap.FDInotify},
		{Num: 11, Type: scap.FDTimerFD},
		{Num: 12, Type: scap.FDNetlink},
		{Num: 13, Type: scap.FDUnsupported, Name: "anon"},
		{Num: 14, Type: scap.FDEvent},
	}}}
	tests := []struct {
		fd   int
		want string
	}{
		{1, "fd=1(<f>/var/log/x.log) "},
		{2, "fd=2(<d>/tmp) "},
		{3, "fd=3(<4u>10.0.0.1:1000->10.0.0.2:2000) "},
		{4, "fd=4(<6>:::1->::1:2) "},
		{5, "fd=5(<6t>:::22) "},
		{6, "fd=6(<u>) "},
		{7, "fd=7(<p>) "},
		{8, "fd=8(<s>) "},
		{9, "fd=9(<l>) "},
		{10, "fd=10(<i>) "},
		{11, "fd=11(<t>) "},
		{12, "fd=12(<n>) "},
		{13, "fd=13(<X>anon) "},
		{14, "fd=14(<e>) "},
		{99, "fd=99 "},
		{-100, "fd=-100(AT_FDCWD) "},
		{-1, "fd=-1(EPERM) "},
		{-999, "fd=-999 "},
		{0xffffffff, "fd=4294967295 "},
	}
	c := newCapture(h)
	for i, tt := range tests {
		c.ev(t, t0+uint64(i), 100, typ(t, "SYSCALL_FSTAT_E"), tt.fd)
	}
	c.ev(t, t0+100, 555, typ(t, "SYSCALL_FSTAT_E"), 1)
	got := processAll(t, c.bytes(t), inspect.RenderOptions{}, nil)
	for i, tt := range tests {
		if got[i] != tt.want {
			t.Errorf("fd %d: got %q, want %q", tt.fd, got[i], tt.want)
		}
	}
	if last := got[len(got)-1]; last != "fd=1 " {
		t.Errorf("fd of an unknown thread: got %q", last)
	}
}

// v1Capture writes events in the old EV block layout (no nparams field).
func v1Capture(raws [][]byte) []byte {
	var b []byte
	le32 := binary.LittleEndian.AppendUint32
	b = le32(b, scap.BlockSHB)
	b = le32(b, 28)
	b = le32(b, 0x1A2B3C4D)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint64(b, ^uint64(0))
	b = le32(b, 28)
	for _, raw := range raws {
		ev := append([]byte(nil), raw[:16]...)
		ev = le32(ev, uint32(len(raw)-4))
		ev = append(ev, raw[20:22]...)
		ev = append(ev, raw[26:]...)
		body := append([]byte{0, 0}, ev...)
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
		total := uint32(8 + len(body) + 4)
		b = le32(b, scap.BlockEVv1)
		b = le32(b, total)
		b = append(b, body...)
		b = le32(b, total)
	}
	return b
}

func TestV1AndV2Events(t *testing.T) {
	c := newCapture(scap.Header{})
	c.ev(t, t0, 7, typ(t, "SYSCALL_OPEN_E"), "/etc/passwd", 1, 0)
	c.ev(t, t0+1, 7, typ(t, "SYSCALL_OPEN_X"), 3, "/etc/passwd", 1, 0, 0x803)
	c.ev(t, t0+2, 7, typ(t, "SYSCALL_READ_E"), 3, 10)
	c.ev(t, t0+3, 7, typ(t, "SYSCALL_READ_X"), 4, []byte("root"))
	v2 := c.bytes(t)
	var raws [][]byte
	for _, e := range c.sections[0].events {
		raws = append(raws, e.raw)
	}
	v1 := v1Capture(raws)
	want := []string{
		"name=/etc/passwd flags=1(O_RDONLY) mode=0 ",
		"fd=3(<f>/etc/passwd) name=/etc/passwd flags=1(O_RDONLY) mode=0 dev=803 ",
		"fd=3(<f>/etc/passwd) size=10 ",
		"res=4 data=root ",
	}
	for name, data := range map[string][]byte{"v1": v1, "v2": v2} {
		got := processAll(t, data, inspect.RenderOptions{}, nil)
		if len(got) != len(want) {
			t.Fatalf("%s: %d events, want %d", name, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s event %d: got %q, want %q", name, i, got[i], want[i])
			}
		}
	}
}

func TestFilterHook(t *testing.T) {
	h := baseHeader()
	h.Procs = []scap.Proc{proc(100, 100, 1, "app", "/usr/bin/app", "/", 0)}
	h.FDs = []scap.FDList{{TID: 100, FDs: []scap.FD{{Num: 3, Type: scap.FDFileV2, Name: "/data"}}}}
	c := newCapture(h)
	c.ev(t, t0, 100, typ(t, "SYSCALL_READ_E"), 3, 10)
	c.ev(t, t0+1, 100, typ(t, "SYSCALL_READ_X"), 4, []byte("abcd"))
	c.evf(t, 1, t0+2, 100, typ(t, "SYSCALL_CLOSE_E"), 3)
	c.evf(t, 1, t0+3, 100, typ(t, "SYSCALL_CLOSE_X"), 0)
	c.ev(t, t0+4, 100, typ(t, "SYSCALL_READ_E"), 3, 10)
	data := c.bytes(t)

	type seen struct {
		num              uint64
		delivered, fdSet bool
	}
	run := func(match func(*inspect.Event) bool) []seen {
		rd, err := scap.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		in := inspect.New(rd.Header())
		in.SetFilter(match)
		var out []seen
		for {
			sev, err := rd.Next()
			if err != nil {
				break
			}
			ev := in.Process(sev)
			if ev.Delivered() == ev.FilteredOut() {
				t.Fatalf("event %d: Delivered and FilteredOut agree", ev.Num)
			}
			out = append(out, seen{ev.Num, ev.Delivered(), ev.FD != nil})
		}
		return out
	}
	tests := []struct {
		name  string
		match func(*inspect.Event) bool
		want  []seen
	}{
		{"no filter", nil, []seen{{1, true, true}, {2, true, true}, {3, false, true}, {4, false, true}, {5, true, false}}},
		// A rejected enter skips the parsers and unpairs its exit,
		// which then finds no fd; the state-only close still runs.
		{"exits only", func(e *inspect.Event) bool { return e.Info.Dir == 1 },
			[]seen{{1, false, true}, {2, true, false}, {3, false, true}, {4, false, true}, {5, false, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(tt.match)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d events, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("event %d: got %+v, want %+v", i+1, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestThreadAccessors(t *testing.T) {
	data := buildProcs(t)
	rd, err := scap.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	in := inspect.New(rd.Header())
	for {
		sev, err := rd.Next()
		if err != nil {
			break
		}
		ev := in.Process(sev)
		if ev.Num == 16 { // thread 202's clone exit: 201, 202, 203 alive
			break
		}
	}
	var tids []int64
	in.Threads(func(th *inspect.Thread) bool {
		tids = append(tids, th.TID)
		return true
	})
	want := []int64{1, 200, 201, 202, 203}
	if len(tids) != len(want) {
		t.Fatalf("threads %v, want %v", tids, want)
	}
	for i := range want {
		if tids[i] != want[i] {
			t.Fatalf("threads %v, want %v", tids, want)
		}
	}
	th := in.Thread(203)
	if th.Main() != in.Thread(201) || th.IsMain() {
		t.Errorf("thread 203: main %v", th.Main())
	}
	if a := th.Ancestor(1); a == nil || a.TID != 200 {
		t.Errorf("ancestor 1 of 203: %v", a)
	}
	if a := th.Ancestor(2); a == nil || a.TID != 1 {
		t.Errorf("ancestor 2 of 203: %v", a)
	}
	if n := in.Thread(201).NumChildren(); n != 2 {
		t.Errorf("201 has %d children, want 2", n)
	}
	if got := in.Thread(201).Getenv("B"); got != "2" {
		t.Errorf("Getenv(B) = %q", got)
	}
	if got := in.Thread(201).Cgroup("memory"); got != "/x" {
		t.Errorf("Cgroup(memory) = %q", got)
	}
	if id := in.Thread(201).ContainerID; id != "0123456789ab" {
		t.Errorf("container id %q", id)
	}
	if c := in.Container("0123456789ab"); c == nil || c.Type != 0 {
		t.Errorf("container %+v", c)
	}
	var anc []int64
	in.Thread(203).EachAncestor(func(a *inspect.Thread) bool {
		anc = append(anc, a.TID)
		return true
	})
	if len(anc) != 3 || anc[0] != 201 || anc[2] != 1 { // an inverted clone names the process as parent
		t.Errorf("ancestors of 203: %v", anc)
	}
}

// FuzzProcess feeds arbitrary events (v2 images, back to back) through
// Process and AppendInfo in every buffer mode: nothing may panic.
func FuzzProcess(f *testing.F) {
	for _, build := range []func(testing.TB) []byte{buildRender, buildProcs, buildSections} {
		data := build(f)
		rd, err := scap.NewReader(bytes.NewReader(data))
		if err != nil {
			f.Fatal(err)
		}
		var seed []byte
		for {
			sev, err := rd.Next()
			if err != nil {
				break
			}
			seed = append(seed, sev.Raw()...)
			if len(seed) > 4000 {
				f.Add(seed)
				seed = nil
			}
		}
		f.Add(seed)
	}
	f.Fuzz(fuzzOne)
}

// fuzzHeader is the state the fuzzed events run against.
func fuzzHeader() scap.Header {
	h := baseHeader()
	thr := proc(101, 100, 1, "app", "/usr/bin/app", "/home/alice", 1000)
	thr.Flags = 0x2001
	h.Procs = []scap.Proc{proc(1, 1, 0, "init", "/sbin/init", "/", 0), proc(100, 100, 1, "app", "/usr/bin/app", "/home/alice/", 1000), thr}
	h.FDs = []scap.FDList{{TID: 100, FDs: []scap.FD{
		{Num: 3, Type: scap.FDDirectory, Name: "/home/alice/data"},
		{Num: 4, Type: scap.FDIPv4Sock, SIP: ip4(192, 168, 1, 10), DIP: ip4(10, 0, 0, 1), SPort: 40000, DPort: 80, L4Proto: 2},
		{Num: 5, Type: scap.FDIPv4Serv, SIP: ip4(0, 0, 0, 0), SPort: 53, L4Proto: 3},
		{Num: 7, Type: scap.FDUnixSock, Source: 1, Name: "/run/app.sock"},
	}}}
	return h
}

func fuzzOne(t *testing.T, in []byte) {
	h := fuzzHeader()
	var buf bytes.Buffer
	w := scap.NewWriter(&buf)
	if err := w.WriteHeader(&h); err != nil {
		t.Fatal(err)
	}
	for len(in) >= 26 {
		n := int(binary.LittleEndian.Uint32(in[16:]))
		if n < 26 || n > len(in) {
			n = len(in)
		}
		raw := append([]byte(nil), in[:n]...)
		binary.LittleEndian.PutUint32(raw[16:], uint32(n))
		in = in[n:]
		if w.WriteRaw(0, 0, raw) != nil {
			return
		}
	}
	if w.Flush() != nil {
		return
	}
	rd, err := scap.NewReader(&buf)
	if err != nil {
		return
	}
	insp := inspect.New(rd.Header())
	insp.SetFilter(func(e *inspect.Event) bool { return e.Num%3 != 0 })
	modes := []inspect.BufferFormat{inspect.BufNormal, inspect.BufASCII, inspect.BufHex, inspect.BufHexASCII, inspect.BufBase64}
	var line []byte
	for {
		sev, err := rd.Next()
		if err != nil {
			return
		}
		ev := insp.Process(sev)
		for _, mode := range modes {
			line = ev.AppendInfo(line[:0], &inspect.RenderOptions{Buffer: mode})
		}
		ev.TypeName()
		ev.ProcName()
		ev.FDInfo()
	}
}

// BenchmarkProcess measures Process plus AppendInfo per event over a real
// capture, read from memory again and again.
func BenchmarkProcess(b *testing.B) {
	for _, name := range []string{"inspect_502Error.scap", "libs_curl_google.scap"} {
		b.Run(name, func(b *testing.B) {
			data, err := os.ReadFile("../testdata/captures/" + name)
			if err != nil {
				b.Fatal(err)
			}
			rd, err := scap.NewReader(bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			in := inspect.New(rd.Header())
			ro := inspect.RenderOptions{}
			line := make([]byte, 0, 4096)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				sev, err := rd.Next()
				if err == io.EOF {
					b.StopTimer()
					rd, _ = scap.NewReader(bytes.NewReader(data))
					b.StartTimer()
					sev, err = rd.Next()
				}
				if err != nil {
					b.Fatal(err)
				}
				ev := in.Process(sev)
				if !ev.Hidden() {
					line = ev.AppendInfo(line[:0], &ro)
				}
			}
		})
	}
}
