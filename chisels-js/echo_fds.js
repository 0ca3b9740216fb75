// echo_fds: the data read and written on fds, each buffer after a header
// line (red for reads, blue for writes).
"use strict";

const { formatBytes, luaString } = require("common");
const terminal = require("ansiterminal");

// Field handles, and the colours once arguments are set.
let fIsRead, fRes, fName, fProcName, fContainerName, fContainerID;
let red, blue;
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
    fIsRead = chisel.requestField("evt.is_io_read");
    fRes = chisel.requestField("evt.rawarg.res");
    fName = chisel.requestField("fd.name");
    fProcName = chisel.requestField("proc.name");
    fContainerName = chisel.requestField("container.name");
    fContainerID = chisel.requestField("container.id");
    red = terminal.red;
    blue = terminal.blue;
    printContainer = sysdig.isPrintContainerData();
    // More of the conversation when capturing live.
    sysdig.setSnaplen(2000);
    chisel.setFilter("evt.is_io=true and evt.dir=< and evt.rawres>0");
    // The data itself is printed by the formatter after onEvent.
    chisel.setEventFormatter("%evt.arg.data");
  },

  onEvent() {
    const res = evt.field(fRes);
    if (res <= 0) {
      return true;
    }
    const name = evt.field(fName) ?? "<NA>";
    const proc = evt.field(fProcName) ?? "nil";
    let container = "";
    if (printContainer) {
      const cname = evt.field(fContainerName);
      const color = cname === "host" ? terminal.green : terminal.cyan;
      container = color + " [" + luaString(cname) + "] [" + luaString(evt.field(fContainerID)) + "]";
    }
    if (evt.field(fIsRead)) {
      write(red, "------ Read ", formatBytes(res), " from ", container, " ", red, " ", name, " (", proc, ")\n");
    } else {
      write(blue, "------ Write ", formatBytes(res), " to ", container, " ", blue, " ", name, " (", proc, ")\n");
    }
    return true;
  },

  onCaptureEnd() {
    print(terminal.reset);
  },
};
