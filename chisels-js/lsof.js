// lsof: the fd table of every thread at the first event that reaches the
// chisel (the first event of the capture, or the first one that passes
// the command-line filter), in the layout of lsof(8).
"use strict";

const { extendString } = require("common");

let fdFilter;
let capturing = false;
let matched = false;

module.exports = {
  description:
    "This chisel prints the open file descriptors for every process in the system, with an output that is similar to the one of lsof. Output is at a point in time; adjust this in the filter.  It defaults to time of evt.num=0",
  shortDescription: "List (and optionally filter) the open file descriptors.",
  category: "System State",
  args: [
    {
      name: "filter",
      description:
        "A sysdig-like filter expression that allows restricting the FD list. E.g. 'proc.name=foo and fd.name contains /etc'.",
      type: "filter",
      optional: true,
    },
  ],

  onInit(args) {
    fdFilter = args.filter;
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
    const threads = sysdig.getThreadTable(fdFilter);
    const out = [
      extendString("COMMAND", 20) +
        extendString("PID", 8) +
        extendString("TID", 8) +
        extendString("USER", 8) +
        extendString("FD", 8) +
        extendString("TYPE", 12) +
        "NAME",
    ];
    for (const t of threads) {
      for (const fd of t.fds) {
        out.push(
          extendString(t.comm, 20) +
            extendString(String(t.pid), 8) +
            extendString(String(t.tid), 8) +
            extendString(t.username, 8) +
            extendString(String(fd.num), 8) +
            extendString(fd.type, 12) +
            fd.name,
        );
      }
    }
    print(out.join("\n"));
  },
};
