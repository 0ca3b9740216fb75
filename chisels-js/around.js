// around: saves to a capture file the events of the same thread within a
// time range around each event that matches the command-line filter.
"use strict";

const { tsToStr } = require("common");
const terminal = require("ansiterminal");

let dumpFile;
let dumpRangeMs = "1000";
let f = {};
let tty = false;
let capturing = false;
const entries = [];

module.exports = {
  description:
    "Given a filter on the command line, this chisel saves the events that are in a time range around filter matches, and that are on the SAME process/thread. The time range can be adjusted with the dump_range_ms argument. For example, 'sysdig -c around evt.type=open and evt.failed=true' will save two seconds of activity around every failed open.",
  shortDescription: "Export to file the events around the time range where the given filter matches.",
  category: "Misc",
  args: [
    {
      name: "dump_file_name",
      description: "The name of the file where the chisel will write the events related to each syslog entry.",
      type: "string",
      optional: false,
    },
    {
      name: "dump_range_ms",
      description:
        "The time interval to capture *before* and *after* each event, in milliseconds. For example, 500 means that 1 second around each displayed event (.5s before and .5s after) will be saved to <dump_file_name>. The default value for dump_range_ms is 1000.",
      type: "int",
      optional: true,
    },
  ],

  onSetArg(name, value) {
    if (name === "dump_file_name") {
      dumpFile = value;
    } else if (name === "dump_range_ms") {
      dumpRangeMs = value;
    } else {
      return false;
    }
  },

  onInit() {
    f = {
      procName: chisel.requestField("proc.name"),
      tid: chisel.requestField("thread.tid"),
      time: chisel.requestField("evt.time"),
    };
    tty = sysdig.isTTY();
    if (sysdig.getFilter() === "") {
      print("no filter specified");
      return false;
    }
  },

  onCaptureStart() {
    if (sysdig.isLive()) {
      print("live capture not supported");
      return false;
    }
    capturing = true;
  },

  onEvent() {
    const tid = evt.field(f.tid);
    print(evt.field(f.time) + " " + (evt.field(f.procName) ?? "<NA>") + "(" + tid + ")");
    const [sec, nsec] = evt.getTs();
    entries.push([sec, nsec, tid]);
    return true;
  },

  onCaptureEnd() {
    if (tty) {
      print(terminal.reset);
    }
    if (!capturing) {
      return;
    }
    const filter = entries
      .map(([sec, nsec, tid]) => "(evt.around[" + tsToStr(sec, nsec) + "]=" + dumpRangeMs + " and thread.tid=" + tid + ")")
      .join(" or ");
    print("\nSaving events around " + entries.length + " syslog entries to " + dumpFile);
    sysdig.runApp("-F -r" + sysdig.getEvtSourceName() + " -w" + dumpFile + " " + filter);
  },
};
