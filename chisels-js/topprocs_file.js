// topprocs_file: top processes by R+W disk bytes; a table_generator view.
"use strict";

// How many rows to print.
const TOP_NUMBER = "10";

module.exports = {
  description:
    "Shows the top processes in terms of total (in+out) bytes to disk. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown.",
  shortDescription: "Top processes by R+W disk bytes",
  category: "I/O",
  args: [],

  onInit() {
    const [keys, descs] = sysdig.isPrintContainerData()
      ? ["proc.name,proc.pid,thread.vtid,container.name", "Process,Host_pid,Container_pid,container.name"]
      : ["proc.name,proc.pid", "Process,PID"];
    chisel.exec("table_generator", keys, descs, "evt.rawarg.res", "Bytes", "fd.type=file and evt.is_io=true", TOP_NUMBER, "bytes");
  },
};
