// spy_port: the data exchanged on one port, with a header whenever the direction changes.
"use strict";

const { spyChisel } = require("spy_endpoint");

module.exports = spyChisel({
  description:
    "Shows the network payloads exchanged using a given IP port number. You can combine this chisel with the -x, -X or -A sysdig command line switches to customize the screen output",
  shortDescription: "Show the data exchanged using the given IP port number",
  arg: { name: "host_port", description: "The remote host IP port number", type: "int" },
  field: "fd.port",
  writeWord: "Write",
});
