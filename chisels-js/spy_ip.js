// spy_ip: the data exchanged with one IP address, with a header whenever the direction changes.
"use strict";

const { spyChisel } = require("spy_endpoint");

module.exports = spyChisel({
  description:
    "Shows the network payloads exchanged with an IP end-point. You can combine this chisel with the -x, -X or -A sysdig command line switches to customize the screen output",
  shortDescription: "Show the data exchanged with the given IP address",
  arg: { name: "host_ip", description: "The remote host IP address", type: "ipv4" },
  field: "fd.ip",
  writeWord: "Read",
});
