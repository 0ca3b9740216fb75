// min_ms: the arguments of the chisels that show what is slower than a
// threshold (scallslower, fileslower, netlower): min_ms and
// disable_color, and the onSetArg that reads them.
"use strict";

const { parseNumericInput } = require("common");
const terminal = require("ansiterminal");

// thresholdArgs returns {args, onSetArg} for a chisel whose min_ms
// argument is described by minMsDescription: onSetArg passes the parsed
// threshold to setMinMs, and turns colours off for disable_color.
function thresholdArgs(minMsDescription, setMinMs) {
  return {
    args: [
      { name: "min_ms", description: minMsDescription, type: "int", optional: false },
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
      } else if (name === "min_ms") {
        setMinMs(parseNumericInput(value, name));
      }
    },
  };
}

module.exports = { thresholdArgs };
