// spy_endpoint: the body of spy_ip and spy_port (sysdig's two Lua chisels
// are the same script with a different argument and filter field): the
// payloads of network I/O with one end-point, with a header whenever the
// direction changes.
"use strict";

const { formatBytes } = require("common");
const terminal = require("ansiterminal");

const READ = 1;
const WRITE = 2;

// spyChisel returns the chisel for one end-point kind: o.arg is the
// chisel's argument ({name, description, type}), o.field the fd field the
// filter compares with it, o.writeWord the word of the write header
// ("Read" in sysdig's spy_ip, which prints it for both directions).
function spyChisel(o) {
  let target;
  let f = {};
  let direction;
  let header;
  return {
    description: o.description,
    shortDescription: o.shortDescription,
    category: "Net",
    args: [
      o.arg,
      {
        name: "disable_color",
        description: "Set to 'disable_colors' if you want to disable color output",
        type: "string",
        optional: true,
      },
    ],

    onSetArg(name, value) {
      if (name === o.arg.name) {
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
      chisel.setFilter("evt.is_io=true and (fd.type=ipv4 or fd.type=ipv6) and " + o.field + "=" + target);
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
        header = terminal.blue + "------ " + o.writeWord + " " + formatBytes(res);
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
}

module.exports = { spyChisel };
