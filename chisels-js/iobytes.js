// iobytes: bytes read and written on any kind of fd, printed every second of
// event time.
"use strict";

const { ioBytesChisel } = require("io_bytes");

module.exports = ioBytesChisel({
  description: "Counts the total bytes read from and written to any type of FD (disk, socket, pipe...) and prints the result every second.",
  shortDescription: "Sum of I/O bytes on any type of FD",
  category: "I/O",
  filter: "evt.is_io=true",
});
