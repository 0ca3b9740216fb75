// fdbytes_by: sums the I/O bytes per value of a field; a table_generator view.
"use strict";

// How many rows to print.
const TOP_NUMBER = "30";

module.exports = {
  description:
    "Groups FD activity based on the given filter field, and returns the key that generated the most input+output bytes. For example, this script can be used to list the processes or TCP ports that generated most traffic.",
  shortDescription: "I/O bytes, aggregated by an arbitrary filter field",
  category: "I/O",
  args: [{ name: "key", description: "The filter field used for grouping", type: "string" }],

  onInit(args) {
    chisel.exec("table_generator", args.key, args.key, "evt.rawarg.res", "Bytes", "evt.is_io=true and evt.failed=false", TOP_NUMBER, "bytes");
  },
};
