// topprocs_cpu: processes ranked by CPU usage, summed over procinfo events.
"use strict";

const { printSortedTable } = require("common");
const terminal = require("ansiterminal");

const KEY_SEP = "\x01\x01";

let table = new Map();
let live = false;
let keyHandles = [];
let cpuHandle;
const viz = {
  keyFields: ["proc.name", "proc.pid"],
  keyDescs: ["Process", "PID"],
  valueField: "thread.exectime",
  valueDesc: "CPU%",
  valueUnits: "timepct",
  topNumber: 10,
  outputFormat: "normal",
};

module.exports = {
  description: "Show the top process defined by the highest CPU utilization. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown.",
  shortDescription: "Top processes by CPU usage",
  category: "CPU Usage",
  args: [],

  onInit() {
    if (sysdig.isPrintContainerData()) {
      viz.keyFields = ["proc.name", "proc.pid", "proc.vpid", "container.name"];
      viz.keyDescs = ["Process", "Host_pid", "Container_pid", "container.name"];
    }
    keyHandles = viz.keyFields.map((name) => chisel.requestField(name));
    chisel.requestField(viz.valueField);
    cpuHandle = chisel.requestField("thread.cpu");
    chisel.setFilter("evt.type=procinfo");
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
    let key;
    for (let i = 0; i < keyHandles.length; i++) {
      const part = evt.field(keyHandles[i]);
      if (part === undefined) {
        return;
      }
      key = i === 0 ? part : key + KEY_SEP + part;
    }
    const cpu = evt.field(cpuHandle);
    table.set(key, (table.get(key) ?? 0) + cpu * 10000000);
    return true;
  },

  onInterval(sec, nsec, delta) {
    if (viz.outputFormat !== "json") {
      terminal.clearScreen();
      terminal.moveTo(0, 0);
    }
    printSortedTable(table, sec, 0, delta, viz);
    table = new Map();
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
