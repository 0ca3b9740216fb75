// table_generator: sums a value per key over the events that pass a
// filter and prints the top entries. The top* chisels hand over to it with
// chisel.exec. The sums are kept by the host (chisel.aggregate), so no
// JavaScript runs per event.
"use strict";

const { printSortedTable } = require("common");
const terminal = require("ansiterminal");

let table;
let live = false;
const viz = {
  keyFields: [],
  keyDescs: [],
  valueField: "",
  valueDesc: "",
  valueUnits: "none",
  topNumber: 0,
  outputFormat: "normal",
};

module.exports = {
  description: "Given two filter fields, a key and a value, this chisel creates and renders a table to the screen.",
  shortDescription: "Filter on a key and value",
  category: "Filter",
  hidden: true,
  args: [
    { name: "keys", description: "comma-separated list of filter fields to use for grouping", type: "string" },
    { name: "keydescs", description: "comma separated list of human readable descriptions for the key", type: "string" },
    { name: "value", description: "the value to count for every key", type: "string" },
    { name: "valuedesc", description: "human readable description for the value", type: "string" },
    { name: "filter", description: "the filter to apply", type: "string" },
    { name: "top_number", description: "maximum number of elements to display", type: "string" },
    {
      name: "value_units",
      description: "how to render the values in the result. Can be 'bytes', 'time', 'timepct', or 'none'.",
      type: "string",
    },
  ],

  onInit(args) {
    viz.keyFields = args.keys.split(",");
    viz.keyDescs = args.keydescs.split(",");
    viz.valueField = args.value;
    viz.valueDesc = args.valuedesc;
    viz.topNumber = Number(args.top_number) || 0;
    viz.valueUnits = args.value_units;
    if (viz.keyFields.length !== viz.keyDescs.length) {
      print("error: number of entries in keys different from number entries in keydescs");
      return false;
    }
    table = chisel.aggregate(viz.keyFields, viz.valueField);
    if (args.filter !== "") {
      chisel.setFilter(args.filter);
    }
  },

  onCaptureStart() {
    live = sysdig.isLive();
    viz.outputFormat = sysdig.getOutputFormat();
    if (live) {
      chisel.setIntervalS(1);
      if (viz.outputFormat !== "json") {
        terminal.clearScreen();
        terminal.hideCursor();
      }
    }
  },

  onInterval(sec, nsec, delta) {
    if (viz.outputFormat !== "json") {
      terminal.clearScreen();
      terminal.moveTo(0, 0);
    }
    printSortedTable(table, sec, 0, delta, viz);
    table.clear();
  },

  onCaptureEnd(sec, nsec, delta) {
    if (live && viz.outputFormat !== "json") {
      terminal.clearScreen();
      terminal.moveTo(0, 0);
      terminal.showCursor();
      return;
    }
    printSortedTable(table, sec, 0, delta, viz);
  },
};
