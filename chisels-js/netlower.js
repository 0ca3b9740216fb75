// netlower: network I/O calls slower than a threshold (in milliseconds).
"use strict";

const { sprintf, parseNumericInput } = require("common");
const terminal = require("ansiterminal");

// Whether I/O on /dev files is left out.
const SKIP_DEV = false;

let minMs;
let f = {};
let printContainer = false;

module.exports = {
  description:
    "Trace network I/O slower than a threshold, or all network I/O. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown. (Blue represents a process running within a container, and Green represents a host process)",
  shortDescription: "Trace slow network I/0",
  category: "Performance",
  args: [
    { name: "min_ms", description: "Minimum millisecond threshold for showing network I/O", type: "int", optional: false },
    {
      name: "disable_color",
      description: "Set to 'disable_colors' if you want to disable color output",
      type: "string",
      optional: true,
    },
  ],

  onSetArg(name, value) {
    if (name === "disable_color" && value === "disable_color") {
      terminal.enableColor(false);
    } else if (name === "min_ms") {
      minMs = parseNumericInput(value, name);
    }
  },

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
    chisel.setFilter("evt.is_io=true and (fd.type=ipv4 or fd.type=ipv6)");
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
    if (SKIP_DEV && String(name).slice(0, 5) === "/dev/") {
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
