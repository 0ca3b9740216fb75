// echo_fds: the data read and written on fds, each buffer after a header
// line (red for reads, blue for writes).
"use strict";

const { formatBytes, luaString } = require("common");
const terminal = require("ansiterminal");

let f = {};
let printContainer = false;

module.exports = {
  description:
    "Print the data read and written for any FD. Combine this script with a filter to restrict what it shows. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown. (Blue represents  [Write], and Red represents [Read] for all data except when the -pc or -pcontainer argument is used. If used the container.name and container.id will be represented as: Green [host], and Cyan [container]) Container information will contain '[]' around container.name and container.id.",
  shortDescription: "Print the data read and written by processes.",
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
    }
  },

  onInit() {
    f = {
      isRead: chisel.requestField("evt.is_io_read"),
      res: chisel.requestField("evt.rawarg.res"),
      name: chisel.requestField("fd.name"),
      procName: chisel.requestField("proc.name"),
      containerName: chisel.requestField("container.name"),
      containerID: chisel.requestField("container.id"),
    };
    printContainer = sysdig.isPrintContainerData();
    // More of the conversation when capturing live.
    sysdig.setSnaplen(2000);
    chisel.setFilter("evt.is_io=true and evt.dir=< and evt.rawres>0");
    // The data itself is printed by the formatter after onEvent.
    chisel.setEventFormatter("%evt.arg.data");
  },

  onEvent() {
    const res = evt.field(f.res);
    if (res <= 0) {
      return true;
    }
    const name = evt.field(f.name) ?? "<NA>";
    const proc = evt.field(f.procName) ?? "nil";
    let container = "";
    if (printContainer) {
      const cname = evt.field(f.containerName);
      const color = cname === "host" ? terminal.green : terminal.cyan;
      container = color + " [" + luaString(cname) + "] [" + luaString(evt.field(f.containerID)) + "]";
    }
    if (evt.field(f.isRead)) {
      write(terminal.red, "------ Read ", formatBytes(res), " from ", container, " ", terminal.red, " ", name, " (", proc, ")\n");
    } else {
      write(terminal.blue, "------ Write ", formatBytes(res), " to ", container, " ", terminal.blue, " ", name, " (", proc, ")\n");
    }
    return true;
  },

  onCaptureEnd() {
    print(terminal.reset);
  },
};
