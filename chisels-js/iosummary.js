// iosummary: per file and per socket, how often it was opened, read and
// written, how many bytes moved and how long the calls on it took.
"use strict";

const { extendString, formatBytes, formatTimeInterval } = require("common");

let f = {};
let top = 50;
// "type\x00name" -> {opens, reads, writes, in, out, time, calls}
const stats = new Map();

module.exports = {
  description:
    "Summarise I/O per file and per socket (fd.name, grouped by fd.type): opens (calls that returned the fd), reads and writes, bytes read and written, and the time spent in every call on it (the sum of evt.latency), most bytes first. Argument: how many rows to print (default 50).",
  shortDescription: "Per file and socket: opens, reads, writes, bytes and time spent",
  category: "Views (xtrace)",
  args: [{ name: "top", description: "rows to print (default 50)", type: "int", optional: true }],

  onSetArg(name, value) {
    const n = parseInt(value, 10);
    if (!(n > 0)) {
      return false;
    }
    top = n;
    return true;
  },

  onInit() {
    f = {
      name: chisel.requestField("fd.name"),
      type: chisel.requestField("fd.type"),
      num: chisel.requestField("fd.num"),
      res: chisel.requestField("evt.rawres"),
      evtype: chisel.requestField("evt.type"),
      isRead: chisel.requestField("evt.is_io_read"),
      isWrite: chisel.requestField("evt.is_io_write"),
      bytes: chisel.requestField("evt.buflen"),
      latency: chisel.requestField("evt.latency"),
    };
    chisel.setFilter("evt.dir=< and fd.type in (file, directory, ipv4, ipv6, unix)");
  },

  onEvent() {
    const name = evt.field(f.name);
    if (!name) {
      return true;
    }
    const type = evt.field(f.type);
    const key = type + "\x00" + name;
    let s = stats.get(key);
    if (s === undefined) {
      s = { opens: 0, reads: 0, writes: 0, in: 0, out: 0, time: 0 };
      stats.set(key, s);
    }
    const res = evt.field(f.res);
    const bytes = evt.field(f.bytes) || 0;
    if (evt.field(f.isRead)) {
      s.reads++;
      s.in += bytes;
    } else if (evt.field(f.isWrite)) {
      s.writes++;
      s.out += bytes;
    } else if (res !== undefined && res >= 0 && res === evt.field(f.num) && evt.field(f.evtype) !== "close") {
      s.opens++;
    }
    s.time += evt.field(f.latency) || 0;
    return true;
  },

  onCaptureEnd() {
    const rows = [...stats.entries()].sort(
      (a, b) => b[1].in + b[1].out - (a[1].in + a[1].out) || b[1].time - a[1].time || (a[0] < b[0] ? -1 : 1)
    );
    print(
      extendString("TYPE", 6) + extendString("OPENS", 7) + extendString("READS", 8) + extendString("WRITES", 8) +
        extendString("IN", 10) + extendString("OUT", 10) + extendString("TIME", 11) + "NAME"
    );
    print("-".repeat(80));
    for (const [key, s] of rows.slice(0, top)) {
      const [type, name] = key.split("\x00");
      print(
        extendString(type, 6) + extendString(String(s.opens), 7) + extendString(String(s.reads), 8) +
          extendString(String(s.writes), 8) + extendString(formatBytes(s.in), 10) + extendString(formatBytes(s.out), 10) +
          extendString(formatTimeInterval(s.time), 11) + name
      );
    }
    if (rows.length > top) {
      print("... " + (rows.length - top) + " more");
    }
  },
};
