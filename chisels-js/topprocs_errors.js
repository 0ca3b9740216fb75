// topprocs_errors: top processes by number of errors; a table_generator view.
"use strict";

// How many rows to print.
const TOP_NUMBER = "100";

module.exports = {
  description:
    "Shows the top processes in terms of system call errors. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown.",
  shortDescription: "top processes by number of errors",
  category: "Errors",
  args: [],

  onInit() {
    const [keys, descs] = sysdig.isPrintContainerData()
      ? ["proc.name,proc.pid,thread.vtid,container.name", "Process,Host_pid,Container_pid,container.name"]
      : ["proc.name,proc.pid", "Process,PID"];
    chisel.exec("table_generator", keys, descs, "evt.count", "#Errors", "evt.failed=true", TOP_NUMBER, "none");
  },
};
