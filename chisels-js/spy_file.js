// spy_file: every read and write on files, with time, process, direction,
// size and path, followed by the data as text.
"use strict";

const { formatBytes, luaString } = require("common");

let fileName;
let readOrWrite;
let f = {};

module.exports = {
  description:
    "This chisel intercepts all reads and writes to all files. Instead of all files, you can limit interception to one file.",
  shortDescription:
    "Echo any read/write made by any process to all files. Optionally, you can provide the name of one file to only intercept reads/writes to that file.",
  category: "I/O",
  args: [
    {
      name: "read_or_write",
      description:
        "Specify 'R' to capture only read events; 'W' to capture only write events; 'RW' to capture read and write events. By default both read and write events are captured.",
      type: "string",
      optional: true,
    },
    {
      name: "spy_on_file_name",
      description: "The name of the file which the chisel should spy on for all read and write activity.",
      type: "string",
      optional: true,
    },
  ],

  onInit(args) {
    readOrWrite = args.read_or_write;
    fileName = args.spy_on_file_name;
    f = {
      data: chisel.requestField("evt.arg.data"),
      fdName: chisel.requestField("fd.name"),
      isWrite: chisel.requestField("evt.is_io_write"),
      pid: chisel.requestField("proc.pid"),
      procName: chisel.requestField("proc.name"),
      res: chisel.requestField("evt.rawarg.res"),
      time: chisel.requestField("evt.time"),
    };
    sysdig.setSnaplen(2000);
    sysdig.setOutputFormat("ascii");
    let filter;
    if (fileName !== undefined && fileName !== "") {
      filter = "(fd.name=" + fileName + ") and ";
    } else {
      // Watching terminals could loop in a live capture.
      filter = "(not fd.name contains /dev/pt and not fd.name contains /dev/tty) and ";
    }
    if (readOrWrite === "R" || readOrWrite === "r") {
      filter += "evt.is_io_read=true and ";
    } else if (readOrWrite === "W" || readOrWrite === "w") {
      filter += "evt.is_io_write=true and ";
    } else {
      filter += "evt.is_io=true and ";
    }
    chisel.setFilter(filter + "fd.type=file and evt.dir=< and evt.failed=false");
  },

  onEvent() {
    const dir = evt.field(f.isWrite) === true ? "W" : "R";
    const s = (v) => luaString(v);
    print(
      s(evt.field(f.time)) + " " + s(evt.field(f.procName)) + "(" + s(evt.field(f.pid)) + ") " + dir + " " +
        formatBytes(evt.field(f.res)) + " " + s(evt.field(f.fdName)) + " " + s(evt.field(f.data)),
    );
    return true;
  },
};
