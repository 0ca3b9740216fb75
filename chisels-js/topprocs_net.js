// topprocs_net: top processes by network I/O; a table_generator view.
"use strict";

// How many rows to print.
const TOP_NUMBER = "100";

module.exports = {
  description:
    "Sort the list of the processes that use the most network bandwidth. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown.",
  shortDescription: "Top processes by network I/O",
  category: "Net",
  args: [],

  onInit() {
    const [keys, descs] = sysdig.isPrintContainerData()
      ? ["proc.name,proc.pid,thread.vtid,container.name", "Process,Host_pid,Container_pid,container.name"]
      : ["proc.name,proc.pid", "Process,PID"];
    chisel.exec("table_generator", keys, descs, "evt.rawarg.res", "Bytes", "(fd.type=ipv4 or fd.type=ipv6) and evt.is_io=true", TOP_NUMBER, "bytes");
  },
};
