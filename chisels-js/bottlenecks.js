// bottlenecks: the slowest system calls of the capture, each after the
// enter event that started it.
"use strict";

const { sprintf } = require("common");

// How many calls to list.
const HOW_MANY = 10;

let f = {};
// [latency, enter line, exit line], slowest first.
const slowest = [];
// tid -> the line of its last enter event.
const lastEnter = new Map();

module.exports = {
  description: "Lists the " + HOW_MANY + " system calls that took the longest to return during the capture interval.",
  shortDescription: "Slowest system calls",
  category: "Performance",
  args: [],

  onInit() {
    f = {
      num: chisel.requestField("evt.num"),
      type: chisel.requestField("evt.type"),
      args: chisel.requestField("evt.args"),
      latency: chisel.requestField("evt.latency"),
      procName: chisel.requestField("proc.name"),
      tid: chisel.requestField("thread.tid"),
    };
  },

  onEvent() {
    const latency = evt.field(f.latency);
    const tid = evt.field(f.tid);
    const type = evt.field(f.type);
    if (type === "switch") {
      return true;
    }
    if (latency === 0) {
      const line = sprintf("%d) 0.%.9d %s (%d) > %s %s", evt.field(f.num), 0,
        evt.field(f.procName) ?? "", evt.field(f.tid), type, evt.field(f.args));
      lastEnter.set(tid, line);
    } else if (latency !== undefined) {
      for (let j = 0; j < HOW_MANY; j++) {
        if (slowest[j] === undefined || latency > slowest[j][0]) {
          const line = sprintf("%d) %d.%.9d %s (%d) < %s %s", evt.field(f.num),
            Math.trunc(latency / 1e9), latency % 1e9, evt.field(f.procName) ?? "",
            evt.field(f.tid), type, evt.field(f.args));
          slowest.splice(j, 0, [latency, lastEnter.get(tid), line]);
          break;
        }
      }
      if (slowest.length > HOW_MANY) {
        slowest.pop();
      }
    }
    return true;
  },

  onCaptureEnd() {
    for (const [, enter, exit] of slowest) {
      print(enter ?? "nil");
      print(exit);
    }
  },
};
