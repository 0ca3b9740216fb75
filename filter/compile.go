package filter

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"strings"

	"xtrace/event"
	"xtrace/field"
	"xtrace/inspect"
)

// Filter is a compiled filter. Match allocates nothing for comparisons of
// plain fields. A Filter keeps per-field state (evt.deltatime) and is not
// safe for concurrent use.
type Filter struct {
	src string
	ast Node
	fn  predicate
}

// predicate is a compiled node: the filter compiles to a tree of closures,
// and comparisons of the common fields and operators to closures that
// read the event directly (see fast.go).
type predicate = func(e *inspect.Event) bool

// Match reports whether event e passes the filter.
func (f *Filter) Match(e *inspect.Event) bool { return f.fn(e) }

// Func returns the compiled predicate itself: Match without the method
// call, for callers that evaluate the filter once per event (the
// inspector's filter hook). It is as stateful as the Filter.
func (f *Filter) Func() func(*inspect.Event) bool { return f.fn }

// String returns the filter text it was compiled from.
func (f *Filter) String() string { return f.src }

// AST returns the parsed filter.
func (f *Filter) AST() Node { return f.ast }

// Compile parses and compiles a filter. Values are parsed according to
// the type of the field they are compared with; errors are
// *SyntaxError values with sysdig's messages and positions. o gives the
// rendering options of fields that are compared as text (evt.arg with a
// buffer format); it may be nil.
func Compile(src string, o *field.Options) (flt *Filter, err error) {
	n, err := Parse(src)
	if err != nil {
		return nil, err
	}
	return compile(src, n, o, false)
}

// compile compiles the parsed filter n; general leaves out the
// specialised comparisons of fast.go (tests compare the two forms).
func compile(src string, n Node, o *field.Options, general bool) (flt *Filter, err error) {
	c := &compiler{src: src, o: o, general: general}
	defer c.recover(&err)
	fn := c.compile(n)
	return &Filter{src: src, ast: n, fn: fn}, nil
}

type compiler struct {
	src     string
	o       *field.Options
	general bool
}

func (c *compiler) failf(off int, format string, args ...any) {
	panic(newError(c.src, off, fmt.Sprintf(format, args...)))
}

func (c *compiler) recover(errp *error) {
	r := recover()
	if r == nil {
		return
	}
	if _, ok := r.(runtime.Error); ok {
		panic(r)
	}
	if se, ok := r.(*SyntaxError); ok {
		*errp = se
		return
	}
	panic(r)
}

func (c *compiler) compile(n Node) predicate {
	switch n := n.(type) {
	case *BinaryExpr:
		// Flatten chains of one operator.
		var xs []predicate
		var walk func(Node)
		walk = func(m Node) {
			if b, ok := m.(*BinaryExpr); ok && b.Op == n.Op {
				walk(b.X)
				walk(b.Y)
				return
			}
			xs = append(xs, c.compile(m))
		}
		walk(n)
		if n.Op == And {
			return andPred(xs)
		}
		return orPred(xs)
	case *NotExpr:
		x := c.compile(n.X)
		return func(e *inspect.Event) bool { return !x(e) }
	case *Check:
		return c.check(n)
	}
	panic(fmt.Errorf("filter: unknown node %T", n))
}

// andPred is true when every one of xs is, evaluated in order until one
// is not.
func andPred(xs []predicate) predicate {
	switch len(xs) {
	case 1:
		return xs[0]
	case 2:
		a, b := xs[0], xs[1]
		return func(e *inspect.Event) bool { return a(e) && b(e) }
	case 3:
		a, b, c := xs[0], xs[1], xs[2]
		return func(e *inspect.Event) bool { return a(e) && b(e) && c(e) }
	}
	return func(e *inspect.Event) bool {
		for _, x := range xs {
			if !x(e) {
				return false
			}
		}
		return true
	}
}

// orPred is true when one of xs is, evaluated in order until one is.
func orPred(xs []predicate) predicate {
	switch len(xs) {
	case 1:
		return xs[0]
	case 2:
		a, b := xs[0], xs[1]
		return func(e *inspect.Event) bool { return a(e) || b(e) }
	case 3:
		a, b, c := xs[0], xs[1], xs[2]
		return func(e *inspect.Event) bool { return a(e) || b(e) || c(e) }
	}
	return func(e *inspect.Event) bool {
		for _, x := range xs {
			if x(e) {
				return true
			}
		}
		return false
	}
}

// valueErr reports an invalid value at sysdig's position for it.
func (c *compiler) valueErr(v Value, msg string) {
	panic(newError(c.src, v.scan, msg))
}

// check compiles one comparison.
func (c *compiler) check(n *Check) predicate {
	f, err := field.Lookup(n.Field, c.o)
	if err != nil {
		var ae *field.ArgError
		if errors.As(err, &ae) {
			c.failf(n.FieldPos+len(n.Field), "%s", ae.Msg)
		}
		panic(fieldError(c.src, n.FieldPos, n.FieldPos+len(n.Field), n.Field))
	}
	f.SetCompare(true)
	def := f.Def()
	if n.Op == OpExists {
		return c.exists(n, f)
	}
	// Fields compared specially by sysdig.
	switch {
	case def.Name == "fd.ip":
		return c.fdIP(n, f)
	case def.Name == "fd.net":
		return c.fdNet(n, f)
	case def.Name == "fd.port" || def.Name == "fd.proto":
		return c.fdPort(n, f)
	case (def.Name == "proc.aname" || def.Name == "proc.apid") && f.ArgIndex() < 0:
		return c.ancestors(n, f)
	case def.Name == "evt.around":
		return c.around(n, f)
	}
	typ := f.Type()
	if n.Op == OpPMatch && typ != event.PTCharBuf {
		c.failf(n.lparen+1, "pmatch requires all charbuf arguments")
	}
	switch field.KindOf(typ) {
	case field.KindString:
		x := c.stringCheck(n, f)
		if c.general {
			return x.eval
		}
		return stringPred(x)
	case field.KindBytes:
		return c.bytesCheck(n, f).eval
	case field.KindInt, field.KindUint, field.KindBool, field.KindFloat:
		x := c.numCheck(n, f)
		if c.general {
			return x.eval
		}
		return numPred(x)
	case field.KindIP:
		if typ == event.PTIPNet || typ == event.PTIPv4Net || typ == event.PTIPv6Net {
			return c.netCheck(n, f).eval
		}
		return c.ipCheck(n, f).eval
	}
	c.failf(n.OpPos, "wrong parameter type %d", typ)
	return nil
}

// exists is true when the field has a value.
func (c *compiler) exists(n *Check, f *field.Field) predicate {
	switch f.Def().Name {
	case "fd.ip", "fd.net", "fd.port", "fd.proto":
		return (&fdEndpointsEval{f: f, kind: 'x'}).eval
	case "proc.aname", "proc.apid":
		if f.ArgIndex() < 0 {
			return (&ancestorEval{f: f, exists: true}).eval
		}
	case "evt.around":
		return constPred(true)
	}
	return func(e *inspect.Event) bool {
		_, ok := f.Extract(e)
		return ok
	}
}

// unsupported is the message sysdig gives for an operator a value type
// does not have.
func unsupported(op Op, what string) string {
	return fmt.Sprintf("'%s' not supported for %s", op, what)
}

// stringEval compares a text field.
type stringEval struct {
	f     *field.Field
	op    Op
	val   string
	set   map[string]struct{}
	paths [][]string
}

func (c *compiler) stringCheck(n *Check, f *field.Field) *stringEval {
	x := &stringEval{f: f, op: n.Op}
	isType := f.Def().Name == "evt.type"
	check := func(v Value) string {
		s := cstr(v.Text)
		if isType && !knownEventName(s) {
			c.valueErr(v, "unknown event type "+s)
		}
		return s
	}
	switch n.Op {
	case OpIn, OpIntersects:
		x.set = make(map[string]struct{}, len(n.Values))
		for _, v := range n.Values {
			x.set[check(v)] = struct{}{}
		}
	case OpPMatch:
		for _, v := range n.Values {
			x.paths = append(x.paths, pathComponents(check(v)))
		}
	case OpIContains:
		x.val = lowerASCII(check(n.Values[0]))
	case OpBContains:
		b, err := hex.DecodeString(n.Values[0].Text)
		if err != nil {
			c.valueErr(n.Values[0], "bcontains requires a hexadecimal string, got "+n.Values[0].Text)
		}
		x.val = string(b)
		x.op = OpContains
	default:
		x.val = check(n.Values[0])
	}
	return x
}

func (x *stringEval) eval(e *inspect.Event) bool {
	v, ok := x.f.Extract(e)
	return ok && x.match(v.Str)
}

// knownEventName reports whether s is an event or syscall name (what
// evt.type may be compared with).
func knownEventName(s string) bool {
	for t := event.Type(0); t < event.NumTypes; t++ {
		if d := event.Info(t); d != nil && d.Name == s {
			return true
		}
	}
	for i := 0; i < event.NumSC; i++ {
		if event.SCName(uint16(i)) == s {
			return true
		}
	}
	return false
}

// bytesEval compares a buffer field (evt.buffer) with raw bytes.
type bytesEval struct {
	f   *field.Field
	op  Op
	val string
	set map[string]struct{}
}

func (c *compiler) bytesCheck(n *Check, f *field.Field) *bytesEval {
	x := &bytesEval{f: f, op: n.Op}
	switch n.Op {
	case OpIn, OpIntersects:
		x.set = map[string]struct{}{}
		for _, v := range n.Values {
			x.set[v.Text] = struct{}{}
		}
	case OpBContains:
		b, err := hex.DecodeString(n.Values[0].Text)
		if err != nil {
			c.valueErr(n.Values[0], "bcontains requires a hexadecimal string, got "+n.Values[0].Text)
		}
		x.val, x.op = string(b), OpContains
	case OpEq, OpNe, OpContains, OpStartsWith, OpEndsWith:
		x.val = n.Values[0].Text
	default:
		c.failf(n.OpPos, "%s", unsupported(n.Op, "buffer filters"))
	}
	return x
}

func (x *bytesEval) eval(e *inspect.Event) bool {
	v, ok := x.f.Extract(e)
	if !ok {
		return false
	}
	s := v.Str
	switch x.op {
	case OpEq:
		return s == x.val
	case OpNe:
		return s != x.val
	case OpContains:
		return strings.Contains(s, x.val)
	case OpStartsWith:
		return strings.HasPrefix(s, x.val)
	case OpEndsWith:
		return strings.HasSuffix(s, x.val)
	case OpIn, OpIntersects:
		_, ok := x.set[s]
		return ok
	}
	return false
}

// numEval compares a numeric or boolean field. Signed types compare as
// int64, unsigned ones (times, ports, booleans) as uint64.
type numEval struct {
	f    *field.Field
	op   Op
	kind field.Kind
	i    []int64
	u    []uint64
	fl   []float64
}

func (c *compiler) numCheck(n *Check, f *field.Field) *numEval {
	x := &numEval{f: f, op: n.Op, kind: field.KindOf(f.Type())}
	for _, v := range n.Values {
		switch x.kind {
		case field.KindInt:
			i, err := parseSigned(f.Type(), v.Text)
			if err != nil {
				c.valueErr(v, err.Error())
			}
			x.i = append(x.i, i)
		case field.KindFloat:
			fl, err := strconv.ParseFloat(strings.TrimSpace(v.Text), 64)
			if err != nil {
				c.valueErr(v, v.Text+" is not a valid number")
			}
			x.fl = append(x.fl, fl)
		default:
			u, err := parseUnsigned(f.Type(), v.Text)
			if err != nil {
				c.valueErr(v, err.Error())
			}
			x.u = append(x.u, u)
		}
	}
	// sysdig parses the values first and fails on the operator when it
	// compares.
	switch n.Op {
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpIn, OpIntersects:
	default:
		c.failf(n.OpPos, "%s", unsupported(n.Op, "numeric filters"))
	}
	return x
}

func (x *numEval) eval(e *inspect.Event) bool {
	v, ok := x.f.Extract(e)
	if !ok {
		return false
	}
	switch x.kind {
	case field.KindInt:
		for _, w := range x.i {
			if cmpOrdered(x.op, v.Int, w) {
				return true
			}
		}
	case field.KindFloat:
		for _, w := range x.fl {
			if cmpOrdered(x.op, v.Float, w) {
				return true
			}
		}
	default:
		for _, w := range x.u {
			if cmpOrdered(x.op, v.Uint, w) {
				return true
			}
		}
	}
	return false
}

func cmpOrdered[T int64 | uint64 | float64](op Op, a, b T) bool {
	switch op {
	case OpEq, OpIn, OpIntersects:
		return a == b
	case OpNe:
		return a != b
	case OpLt:
		return a < b
	case OpLe:
		return a <= b
	case OpGt:
		return a > b
	case OpGe:
		return a >= b
	}
	return false
}

// parseSigned parses a value for a signed field or parameter type.
func parseSigned(t event.ParamType, s string) (int64, error) {
	bits := 64
	switch t {
	case event.PTInt8:
		bits = 8
	case event.PTInt16:
		bits = 16
	case event.PTInt32:
		bits = 32
	case event.PTInt64, event.PTFD, event.PTErrno:
	default:
		return 0, fmt.Errorf("wrong parameter type %d", t)
	}
	return field.ParseInt(s, bits)
}

// parseUnsigned parses a value for an unsigned, port or boolean type.
func parseUnsigned(t event.ParamType, s string) (uint64, error) {
	switch t {
	case event.PTBool:
		switch s {
		case "true":
			return 1, nil
		case "false":
			return 0, nil
		}
		return 0, errors.New("filter error: unrecognized boolean value " + s)
	case event.PTPort:
		p, err := parsePort(s)
		return uint64(p), err
	case event.PTL4Proto, event.PTFlags8, event.PTUint8:
		return field.ParseUint(s, 8)
	case event.PTFlags16, event.PTUint16:
		return field.ParseUint(s, 16)
	case event.PTFlags32, event.PTUint32, event.PTMode:
		return field.ParseUint(s, 32)
	case event.PTUint64, event.PTRelTime, event.PTAbsTime:
		return field.ParseUint(s, 64)
	}
	return 0, fmt.Errorf("wrong parameter type %d", t)
}

// parsePort reads a port number or a service name.
func parsePort(s string) (uint16, error) {
	if s == "" {
		return 0, nil
	}
	digits := true
	for i := 0; i < len(s); i++ {
		digits = digits && s[i] >= '0' && s[i] <= '9'
	}
	if digits {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			v = 1<<64 - 1
		}
		return uint16(v), nil
	}
	for _, proto := range []string{"tcp", "udp"} {
		if p, err := net.LookupPort(proto, s); err == nil {
			return uint16(p), nil
		}
	}
	return 0, errors.New("unrecognized protocol " + s)
}

// ipValue is an address operand: 4 or 16 bytes, zero-padded.
type ipValue struct {
	b [16]byte
	n int
}

// parseIP reads an address the way sysdig does: IPv4 when the text has a
// dot, IPv6 otherwise.
func parseIP(s string) (ipValue, error) {
	var v ipValue
	if strings.IndexByte(s, '.') >= 0 {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return v, errors.New("unrecognized IPv4 address " + s)
		}
		b := a.As4()
		v.n = copy(v.b[:], b[:])
		return v, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return v, errors.New("unrecognized IPv6 address " + s)
	}
	b := a.As16()
	v.n = copy(v.b[:], b[:])
	return v, nil
}

// ipEval compares an address field.
type ipEval struct {
	f    *field.Field
	op   Op
	vals []ipValue
}

func (c *compiler) ipCheck(n *Check, f *field.Field) *ipEval {
	x := &ipEval{f: f, op: n.Op}
	for _, v := range n.Values {
		ip, err := parseIP(v.Text)
		if err != nil {
			c.valueErr(v, err.Error())
		}
		x.vals = append(x.vals, ip)
	}
	switch n.Op {
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpIn, OpIntersects:
	default:
		c.failf(n.OpPos, "%s", unsupported(n.Op, "numeric filters"))
	}
	return x
}

// cmpIP compares an extracted address with an operand as sysdig does: an
// IPv4 address as a 32-bit number against the operand's first 4 bytes, an
// IPv6 one for equality against all 16.
func cmpIP(op Op, got []byte, want *ipValue) bool {
	if len(got) == 4 {
		a := uint64(binary.LittleEndian.Uint32(got))
		b := uint64(binary.LittleEndian.Uint32(want.b[:4]))
		return cmpOrdered(op, a, b)
	}
	eq := string(got) == string(want.b[:len(got)])
	switch op {
	case OpEq, OpIn, OpIntersects:
		return eq
	case OpNe:
		return !eq
	}
	return false
}

func (x *ipEval) eval(e *inspect.Event) bool {
	v, ok := x.f.Extract(e)
	if !ok {
		return false
	}
	got := v.IP[:v.IPLen]
	for i := range x.vals {
		if cmpIP(x.op, got, &x.vals[i]) {
			return true
		}
	}
	return false
}

// netValue is a network operand, kept in the byte layout sysdig stores it
// in, since sysdig reads it according to the address it is compared with:
// an IPv4 network is 4 address bytes then 4 mask bytes; a plain IPv6
// address (sysdig's only IPv6 form) is 16 bytes, of which an IPv6
// address compares the first 8 and an IPv4 address reads bytes 4-8 as
// the mask. An IPv6 CIDR ("addr/n", an xtrace extension) matches IPv6
// addresses on its n prefix bits only.
type netValue struct {
	raw    [16]byte
	cidr6  bool
	prefix int
}

// parseNet reads a network operand: "a.b.c.d/n" for IPv4, an IPv6
// address, or an IPv6 CIDR.
func parseNet(s string) (netValue, error) {
	var v netValue
	if strings.IndexByte(s, '.') >= 0 {
		ip, mask, ok := strings.Cut(s, "/")
		if !ok {
			return v, errors.New("unrecognized IP network " + s)
		}
		a, err := netip.ParseAddr(ip)
		if err != nil || !a.Is4() {
			return v, errors.New("unrecognized IP address " + s)
		}
		bits, err := field.ParseUint(mask, 8)
		if err != nil {
			return v, err
		}
		if bits > 32 {
			return v, errors.New("invalid netmask " + mask)
		}
		b := a.As4()
		copy(v.raw[:4], b[:])
		binary.BigEndian.PutUint32(v.raw[4:8], ^uint32(0)<<(32-bits))
		return v, nil
	}
	if p, err := netip.ParsePrefix(s); err == nil && p.Addr().Is6() && p.Addr().Zone() == "" {
		b := p.Addr().As16()
		copy(v.raw[:], b[:])
		v.cidr6, v.prefix = true, p.Bits()
		return v, nil
	}
	ip, err := parseIP(s)
	if err != nil {
		return v, err
	}
	v.raw = ip.b
	return v, nil
}

// inNet reports whether address got (4 or 16 bytes) is in network n.
func inNet(got []byte, n *netValue) bool {
	switch {
	case n.cidr6:
		if len(got) != 16 {
			return false
		}
		bits := n.prefix
		for i := 0; bits > 0; i++ {
			m := byte(0xff)
			if bits < 8 {
				m = byte(0xff << (8 - bits))
			}
			if got[i]&m != n.raw[i]&m {
				return false
			}
			bits -= 8
		}
		return true
	case len(got) == 4:
		for i := 0; i < 4; i++ {
			if got[i]&n.raw[4+i] != n.raw[i]&n.raw[4+i] {
				return false
			}
		}
		return true
	case len(got) == 16:
		return string(got[:8]) == string(n.raw[:8])
	}
	return false
}

// netEval compares an address field with networks.
type netEval struct {
	f    *field.Field
	op   Op
	nets []netValue
}

func (c *compiler) parseNets(n *Check, opMsg string) []netValue {
	var nets []netValue
	for _, v := range n.Values {
		nv, err := parseNet(v.Text)
		if err != nil {
			c.valueErr(v, err.Error())
		}
		nets = append(nets, nv)
	}
	switch n.Op {
	case OpEq, OpNe, OpIn, OpIntersects:
	case OpContains, OpIContains, OpStartsWith, OpEndsWith, OpGlob:
		if opMsg == "" {
			c.failf(n.OpPos, "%s", unsupported(n.Op, "numeric filters"))
		}
		c.failf(n.OpPos, "%s", opMsg)
	default:
		if opMsg == "" {
			opMsg = "comparison operator not supported for ipv4 networks"
		}
		c.failf(n.OpPos, "%s", opMsg)
	}
	return nets
}

func (c *compiler) netCheck(n *Check, f *field.Field) *netEval {
	return &netEval{f: f, op: n.Op, nets: c.parseNets(n, "")}
}

func (x *netEval) eval(e *inspect.Event) bool {
	v, ok := x.f.Extract(e)
	if !ok {
		return false
	}
	return netMatch(x.op, v.IP[:v.IPLen], x.nets)
}

func netMatch(op Op, got []byte, nets []netValue) bool {
	for i := range nets {
		in := inNet(got, &nets[i])
		if op == OpNe {
			in = !in
		}
		if in {
			return true
		}
	}
	return false
}

// fdEndpointsEval implements the filter-only fields that match either end
// of a socket: fd.ip, fd.net, fd.port and fd.proto.
type fdEndpointsEval struct {
	f     *field.Field
	kind  byte // 'i' address, 'n' network, 'p' port, 'x' exists
	op    Op
	ips   []ipValue
	nets  []netValue
	ports []uint64
}

func (c *compiler) fdIP(n *Check, f *field.Field) predicate {
	x := &fdEndpointsEval{f: f, kind: 'i', op: n.Op}
	for _, v := range n.Values {
		ip, err := parseIP(v.Text)
		if err != nil {
			c.valueErr(v, err.Error())
		}
		x.ips = append(x.ips, ip)
	}
	switch n.Op {
	case OpEq, OpNe, OpIn, OpIntersects:
	default:
		c.failf(n.OpPos, "filter error: IP filter only supports '=' and '!=' operators")
	}
	return x.eval
}

func (c *compiler) fdNet(n *Check, f *field.Field) predicate {
	return (&fdEndpointsEval{f: f, kind: 'n', op: n.Op, nets: c.parseNets(n, "filter error: IP filter only supports '=' and '!=' operators")}).eval
}

func (c *compiler) fdPort(n *Check, f *field.Field) predicate {
	x := &fdEndpointsEval{f: f, kind: 'p', op: n.Op}
	for _, v := range n.Values {
		p, err := parsePort(v.Text)
		if err != nil {
			c.valueErr(v, err.Error())
		}
		x.ports = append(x.ports, uint64(p))
	}
	switch n.Op {
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpIn, OpIntersects:
	default:
		c.failf(n.OpPos, "filter error: unsupported port comparison operator")
	}
	return x.eval
}

func (x *fdEndpointsEval) eval(e *inspect.Event) bool {
	_, fd, ok := e.FDInfo()
	if !ok || fd == nil {
		return false
	}
	var a, b []byte
	var pa, pb uint16
	switch fd.Type {
	case inspect.FDIPv4Sock:
		a, b, pa, pb = fd.SIP[:4], fd.DIP[:4], fd.SPort, fd.DPort
	case inspect.FDIPv6Sock:
		a, b, pa, pb = fd.SIP[:], fd.DIP[:], fd.SPort, fd.DPort
	case inspect.FDIPv4Serv:
		a, b, pa, pb = fd.SIP[:4], fd.SIP[:4], fd.SPort, fd.SPort
	case inspect.FDIPv6Serv:
		a, b, pa, pb = fd.SIP[:], fd.SIP[:], fd.SPort, fd.SPort
	default:
		return false
	}
	switch x.kind {
	case 'x':
		return true
	case 'i':
		for i := range x.ips {
			ea, eb := cmpIP(OpEq, a, &x.ips[i]), cmpIP(OpEq, b, &x.ips[i])
			if x.op == OpNe {
				if !ea && !eb {
					return true
				}
			} else if ea || eb {
				return true
			}
		}
		return false
	case 'n':
		if x.op == OpNe {
			return netMatch(OpNe, a, x.nets) && netMatch(OpNe, b, x.nets)
		}
		return netMatch(OpEq, a, x.nets) || netMatch(OpEq, b, x.nets)
	}
	for _, p := range x.ports {
		if x.op == OpNe {
			if uint64(pa) != p && uint64(pb) != p {
				return true
			}
			continue
		}
		if cmpOrdered(x.op, uint64(pa), p) || cmpOrdered(x.op, uint64(pb), p) {
			return true
		}
	}
	return false
}

// ancestorEval matches proc.aname or proc.apid without index: true when
// any ancestor process (parent first, the process itself excluded)
// matches.
type ancestorEval struct {
	f      *field.Field
	exists bool
	str    *stringEval
	num    *numEval
}

func (c *compiler) ancestors(n *Check, f *field.Field) predicate {
	x := &ancestorEval{f: f}
	if f.Def().Name == "proc.aname" {
		x.str = c.stringCheck(n, f)
	} else {
		x.num = c.numCheck(n, f)
	}
	return x.eval
}

func (x *ancestorEval) eval(e *inspect.Event) bool {
	found := false
	field.EachAncestor(e, func(t *inspect.Thread) bool {
		switch {
		case x.exists:
			found = true
		case x.str != nil:
			found = x.str.match(t.Comm)
		default:
			found = x.num.matchInt(t.PID)
		}
		return !found
	})
	return found
}

// match applies the string comparison to s.
func (x *stringEval) match(s string) bool {
	switch x.op {
	case OpEq:
		return s == x.val
	case OpNe:
		return s != x.val
	case OpLt:
		return s < x.val
	case OpLe:
		return s <= x.val
	case OpGt:
		return s > x.val
	case OpGe:
		return s >= x.val
	case OpContains:
		return strings.Contains(s, x.val)
	case OpIContains:
		return indexFold(s, x.val) >= 0
	case OpStartsWith:
		return strings.HasPrefix(s, x.val)
	case OpEndsWith:
		return strings.HasSuffix(s, x.val)
	case OpGlob:
		return globMatch(x.val, s)
	case OpIn, OpIntersects:
		_, ok := x.set[s]
		return ok
	case OpPMatch:
		for _, p := range x.paths {
			if pathHasPrefix(s, p) {
				return true
			}
		}
	}
	return false
}

func (x *numEval) matchInt(v int64) bool {
	for _, w := range x.i {
		if cmpOrdered(x.op, v, w) {
			return true
		}
	}
	return false
}

// aroundEval is evt.around[T]=D: events within D ms of time T.
type aroundEval struct {
	t, delta uint64
}

func (c *compiler) around(n *Check, f *field.Field) predicate {
	if n.Op.List() {
		c.failf(n.OpPos, "evt.around supports only '=' comparison operator")
	}
	d, err := field.ParseUint(n.Values[0].Text, 64)
	if err != nil {
		c.valueErr(n.Values[0], err.Error())
	}
	if n.Op != OpEq {
		c.valueErr(n.Values[0], "evt.around supports only '=' comparison operator")
	}
	return (&aroundEval{t: f.ArgTime(), delta: d * 1000000}).eval
}

func (x *aroundEval) eval(e *inspect.Event) bool {
	return x.t >= e.TS-x.delta && x.t <= e.TS+x.delta
}
