// stderr: the data processes write to fd 2.
"use strict";

const { sprintf } = require("common");
const terminal = require("ansiterminal");

let f = {};
let printContainer = false;

module.exports = {
  description:
    "Print the standard error of any process on screen. Combine this script with a filter to limit the output to a specific process or pid. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown. (Blue represents a process running within a container, and Green represents a host process)",
  shortDescription: "Print stderr of processes",
  category: "I/O",
  args: [
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
      return true;
    }
    return false;
  },

  onInit() {
    f = {
      data: chisel.requestField("evt.rawarg.data"),
      containerName: chisel.requestField("container.name"),
      containerID: chisel.requestField("container.id"),
    };
    printContainer = sysdig.isPrintContainerData();
    sysdig.setSnaplen(2000);
    chisel.setFilter("fd.num=2 and evt.is_io=true");
  },

  onEvent() {
    const buf = evt.field(f.data);
    if (buf === undefined) {
      return true;
    }
    if (printContainer) {
      const name = evt.field(f.containerName);
      const color = name !== "host" ? terminal.blue : terminal.green;
      print(color + sprintf("%-20.20s %-20.20s %s", evt.field(f.containerID), name, buf));
    } else {
      print(buf);
    }
    return true;
  },
};
