// spy_syslog: every message written to syslog, optionally saving the
// events around each one to a capture file.
"use strict";

const { sprintf, tsToStr } = require("common");
const terminal = require("ansiterminal");

let dumpFile;
let dumpRangeMs = "1000";
let f = {};
let printContainer = false;
let tty = false;
let capturing = false;
const entries = [];

module.exports = {
  description:
    "Print every message written to syslog by any process. You can combine this chisel with filters like 'proc.name=foo' (to restrict the output to a specific process), or 'syslog.message contains foo' (to show only messages including a specific string). You can also write the events generated around each log entry to file by using the dump_file_name and dump_range_ms arguments.",
  shortDescription:
    "Print every message written to syslog. Optionally, export the events around each syslog message to file.",
  category: "Logs",
  args: [
    {
      name: "dump_file_name",
      description: "The name of the file where the chisel will write the events related to each syslog entry.",
      type: "string",
      optional: true,
    },
    {
      name: "dump_range_ms",
      description:
        "The time interval to capture *before* and *after* each event, in milliseconds. For example, 500 means that 1 second around each displayed event (.5s before and .5s after) will be saved to <dump_file_name>. The default value for dump_range_ms is 1000.",
      type: "int",
      optional: true,
    },
    {
      name: "disable_color",
      description: "Set to 'disable_colors' if you want to disable color output",
      type: "string",
      optional: true,
    },
  ],

  onSetArg(name, value) {
    if (name === "dump_file_name") {
      dumpFile = value;
    } else if (name === "dump_range_ms") {
      dumpRangeMs = value;
    } else if (name === "disable_color" && value === "disable_color") {
      terminal.enableColor(false);
    } else {
      return false;
    }
  },

  onInit() {
    f = {
      facility: chisel.requestField("syslog.facility.str"),
      severity: chisel.requestField("syslog.severity.str"),
      severityCode: chisel.requestField("syslog.severity"),
      message: chisel.requestField("syslog.message"),
      tid: chisel.requestField("thread.tid"),
      procName: chisel.requestField("proc.name"),
      containerName: chisel.requestField("container.name"),
      containerID: chisel.requestField("container.id"),
    };
    printContainer = sysdig.isPrintContainerData();
    sysdig.setSnaplen(1000);
    chisel.setFilter("fd.name contains /dev/log and evt.is_io_write=true and evt.dir=< and evt.failed=false");
    tty = sysdig.isTTY();
  },

  onCaptureStart() {
    if (dumpFile !== undefined && sysdig.isLive()) {
      print("events export not supported on live captures");
      return false;
    }
    capturing = true;
  },

  onEvent() {
    const fac = evt.field(f.facility);
    const sev = evt.field(f.severity);
    const msg = evt.field(f.message);
    const code = evt.field(f.severityCode);
    const tid = evt.field(f.tid);
    const proc = evt.field(f.procName);
    const cname = evt.field(f.containerName);
    const cid = evt.field(f.containerID);
    if (tty) {
      let color = terminal.green;
      if (code === 4) {
        color = terminal.yellow;
      } else if (code < 4) {
        color = terminal.red;
      } else if (cname !== "host") {
        color = terminal.blue;
      }
      if (printContainer) {
        print(sprintf("%s%-20s %-20s %s.%s %s[%u] %s", color, cid, cname, fac, sev, proc, tid, msg));
      } else {
        print(sprintf("%s%s.%s %s[%u] %s", color, fac, sev, proc, tid, msg));
      }
    } else if (printContainer) {
      // sysdig's argument order, facility first.
      print(sprintf("%-20s %-20s %s.%s %s[%u] %s", fac, cid, cname, sev, proc, tid, msg));
    } else {
      print(sprintf("%s.%s %s[%u] %s", fac, sev, proc, tid, msg));
    }
    if (dumpFile !== undefined) {
      const [sec, nsec] = evt.getTs();
      entries.push([sec, nsec, tid]);
    }
    return true;
  },

  onCaptureEnd() {
    if (tty) {
      print(terminal.reset);
    }
    if (dumpFile === undefined || !capturing) {
      return;
    }
    const filter = entries
      .map(([sec, nsec, tid]) => "(evt.around[" + tsToStr(sec, nsec) + "]=" + dumpRangeMs + " and thread.tid=" + tid + ")")
      .join(" or ");
    print("Writing events for " + entries.length + " log entries");
    sysdig.runApp("-F -r" + sysdig.getEvtSourceName() + " -w" + dumpFile + " " + filter);
  },
};
