// topcontainers_net: top containers by network I/O; a table_generator view.
"use strict";

// How many rows to print.
const TOP_NUMBER = "100";

module.exports = {
  description:
    "Sorted list of containers that use the most network bandwidth.",
  shortDescription: "Top containers by network I/O",
  category: "Net",
  args: [],

  onInit() {
    chisel.exec("table_generator", "container.name", "container.name", "evt.rawarg.res", "Bytes", "(fd.type=ipv4 or fd.type=ipv6) and evt.is_io=true and container.name!=host", TOP_NUMBER, "bytes");
  },
};
