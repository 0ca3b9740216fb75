// topconns: top network connections by total bytes; a table_generator view.
"use strict";

// How many rows to print.
const TOP_NUMBER = "30";

module.exports = {
  description:
    "Shows the top network connections in terms of total (in+out) bandwidth. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown.",
  shortDescription: "Top network connections by total bytes",
  category: "Net",
  args: [],

  onInit() {
    const [keys, descs] = sysdig.isPrintContainerData()
      ? ["container.name,fd.l4proto,fd.name", "container.name,Proto,Conn"]
      : ["fd.l4proto,fd.name", "Proto,Conn"];
    chisel.exec("table_generator", keys, descs, "evt.rawarg.res", "Bytes", "(fd.type=ipv4 or fd.type=ipv6) and evt.is_io=true", TOP_NUMBER, "bytes");
  },
};
