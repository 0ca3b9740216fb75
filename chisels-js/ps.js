// ps: the threads in the state table at the first event that reaches the
// chisel, in the layout of ps(1).
"use strict";

const { extendString, formatBytes } = require("common");

let procFilter;
let capturing = false;
let matched = false;

module.exports = {
  description:
    "List the running processes, with an output that is similar to the one of ps. Output is at a point in time; adjust this in the filter. It defaults to time of evt.num=0",
  shortDescription: "List (and optionally filter) the machine processes.",
  category: "System State",
  args: [
    {
      name: "filter",
      description:
        "A sysdig-like filter expression that allows restricting the FD list. For example 'fd.name contains /etc' shows all the processes that have files open under /etc.",
      type: "filter",
      optional: true,
    },
  ],

  onInit(args) {
    procFilter = args.filter;
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
    const threads = sysdig.getThreadTable(procFilter, { fds: false });
    const out = [
      extendString("TID", 8) +
        extendString("PID", 8) +
        extendString("USER", 12) +
        extendString("VIRT", 11) +
        extendString("RES", 11) +
        extendString("FDLIMIT", 10) +
        extendString("CMD", 20),
    ];
    for (const t of threads) {
      out.push(
        extendString(String(t.tid), 8) +
          extendString(String(t.pid), 8) +
          extendString(t.username, 12) +
          extendString(formatBytes(t.vmSizeKb * 1024), 11) +
          extendString(formatBytes(t.vmRssKb * 1024), 11) +
          extendString(String(t.fdLimit), 10) +
          t.comm,
      );
    }
    print(out.join("\n"));
  },
};
