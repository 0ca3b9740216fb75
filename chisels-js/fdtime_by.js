// fdtime_by: sums the time spent in I/O calls per value of a field; a table_generator view.
"use strict";

// How many rows to print.
const TOP_NUMBER = "10";

module.exports = {
  description:
    "Groups FD activity based on the given filter field, and returns the keys where most time was spent. For example, this script can be used to list the processes or files that caused the biggest I/O latency.",
  shortDescription: "FD time group by",
  category: "I/O",
  args: [{ name: "key", description: "The filter field used for grouping", type: "string" }],

  onInit(args) {
    chisel.exec("table_generator", args.key, args.key, "evt.latency", "Time", "evt.is_io=true", TOP_NUMBER, "time");
  },
};
