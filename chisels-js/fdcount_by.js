// fdcount_by: how many distinct fds each value of a field has used.
"use strict";

const { topByValue } = require("common");

let keyField;
let f = {};
// key -> {fds: Set of "<num><name>", count}
const groups = new Map();

module.exports = {
  description:
    "Groups all the active FDs based on the given filter field, and returns the fd count for each key. For example, it can be used to list the number of connections per process or per IP endpoint.",
  shortDescription: "FD count, aggregated by an arbitrary filter field",
  category: "I/O",
  args: [{ name: "key", description: "The filter field used for grouping", type: "string" }],

  onInit(args) {
    keyField = args.key;
    f = {
      key: chisel.requestField(keyField),
      fdNum: chisel.requestField("fd.num"),
      fdName: chisel.requestField("fd.name"),
    };
  },

  onEvent() {
    const key = evt.field(f.key);
    const num = evt.field(f.fdNum);
    const name = evt.field(f.fdName);
    if (key === undefined || num === undefined || !(num > 0) || name === undefined || name === "") {
      return true;
    }
    const fdKey = String(num) + name;
    let g = groups.get(key);
    if (g === undefined) {
      g = { fds: new Set(), count: 0 };
      groups.set(key, g);
    }
    if (!g.fds.has(fdKey)) {
      g.fds.add(fdKey);
      g.count++;
    }
    return true;
  },

  onCaptureEnd() {
    const counts = new Map();
    for (const [k, g] of groups) {
      counts.set(k, g.count);
    }
    for (const [k, n] of topByValue(counts, 0)) {
      print(k, n);
    }
  },
};
