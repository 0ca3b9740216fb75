package chisel

import (
	"net"
	"strconv"

	"github.com/dop251/goja"
)

// udpSetPeerName is sysdig.udpSetPeerName(addr, port): the UDP peer
// sysdig.udpSend sends to (tracers_2_statsd's statsd server).
func (rt *runtime) udpSetPeerName(c goja.FunctionCall) goja.Value {
	rt.need(PermNet, "sysdig.udpSetPeerName")
	addr := net.JoinHostPort(c.Argument(0).String(), strconv.FormatInt(c.Argument(1).ToInteger(), 10))
	conn, err := net.Dial("udp4", addr)
	if err != nil {
		rt.throwAPI("udp_setpeername error: unable to create the socket")
	}
	if rt.udp != nil {
		rt.udp.Close()
	}
	rt.udp = conn
	return goja.Undefined()
}

// udpSend is sysdig.udpSend(message).
func (rt *runtime) udpSend(c goja.FunctionCall) goja.Value {
	rt.need(PermNet, "sysdig.udpSend")
	if rt.udp == nil {
		rt.throwAPI("udp_send error: no peer (call sysdig.udpSetPeerName first)")
	}
	if _, err := rt.udp.Write([]byte(goString(c.Argument(0)))); err != nil {
		rt.throwAPI("udp_send error: cannot send the buffer: %v", err)
	}
	return rt.vm.ToValue(true)
}
