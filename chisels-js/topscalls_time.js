// topscalls_time: top system calls by time; a table_generator view.
"use strict";

// How many rows to print.
const TOP_NUMBER = "30";

module.exports = {
  description:
    "Show the top 30 system calls in terms of time spent in each call. You can use filters to restrict this to a specific process, thread or file. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown.",
  shortDescription: "Top system calls by time",
  category: "Performance",
  args: [],

  onInit() {
    const [keys, descs] = sysdig.isPrintContainerData()
      ? ["evt.type,container.name", "Syscall,container.name"]
      : ["evt.type", "Syscall"];
    chisel.exec("table_generator", keys, descs, "evt.latency", "Time", "", TOP_NUMBER, "time");
  },
};
