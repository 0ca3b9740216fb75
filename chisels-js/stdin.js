// stdin: the data processes read from fd 0.
"use strict";

let data;

module.exports = {
  description: "Print the standard input of any process on screen. Combine this script with a filter to limit the output to a specific process or pid.",
  shortDescription: "Print stdin of processes",
  category: "I/O",
  args: [],

  onInit() {
    data = chisel.requestField("evt.rawarg.data");
    sysdig.setSnaplen(2000);
    chisel.setFilter("fd.num=0 and evt.is_io=true");
  },

  onEvent() {
    const buf = evt.field(data);
    if (buf !== undefined) {
      print(buf);
    }
    return true;
  },
};
