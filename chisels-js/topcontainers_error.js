// topcontainers_error: top containers by number of errors; a table_generator view.
"use strict";

// How many rows to print.
const TOP_NUMBER = "100";

module.exports = {
  description:
    "Shows the top container in terms of system call errors.",
  shortDescription: "Top containers by number of errors",
  category: "Errors",
  args: [],

  onInit() {
    chisel.exec("table_generator", "container.name", "container.name", "evt.count", "#Errors", "evt.failed=true and container.name!=host", TOP_NUMBER, "none");
  },
};
