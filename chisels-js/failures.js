// failures: failed syscalls ranked, and for every process that exited
// with a non-zero status, the failures that came last before its exit.
"use strict";

const { extendString } = require("common");

// The event parameters that name what a call acted on when it has no fd:
// a path (open, stat, access, exec, ...) or an address (connect, bind).
const TARGET_ARGS = ["name", "pathname", "path", "filename", "oldpath", "newpath", "target", "linkpath", "addr", "tuple"];

let f = {};
let nlast = 5;
let top = 30;
// "errno\x00syscall\x00target\x00proc" -> count
const counts = new Map();
// pid -> last failures [{type, target, errno}]
const recent = new Map();
// processes that exited non-zero, in exit order
const exits = [];

function target() {
  const fd = evt.field(f.fdname);
  if (fd) {
    return fd;
  }
  for (const h of f.targets) {
    const v = evt.field(h);
    if (v !== undefined && v !== "" && v !== "<NA>") {
      return v;
    }
  }
  return "";
}

module.exports = {
  description:
    "Rank the failed syscalls of the capture by errno, syscall, target (the path, fd name or address the call acted on) and process, most frequent first; then, for every process that exited with a non-zero status (or was killed by a signal), print its command line and the last failures it hit before exiting: the root-cause view. Arguments: how many failures to show per exited process (default 5) and how many ranked rows (default 30).",
  shortDescription: "Failed syscalls ranked; last failures before a non-zero exit",
  category: "Views (xtrace)",
  args: [
    { name: "last", description: "failures shown per process that exited non-zero (default 5)", type: "int", optional: true },
    { name: "top", description: "rows of the ranking (default 30)", type: "int", optional: true },
  ],

  onSetArg(name, value) {
    const n = parseInt(value, 10);
    if (!(n > 0)) {
      return false;
    }
    if (name === "last") {
      nlast = n;
    } else {
      top = n;
    }
    return true;
  },

  onInit() {
    f = {
      failed: chisel.requestField("evt.failed"),
      errno: chisel.requestField("evt.res"),
      type: chisel.requestField("evt.type"),
      fdname: chisel.requestField("fd.name"),
      pid: chisel.requestField("proc.pid"),
      tid: chisel.requestField("thread.tid"),
      name: chisel.requestField("proc.name"),
      cmd: chisel.requestField("proc.exeline"),
      ret: chisel.requestField("evt.rawarg.ret"),
      sig: chisel.requestField("evt.arg.sig"),
      targets: TARGET_ARGS.map((a) => chisel.requestField("evt.arg." + a)),
    };
    chisel.setFilter("evt.failed=true or evt.type=procexit");
  },

  onEvent() {
    const pid = evt.field(f.pid);
    const type = evt.field(f.type);
    if (type === "procexit") {
      if (evt.field(f.tid) !== pid) {
        return true;
      }
      const ret = evt.field(f.ret);
      const sig = evt.field(f.sig);
      const killed = sig !== undefined && sig !== "0";
      if (ret !== 0 || killed) {
        exits.push({
          pid,
          cmd: evt.field(f.cmd) || evt.field(f.name),
          status: killed ? sig : "exit " + ret,
          failures: recent.get(pid) || [],
        });
      }
      recent.delete(pid);
      return true;
    }
    const errno = evt.field(f.errno);
    const t = target();
    const key = [errno, type, t, evt.field(f.name)].join("\x00");
    counts.set(key, (counts.get(key) || 0) + 1);
    let r = recent.get(pid);
    if (r === undefined) {
      r = [];
      recent.set(pid, r);
    }
    r.push({ type, target: t, errno });
    if (r.length > nlast) {
      r.shift();
    }
    return true;
  },

  onCaptureEnd() {
    const rows = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    print("Failed syscalls");
    print(extendString("COUNT", 8) + extendString("ERRNO", 14) + extendString("SYSCALL", 16) + extendString("PROCESS", 16) + "TARGET");
    print("-".repeat(80));
    for (const [key, n] of rows.slice(0, top)) {
      const [errno, type, t, proc] = key.split("\x00");
      print(extendString(String(n), 8) + extendString(errno, 14) + extendString(type, 16) + extendString(proc, 16) + t);
    }
    if (rows.length > top) {
      print("... " + (rows.length - top) + " more");
    }
    print("");
    print("Processes that exited non-zero, with their last failures");
    print("-".repeat(80));
    if (exits.length === 0) {
      print("(none)");
    }
    for (const e of exits) {
      print(e.pid + " " + e.cmd + ": " + e.status);
      if (e.failures.length === 0) {
        print("    (no failed syscall)");
      }
      for (const x of e.failures) {
        print("    " + x.type + " " + x.target + " = " + x.errno);
      }
    }
  },
};
