// netstat: the network connections (socket fds) at the first event that
// reaches the chisel, in the layout of netstat(8).
"use strict";

const { extendString } = require("common");

let sockFilter = "(fd.type=ipv4 or fd.type=ipv6)";
let capturing = false;
let matched = false;

module.exports = {
  description:
    "Print the system network connections, with an output that is similar to the one of netstat. Output is at a point in time; adjust this in the filter. It defaults to time of evt.num=0",
  shortDescription: "List (and optionally filter) network connections.",
  category: "System State",
  args: [
    {
      name: "filter",
      description:
        "A sysdig-like filter expression that allows restricting the FD list. E.g. 'proc.name=foo and fd.port=80'.",
      type: "filter",
      optional: true,
    },
  ],

  onInit(args) {
    // No space before "and", as in sysdig: the filter parser accepts it.
    if (args.filter !== undefined) {
      sockFilter += "and (" + args.filter + ")";
    }
  },

  onCaptureStart() {
    capturing = true;
  },

  onEvent() {
    sysdig.endCapture();
    matched = true;
    return false;
  },

  onCaptureEnd() {
    if (!capturing) {
      return;
    }
    if (!matched) {
      print("empty capture or no event matching the filter");
      return;
    }
    const threads = sysdig.getThreadTable(sockFilter);
    const out = [
      extendString("Proto", 6) +
        extendString("Server Address", 25) +
        extendString("Client Address", 25) +
        extendString("State", 15) +
        "TID/PID/Program Name",
    ];
    for (const t of threads) {
      for (const fd of t.fds) {
        let client = "0.0.0.0:*";
        let state = "LISTEN";
        if (fd.cip !== undefined) {
          client = fd.cip + ":" + fd.cport;
          state = "ESTABLISHED";
        }
        out.push(
          extendString(fd.l4proto, 6) +
            extendString(fd.sip + ":" + fd.sport, 25) +
            extendString(client, 25) +
            extendString(state, 15) +
            t.tid + "/" + t.pid + "/" + t.comm,
        );
      }
    }
    print(out.join("\n"));
  },
};
