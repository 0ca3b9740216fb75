// fileslower: file I/O calls slower than a threshold (in milliseconds).
"use strict";

const { slowChisel } = require("slow_io");

module.exports = slowChisel({
  description:
    "Trace file I/O slower than a threshold, or all file I/O. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown. (Blue represents a process running within a container, and Green represents a host process)",
  shortDescription: "Trace slow file I/O",
  what: "file",
  filter: "evt.is_io=true and fd.type=file",
  skipDev: true,
});
