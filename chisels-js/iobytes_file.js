// iobytes_file: bytes read and written on files, printed every second of
// event time.
"use strict";

const { ioBytesChisel } = require("io_bytes");

module.exports = ioBytesChisel({
  description: "Counts the total bytes read from and written to files.",
  shortDescription: "Sum of file I/O bytes",
  category: "I/O",
  filter: "evt.is_io=true and fd.type=file",
});
