// iobytes_net: bytes read and written on the network, printed every second of
// event time.
"use strict";

let f = {};
let total = 0;
let totalIn = 0;
let totalOut = 0;

module.exports = {
  description: "Counts the total bytes read from and written to the network, and prints the result every second",
  shortDescription: "Show total network I/O bytes",
  category: "Net",
  args: [],

  onInit() {
    f = {
      bytes: chisel.requestField("evt.rawarg.res"),
      time: chisel.requestField("evt.time.s"),
      isRead: chisel.requestField("evt.is_io_read"),
    };
    chisel.setFilter("evt.is_io=true and (fd.type=ipv4 or fd.type=ipv6)");
    chisel.setIntervalS(1);
  },

  onEvent() {
    const bytes = evt.field(f.bytes);
    if (bytes !== undefined && bytes > 0) {
      total += bytes;
      if (evt.field(f.isRead)) {
        totalIn += bytes;
      } else {
        totalOut += bytes;
      }
    }
    return true;
  },

  onInterval() {
    print(evt.field(f.time) + " in:" + totalIn + " out:" + totalOut + " tot:" + total);
    total = totalIn = totalOut = 0;
  },
};
