// proc_exec_time: how long each process ran, printed when it exits and
// coloured by duration.
"use strict";

const { sprintf, formatTimeInterval } = require("common");
const terminal = require("ansiterminal");

const THRESHOLD_YELLOW_NS = 3000000000;
const THRESHOLD_RED_NS = 10000000000;

let f = {};
let printContainer = false;

module.exports = {
  description:
    "List the processes that have finished running, along with their execution time, and color every line based on the total process run time (Green|Blue below thresholds, Yellow at 3 sec, and Red at 10 sec). This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown. (Blue represents a process running within a container, and Green represents a host process)",
  shortDescription: "Show process execution time",
  category: "Performance",
  args: [
    {
      name: "disable_color",
      description: "Set to 'disable_colors' if you want to disable color output",
      type: "string",
      optional: true,
    },
  ],

  onSetArg(name, value) {
    if (value === "disable_colors") {
      terminal.enableColor(false);
    }
  },

  onInit() {
    f = {
      name: chisel.requestField("proc.name"),
      args: chisel.requestField("proc.args"),
      duration: chisel.requestField("proc.duration"),
      containerName: chisel.requestField("container.name"),
      containerID: chisel.requestField("container.id"),
    };
    printContainer = sysdig.isPrintContainerData();
    chisel.setFilter("evt.type=procexit");
    if (printContainer) {
      const row = "%-13.13s %-20.20s %-20.20s %-12.12s %s";
      print(sprintf(row, "proc.duration", "container.id", "container.name", "proc.name", "proc.args"));
      print(sprintf(row, "-------------", "--------------------", "--------------------", "------------", "--------------------"));
    } else {
      const row = "%-13.13s %-12.12s %s";
      print(sprintf(row, "proc.duration", "proc.name", "proc.args"));
      print(sprintf(row, "-------------", "------------", "--------------------"));
    }
  },

  onEvent() {
    const duration = evt.field(f.duration);
    if (duration === undefined) {
      return true;
    }
    let color = terminal.green;
    if (duration > THRESHOLD_RED_NS) {
      color = terminal.red;
    } else if (duration > THRESHOLD_YELLOW_NS) {
      color = terminal.yellow;
    } else if (evt.field(f.containerName) !== "host") {
      color = terminal.blue;
    }
    if (printContainer) {
      print(color + sprintf("%-13.13s %-20.20s %-20.20s %-12.12s %s", formatTimeInterval(duration),
        evt.field(f.containerID), evt.field(f.containerName), evt.field(f.name), evt.field(f.args)));
    } else {
      print(color + sprintf("%-13.13s %-12.12s %s", formatTimeInterval(duration), evt.field(f.name), evt.field(f.args)));
    }
    return true;
  },

  onCaptureEnd() {
    print(terminal.reset);
  },
};
