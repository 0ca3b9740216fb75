// topcontainers_file: top containers by R+W disk bytes; a table_generator view.
"use strict";

// How many rows to print.
const TOP_NUMBER = "10";

module.exports = {
  description:
    "Shows the top containers in terms of total (in+out) bytes to disk.",
  shortDescription: "Top containers by R+W disk bytes",
  category: "I/O",
  args: [],

  onInit() {
    chisel.exec("table_generator", "container.name", "container.name", "evt.rawarg.res", "Bytes", "fd.type=file and evt.is_io=true and container.name!=host", TOP_NUMBER, "bytes");
  },
};
