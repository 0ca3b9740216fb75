// iobytes_net: bytes read and written on the network, printed every second of
// event time.
"use strict";

const { ioBytesChisel } = require("io_bytes");

module.exports = ioBytesChisel({
  description: "Counts the total bytes read from and written to the network, and prints the result every second",
  shortDescription: "Show total network I/O bytes",
  category: "Net",
  filter: "evt.is_io=true and (fd.type=ipv4 or fd.type=ipv6)",
});
