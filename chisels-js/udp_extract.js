// udp_extract: writes the payload of every UDP fd to its own file in
// ./udp_dump_files, named after the fd's tuple.
"use strict";

const fs = require("fs");

const OUTPUT_DIR_NAME = "./udp_dump_files";

let f = {};
const files = new Map();

module.exports = {
  description:
    "This chisel parses a trace file, identifies file descriptors carrying UDP network traffic (DNS excluded) and dumps the content of each FD into a different file in the " +
    OUTPUT_DIR_NAME + " directory. Files are named after the UDP tuple they contain.",
  shortDescription: "extract data from UDP streams to files.",
  category: "I/O",
  args: [],

  onInit() {
    f = { data: chisel.requestField("evt.rawarg.data"), fdName: chisel.requestField("fd.name") };
    fs.mkdir(OUTPUT_DIR_NAME);
    sysdig.setSnaplen(16384);
    chisel.setFilter("evt.dir=< and evt.rawres>=0 and fd.l4proto=udp and evt.is_io=true");
  },

  onCaptureStart() {
    if (sysdig.isLive()) {
      print("live capture not supported");
      return false;
    }
  },

  onEvent() {
    const name = String(evt.field(f.fdName));
    let out = files.get(name);
    if (out === undefined) {
      out = fs.open((OUTPUT_DIR_NAME + "/" + name).replace(/:/g, "_").replace(/>/g, "-"));
      files.set(name, out);
    }
    const data = evt.field(f.data);
    if (data !== undefined) {
      out.write(data);
    }
    return true;
  },
};
