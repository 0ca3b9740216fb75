// spy_logs: every line written to a log file, optionally saving the events
// around each one to a capture file.
"use strict";

const { sprintf, tsToStr } = require("common");
const terminal = require("ansiterminal");

const FILE_FILTER =
  "(fd.name contains .log or fd.name contains _log or fd.name contains /var/log) and not (fd.name contains .gz or fd.name contains .tgz)";

let dumpFile;
let dumpRangeMs = "1000";
let f = {};
let printContainer = false;
let tty = false;
let capturing = false;
const entries = [];

module.exports = {
  description:
    "This chisel intercepts all the writes to files containing '.log' or '_log' in their name, and pretty prints them. You can combine this chisel with filters like 'proc.name=foo' (to restrict the output to a specific process), or 'evt.buffer contains foo' (to show only messages including a specific string). You can also write the events generated around each log entry to file by using the dump_file_name and dump_range_ms arguments. If running from a terminal the line will be colored Green = OK; Yellow = Warn; and Red = Error. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown. ( A Blue colored container.name represents a process running within a container)",
  shortDescription:
    "Echo any write made by any process to a log file. Optionally, export the events around each log message to file.",
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
      buffer: chisel.requestField("evt.buffer"),
      tid: chisel.requestField("thread.tid"),
      procName: chisel.requestField("proc.name"),
      fdName: chisel.requestField("fd.name"),
      containerName: chisel.requestField("container.name"),
    };
    printContainer = sysdig.isPrintContainerData();
    sysdig.setSnaplen(2000);
    sysdig.setOutputFormat("ascii");
    chisel.setFilter("(" + FILE_FILTER + ") and evt.is_io_write=true and evt.dir=< and evt.failed=false");
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
    const containerName = evt.field(f.containerName);
    const info = evt.field(f.procName) + " " + evt.field(f.fdName) + " ";
    for (const msg of String(evt.field(f.buffer)).split("\n")) {
      if (msg.length === 0) {
        continue;
      }
      if (tty) {
        let color = terminal.green;
        const lower = msg.toLowerCase();
        if (lower.includes("warn")) {
          color = terminal.yellow;
        } else if (msg.includes("err")) {
          color = terminal.red;
        }
        if (printContainer) {
          const container = sprintf("%s %s", containerName !== "host" ? terminal.blue : color, containerName);
          print(sprintf("%s %s %s", color, container, sprintf("%s %s%s", color, info, msg)));
        } else {
          print(sprintf("%s %s%s", color, info, msg));
        }
      } else if (printContainer) {
        print(sprintf("%s %s%s", containerName, info, msg));
      } else {
        print(info + msg);
      }
    }
    if (dumpFile !== undefined) {
      const [sec, nsec] = evt.getTs();
      entries.push([sec, nsec, evt.field(f.tid)]);
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
