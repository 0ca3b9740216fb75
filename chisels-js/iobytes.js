// iobytes: bytes read and written on any kind of fd, printed every second of
// event time.
"use strict";

let f = {};
let total = 0;
let totalIn = 0;
let totalOut = 0;

module.exports = {
  description: "Counts the total bytes read from and written to any type of FD (disk, socket, pipe...) and prints the result every second.",
  shortDescription: "Sum of I/O bytes on any type of FD",
  category: "I/O",
  args: [],

  onInit() {
    f = {
      bytes: chisel.requestField("evt.rawarg.res"),
      time: chisel.requestField("evt.time.s"),
      isRead: chisel.requestField("evt.is_io_read"),
    };
    chisel.setFilter("evt.is_io=true");
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
