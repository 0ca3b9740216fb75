// tracers_2_statsd: sends the duration of sysdig tracer spans to a statsd
// server as timers.
"use strict";

const { luaString } = require("common");

// sysdig sends to 127.0.0.1:8125 whatever the arguments say.
const HOST = "127.0.0.1";
const PORT = 8125;

let f = {};

module.exports = {
  description:
    "Converts sysdig span duration data into statsd metrics and pipes them to the given statsd server. See https://github.com/draios/sysdig/wiki/Tracers for more information.",
  shortDescription: "Export spans duration as statds metrics.",
  category: "Tracers",
  args: [
    { name: "server_addr", description: "The address of the statsd server to send data to", type: "string", optional: true },
    { name: "server_port", description: "The UDP port to use", type: "string", optional: true },
  ],

  onSetArg(name) {
    return name === "server_addr" || name === "server_port";
  },

  onInit() {
    sysdig.udpSetPeerName(HOST, PORT);
    f = { tags: chisel.requestField("span.tags"), duration: chisel.requestField("span.duration") };
    chisel.setFilter("evt.type=tracer and evt.dir=<");
  },

  onEvent() {
    const latency = evt.field(f.duration);
    if (latency !== undefined) {
      const stat = String(evt.field(f.tags)).replace(/[:|@]/g, "_");
      sysdig.udpSend(stat + ":" + luaString(Number(latency) / 1000000) + "|ms");
    }
    return true;
  },
};
