// Package snaplen implements per-class snaplens (-s 80,net=4096,file=256):
// how many bytes of an I/O buffer a capture keeps depends on the type of
// the fd the call used. The recorder captures at the largest length
// ([Policy.Max]) and a [Cutter] cuts each event's buffers to its class's
// length, from the fd the state engine knows for the event.
package snaplen

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"xtrace/event"
	"xtrace/inspect"
	"xtrace/scap"
)

// DefaultLen is sysdig's default snaplen.
const DefaultLen = 80

// MaxLen is the largest snaplen (an event must fit a block).
const MaxLen = 65000

// classes maps the class words -s takes to fd.type words.
var classes = map[string][]string{
	"net":  {"ipv4", "ipv6", "unix", "netlink"},
	"file": {"file"},
	"dir":  {"directory"},
}

// fdTypes are the fd.type words -s accepts as classes.
var fdTypes = []string{"file", "directory", "ipv4", "ipv6", "unix", "pipe", "event", "signalfd", "eventpoll", "inotify", "timerfd", "netlink"}

// Policy is a snaplen per fd type.
type Policy struct {
	// Default applies to fds of no listed class and to events without
	// an fd.
	Default int
	// byType holds the length per inspect.FDType (0: Default).
	byType  [32]int
	uniform bool
}

// Parse reads -s: "LEN" or "LEN,CLASS=LEN,..." (the plain LEN may be left
// out: the default is then 80). "" is the default.
func Parse(s string) (Policy, error) {
	p := Policy{Default: DefaultLen, uniform: true}
	if s == "" {
		return p, nil
	}
	for i, part := range strings.Split(s, ",") {
		name, val, hasName := strings.Cut(part, "=")
		if !hasName {
			val, name = name, ""
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 || n > MaxLen {
			return p, fmt.Errorf("snaplen: -s %s: %q is not a length from 0 to %d", s, val, MaxLen)
		}
		if !hasName {
			if i != 0 {
				return p, fmt.Errorf("snaplen: -s %s: the plain length comes first", s)
			}
			p.Default = n
			continue
		}
		types, ok := classes[name]
		if !ok {
			for _, t := range fdTypes {
				if t == name {
					types, ok = []string{t}, true
				}
			}
		}
		if !ok {
			return p, fmt.Errorf("snaplen: -s %s: unknown fd class %q (net, file, dir, pipe, or an fd.type: %s)", s, name, strings.Join(fdTypes, ", "))
		}
		for _, t := range types {
			for ft := range len(p.byType) {
				if inspect.FDType(ft).String() == t {
					p.byType[ft] = n
				}
			}
		}
		p.uniform = false
	}
	if p.Default == 0 && p.uniform {
		p.Default = DefaultLen
	}
	return p, nil
}

// Uniform reports whether one length applies to every fd (no classes).
func (p *Policy) Uniform() bool { return p.uniform }

// For returns the snaplen of an fd of type t.
func (p *Policy) For(t inspect.FDType) int {
	if int(t) < len(p.byType) && p.byType[t] != 0 {
		return p.byType[t]
	}
	return p.Default
}

// Max returns the largest length of the policy: what the recorder must
// capture for a Cutter to cut from.
func (p *Policy) Max() int {
	m := p.Default
	for _, n := range p.byType {
		m = max(m, n)
	}
	return m
}

// Cutter cuts events to a policy. It is not safe for concurrent use.
type Cutter struct {
	p        Policy
	shortest int // the smallest length of p: shorter buffers are never cut
	enc      scap.Encoder
}

// NewCutter returns a Cutter for p.
func NewCutter(p Policy) *Cutter {
	c := &Cutter{p: p, shortest: p.Default}
	for _, n := range p.byType {
		if n != 0 {
			c.shortest = min(c.shortest, n)
		}
	}
	return c
}

// Cut cuts the byte buffers of sev to the snaplen of its fd's class. Call
// it before in.Process(sev): the fd is the enter event's fd parameter, or
// for an exit event the fd the thread's enter event used, as in knows it.
// A cut sev points into the Cutter's encoder until the next call.
func (c *Cutter) Cut(in *inspect.Inspector, sev *scap.Event) error {
	d := event.Info(sev.Type)
	if d == nil {
		return nil
	}
	n := min(sev.NumParams(), len(d.Params))
	long := false
	for i := range n {
		if d.Params[i].Type == event.PTByteBuf && len(sev.Param(i)) > c.shortest {
			long = true
		}
	}
	if !long {
		return nil
	}
	limit := c.p.Default
	if fd, ok := c.fdOf(in, sev, d); ok {
		limit = c.p.For(fd.Type)
	}
	if int(binary.LittleEndian.Uint32(sev.Raw()[22:])) != n {
		return nil // parameters the table does not list: leave it whole
	}
	c.enc.Begin(sev.TS, sev.TID, sev.Type)
	for i := range n {
		v := sev.Param(i)
		if d.Params[i].Type == event.PTByteBuf && len(v) > limit {
			v = v[:limit]
		}
		c.enc.Bytes(v)
	}
	b, err := c.enc.Finish()
	if err != nil {
		return err
	}
	off := sev.Offset
	err = sev.Load(sev.CPU, sev.DumpFlags, b)
	sev.Offset = off
	return err
}

// fdOf finds the fd an event uses.
func (c *Cutter) fdOf(in *inspect.Inspector, sev *scap.Event, d *event.Desc) (*inspect.FD, bool) {
	t := in.Thread(sev.TID)
	if t == nil {
		return nil, false
	}
	num := t.LastEventFD()
	if d.Dir == event.Enter && d.Flags&event.UsesFD != 0 && sev.NumParams() > 0 {
		v, ok := sev.ParamInt(0)
		if !ok {
			return nil, false
		}
		num = v
	}
	fd := t.FD(num)
	return fd, fd != nil
}
