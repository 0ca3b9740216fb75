// stdout: the data processes write to fd 1.
"use strict";

let data;

module.exports = {
  description: "Print the standard output of any process on screen. Combine this script with a filter to limit the output to a specific process or pid.",
  shortDescription: "Print stdout of processes",
  category: "I/O",
  args: [],

  onInit() {
    data = chisel.requestField("evt.rawarg.data");
    sysdig.setSnaplen(2000);
    chisel.setFilter("fd.num=1 and evt.is_io=true");
  },

  onEvent() {
    const buf = evt.field(data);
    if (buf !== undefined) {
      print(buf);
    }
    return true;
  },
};
