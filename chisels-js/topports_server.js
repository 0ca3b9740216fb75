// topports_server: top TCP/UDP server ports by R+W bytes; a table_generator view.
"use strict";

// How many rows to print.
const TOP_NUMBER = "100";

module.exports = {
  description:
    "Shows the top TCP/UDP server ports in terms of total (in+out) bandwidth. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown.",
  shortDescription: "Top TCP/UDP server ports by R+W bytes",
  category: "Net",
  args: [],

  onInit() {
    const [keys, descs] = sysdig.isPrintContainerData()
      ? ["fd.sport,container.name", "Srv Port,container.name"]
      : ["fd.sport", "Srv Port"];
    chisel.exec("table_generator", keys, descs, "evt.rawarg.res", "Bytes", "(fd.type=ipv4 or fd.type=ipv6) and evt.is_io=true", TOP_NUMBER, "bytes");
  },
};
