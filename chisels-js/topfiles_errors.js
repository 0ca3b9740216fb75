// topfiles_errors: top files by number of errors; a table_generator view.
"use strict";

// How many rows to print.
const TOP_NUMBER = "100";

module.exports = {
  description:
    "Shows the top files in terms of I/O errors. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown.",
  shortDescription: "Top files by number of errors",
  category: "Errors",
  args: [],

  onInit() {
    const [keys, descs] = sysdig.isPrintContainerData()
      ? ["fd.name,container.name", "Filename,container.name"]
      : ["fd.name", "Filename"];
    chisel.exec("table_generator", keys, descs, "evt.count", "#Errors", "fd.type=file and evt.failed=true", TOP_NUMBER, "none");
  },
};
