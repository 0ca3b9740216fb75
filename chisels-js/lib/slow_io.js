// slow_io: the body of fileslower and netlower (sysdig's two Lua chisels
// are the same script with a different filter): I/O calls slower than a
// threshold in milliseconds, one line each, with container columns under
// -pc.
"use strict";

const { sprintf } = require("common");
const terminal = require("ansiterminal");
const { thresholdArgs } = require("min_ms");

// slowChisel returns the chisel for one kind of I/O: o.filter selects its
// fds, o.what names it in the texts ("file", "network"), o.skipDev leaves
// out I/O on /dev files.
function slowChisel(o) {
  let minMs;
  let f = {};
  let printContainer = false;
  const threshold = thresholdArgs("Minimum millisecond threshold for showing " + o.what + " I/O", (ms) => {
    minMs = ms;
  });
  return {
    description: o.description,
    shortDescription: o.shortDescription,
    category: "Performance",
    args: threshold.args,
    onSetArg: threshold.onSetArg,

    onInit() {
      f = {
        type: chisel.requestField("evt.type"),
        dir: chisel.requestField("evt.dir"),
        datetime: chisel.requestField("evt.datetime"),
        fdName: chisel.requestField("fd.name"),
        procName: chisel.requestField("proc.name"),
        latency: chisel.requestField("evt.latency"),
        containerName: chisel.requestField("container.name"),
        containerID: chisel.requestField("container.id"),
      };
      printContainer = sysdig.isPrintContainerData();
      chisel.setFilter(o.filter);
      if (printContainer) {
        const row = "%-23.23s %-20.20s %-20.20s %-12.12s %-8s %-12s %s";
        print(sprintf(row, "evt.datetime", "container.id", "container.name", "proc.name", "evt.type", "LATENCY(ms)", "fd.name"));
        print(sprintf(row, "-----------------------", "------------------------------", "------------------------------",
          "------------", "--------", "------------", "-----------------------------------------"));
      } else {
        const row = "%-23.23s %-12.12s %-8s %-12s %s";
        print(sprintf(row, "evt.datetime", "proc.name", "evt.type", "LATENCY(ms)", "fd.name"));
        print(sprintf(row, "-----------------------", "------------", "--------", "------------", "-----------------------------------------"));
      }
    },

    onEvent() {
      const lat = evt.field(f.latency) / 1000000;
      const name = evt.field(f.fdName);
      if (evt.field(f.dir) !== "<" || !(lat > minMs)) {
        return true;
      }
      if (o.skipDev && String(name).slice(0, 5) === "/dev/") {
        return true;
      }
      const color = evt.field(f.containerName) !== "host" ? terminal.blue : terminal.green;
      if (printContainer) {
        print(color + sprintf("%-23.23s %-20.20s %-20.20s %-12.12s %-8s %12d %s", evt.field(f.datetime),
          evt.field(f.containerID), evt.field(f.containerName), evt.field(f.procName), evt.field(f.type), lat, name));
      } else {
        print(color + sprintf("%-23.23s %-12.12s %-8s %12d %s", evt.field(f.datetime), evt.field(f.procName),
          evt.field(f.type), lat, name));
      }
      return true;
    },
  };
}

module.exports = { slowChisel };
