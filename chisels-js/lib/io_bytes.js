// io_bytes: the body of iobytes, iobytes_file and iobytes_net (sysdig's
// three Lua chisels are the same script with a different filter): bytes
// read and written on the selected fds, printed every second of event
// time.
"use strict";

// ioBytesChisel returns the chisel for one kind of fd: o.filter selects
// them; o.description, o.shortDescription and o.category are the
// chisel's texts.
function ioBytesChisel(o) {
  let f = {};
  let total = 0;
  let totalIn = 0;
  let totalOut = 0;
  return {
    description: o.description,
    shortDescription: o.shortDescription,
    category: o.category,
    args: [],

    onInit() {
      f = {
        bytes: chisel.requestField("evt.rawarg.res"),
        time: chisel.requestField("evt.time.s"),
        isRead: chisel.requestField("evt.is_io_read"),
      };
      chisel.setFilter(o.filter);
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
}

module.exports = { ioBytesChisel };
