// netlower: network I/O calls slower than a threshold (in milliseconds).
"use strict";

const { slowChisel } = require("slow_io");

module.exports = slowChisel({
  description:
    "Trace network I/O slower than a threshold, or all network I/O. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown. (Blue represents a process running within a container, and Green represents a host process)",
  shortDescription: "Trace slow network I/0",
  what: "network",
  filter: "evt.is_io=true and (fd.type=ipv4 or fd.type=ipv6)",
  skipDev: false,
});
