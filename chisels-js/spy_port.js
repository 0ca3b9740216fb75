// spy_port: the data exchanged on one port, with a header whenever the direction changes.
"use strict";

const { formatBytes } = require("common");
const terminal = require("ansiterminal");

const READ = 1;
const WRITE = 2;

let target;
let f = {};
let direction;
let header;

module.exports = {
  description:
    "Shows the network payloads exchanged using a given IP port number. You can combine this chisel with the -x, -X or -A sysdig command line switches to customize the screen output",
  shortDescription: "Show the data exchanged using the given IP port number",
  category: "Net",
  args: [
    { name: "host_port", description: "The remote host IP port number", type: "int" },
    {
      name: "disable_color",
      description: "Set to 'disable_colors' if you want to disable color output",
      type: "string",
      optional: true,
    },
  ],

  onSetArg(name, value) {
    if (name === "host_port") {
      target = value;
      return true;
    }
    if (name === "disable_color") {
      if (value === "disable_colors") {
        terminal.enableColor(false);
      }
      return true;
    }
    return false;
  },

  onInit() {
    f = {
      data: chisel.requestField("evt.arg.data"),
      isRead: chisel.requestField("evt.is_io_read"),
      res: chisel.requestField("evt.rawarg.res"),
    };
    sysdig.setSnaplen(1000);
    chisel.setFilter("evt.is_io=true and (fd.type=ipv4 or fd.type=ipv6) and fd.port=" + target);
  },

  onEvent() {
    const res = evt.field(f.res);
    const data = evt.field(f.data);
    if (res === undefined || res <= 0 || data === undefined) {
      return true;
    }
    // The header is only rebuilt when the direction changes; sysdig
    // prints the previous one again otherwise.
    const isRead = evt.field(f.isRead);
    if (isRead && direction !== READ) {
      header = terminal.red + "------ Read " + formatBytes(res);
      direction = READ;
    } else if (!isRead && direction !== WRITE) {
      header = terminal.blue + "------ Write " + formatBytes(res);
      direction = WRITE;
    }
    print(header);
    print(data);
    return true;
  },

  onCaptureEnd() {
    print(terminal.reset);
  },
};
