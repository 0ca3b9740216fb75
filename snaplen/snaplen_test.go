package snaplen

import (
	"testing"

	"xtrace/inspect"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		def     int
		uniform bool
		max     int
		want    map[inspect.FDType]int
		wantErr string
	}{
		{in: "", def: 80, uniform: true, max: 80},
		{in: "200", def: 200, uniform: true, max: 200},
		{in: "80,net=4096,file=256", def: 80, max: 4096, want: map[inspect.FDType]int{
			inspect.FDIPv4Sock: 4096, inspect.FDIPv6Serv: 4096, inspect.FDUnixSock: 4096, inspect.FDNetlink: 4096,
			inspect.FDFile: 256, inspect.FDFileV2: 256, inspect.FDFIFO: 80, inspect.FDDirectory: 80}},
		{in: "net=1000", def: 80, max: 1000, want: map[inspect.FDType]int{inspect.FDIPv4Sock: 1000, inspect.FDFIFO: 80}},
		{in: "16,pipe=512,unix=2048", def: 16, max: 2048, want: map[inspect.FDType]int{
			inspect.FDFIFO: 512, inspect.FDUnixSock: 2048, inspect.FDIPv4Sock: 16}},
		{in: "80,bogus=1", wantErr: `snaplen: -s 80,bogus=1: unknown fd class "bogus" (net, file, dir, pipe, or an fd.type: file, directory, ipv4, ipv6, unix, pipe, event, signalfd, eventpoll, inotify, timerfd, netlink)`},
		{in: "x", wantErr: `snaplen: -s x: "x" is not a length from 0 to 65000`},
		{in: "net=70000", wantErr: `snaplen: -s net=70000: "70000" is not a length from 0 to 65000`},
		{in: "net=10,80", wantErr: `snaplen: -s net=10,80: the plain length comes first`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := Parse(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Default != tt.def || p.Uniform() != tt.uniform || p.Max() != tt.max {
				t.Errorf("default %d uniform %v max %d", p.Default, p.Uniform(), p.Max())
			}
			for ft, n := range tt.want {
				if got := p.For(ft); got != n {
					t.Errorf("For(%s) = %d, want %d", ft, got, n)
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "80", "80,net=4096,file=256", "pipe=1", "x=1", "1,2", "net=65000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		if p.Max() < p.Default || p.Max() > MaxLen {
			t.Fatalf("Parse(%q): default %d, max %d", s, p.Default, p.Max())
		}
	})
}
