// topfiles_bytes: top files by R+W bytes; a table_generator view.
"use strict";

// How many rows to print.
const TOP_NUMBER = "10";

module.exports = {
  description:
    "Shows the top files in terms of disk usage. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown.",
  shortDescription: "Top files by R+W bytes",
  category: "I/O",
  args: [],

  onInit() {
    const [keys, descs] = sysdig.isPrintContainerData()
      ? ["container.name,fd.name", "container.name,Filename"]
      : ["fd.name", "Filename"];
    chisel.exec("table_generator", keys, descs, "evt.rawarg.res", "Bytes", "fd.type=file and evt.is_io=true", TOP_NUMBER, "bytes");
  },
};
