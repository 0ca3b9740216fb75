// scallslower: system calls slower than a threshold (in milliseconds).
"use strict";

const { sprintf, luaString } = require("common");
const terminal = require("ansiterminal");
const { thresholdArgs } = require("min_ms");

let minMs;
let f = {};
let printContainer = false;
const threshold = thresholdArgs("Minimum milliseconds before which a syscall should complete", (ms) => {
  minMs = ms;
});

module.exports = {
  description:
    "Trace syscalls slower than a threshold milliseconds. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown. (Blue represents a process running within a container, and Green represents a host process)",
  shortDescription: "Trace slow syscalls",
  category: "Performance",
  args: threshold.args,
  onSetArg: threshold.onSetArg,

  onInit() {
    f = {
      type: chisel.requestField("evt.type"),
      datetime: chisel.requestField("evt.datetime"),
      procName: chisel.requestField("proc.name"),
      latency: chisel.requestField("evt.latency"),
      containerName: chisel.requestField("container.name"),
      containerID: chisel.requestField("container.id"),
    };
    printContainer = sysdig.isPrintContainerData();
    if (printContainer) {
      print(sprintf("%-23.23s %-20.20s  %-20.20s %-23.23s %-20s %s", "evt.datetime", "container.id", "container.name",
        "proc.name", "LATENCY(ms)", "evt.type"));
      print(sprintf("%-23.23s %-20.20s %-20.20s %-23.23s %-20s %s", "-----------------------", "--------------------",
        "--------------------", "-----------------------", "--------------------", "--------------------"));
    } else {
      const row = "%-23.23s %-23.23s %-20s %s";
      print(sprintf(row, "evt.datetime", "proc.name", "LATENCY(ms)", "evt.type"));
      print(sprintf(row, "-----------------------", "-----------------------", "--------------------", "--------------------"));
    }
  },

  onEvent() {
    let lat = evt.field(f.latency);
    if (lat === undefined) {
      return;
    }
    lat /= 1000000;
    if (!(lat > minMs)) {
      return;
    }
    const color = evt.field(f.containerName) !== "host" ? terminal.blue : terminal.green;
    // %s of a number: Lua's tostring (%.14g).
    const ms = luaString(lat);
    if (printContainer) {
      print(color + sprintf("%-23.23s %-20.20s %-20.20s %-23.23s %-20s %s", evt.field(f.datetime),
        evt.field(f.containerID), evt.field(f.containerName), evt.field(f.procName), ms, evt.field(f.type)));
    } else {
      print(color + sprintf("%-23.23s %-23.23s %-20s %s", evt.field(f.datetime), evt.field(f.procName), ms, evt.field(f.type)));
    }
  },
};
