// httptop: HTTP requests ranked by number of calls, bytes or time.
"use strict";

const { printSortedTable } = require("common");
const terminal = require("ansiterminal");
const http = require("http");

const KEY_SEP = "\x01\x01";

let by = "ncalls";
let live = false;
let printContainer = false;
// key -> transactions
let table = new Map();
const viz = {
  keyFields: ["method", "url"],
  keyDescs: ["method", "url"],
  valueField: "ncalls",
  valueDesc: "ncalls",
  valueUnits: "none",
  topNumber: 30,
  outputFormat: "normal",
};

// totals turns the transactions of each key into the ranked value.
function totals() {
  const out = new Map();
  for (const [key, trs] of table) {
    if (by === "ncalls") {
      out.set(key, trs.length);
    } else if (by === "bytes") {
      out.set(key, trs.reduce((sum, tr) => sum + tr.response.length, 0));
    } else {
      out.set(key, trs.reduce((sum, tr) => sum + tr.response.ts - tr.request.ts, 0) / trs.length);
    }
  }
  return out;
}

module.exports = {
  description: "Show top HTTP requests by: ncalls, time or bytes",
  shortDescription: "Top HTTP requests",
  category: "Application",
  args: [
    {
      name: "by",
      description: "Show top HTTP transactions by: ncalls, time or bytes, default is ncalls",
      type: "string",
      optional: true,
    },
  ],

  onSetArg(name, value) {
    const units = { time: "time", ncalls: "none", bytes: "bytes" }[value];
    if (units === undefined) {
      print("Invalid argument! Valid options: ncalls, bytes, time");
      return false;
    }
    viz.valueField = viz.valueDesc = value;
    viz.valueUnits = units;
    by = value;
  },

  onInit() {
    http.init();
    printContainer = sysdig.isPrintContainerData();
    if (printContainer) {
      viz.keyFields.unshift("container");
      viz.keyDescs.unshift("container");
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

  onEvent() {
    http.parse((tr) => {
      let key = tr.request.method + KEY_SEP + tr.request.url;
      if (printContainer) {
        key = tr.container + KEY_SEP + key;
      }
      if (!table.has(key)) {
        table.set(key, []);
      }
      table.get(key).push(tr);
    });
  },

  onInterval(sec, nsec, delta) {
    if (viz.outputFormat !== "json") {
      terminal.clearScreen();
      terminal.moveTo(0, 0);
    }
    printSortedTable(totals(), sec, 0, delta, viz);
    table = new Map();
  },

  onCaptureEnd(sec, nsec, delta) {
    if (live && viz.outputFormat !== "json") {
      terminal.clearScreen();
      terminal.moveTo(0, 0);
      terminal.showCursor();
      return;
    }
    printSortedTable(totals(), sec, 0, delta, viz);
  },
};
