// proctree: the process tree of a capture, with each process' exec
// arguments, how long it ran and how it ended.
"use strict";

const { formatTimeInterval } = require("common");

let f = {};
// pid -> {pid, ppid, start, end, exit, sig, execs: ["exe args", ...]}
const procs = new Map();
const order = [];
let lastTS = 0;

function cmdline(exe, args) {
  return args ? exe + " " + args : exe;
}

module.exports = {
  description:
    "Print the process tree of the capture: every process that has an event, under its parent, with the programs it ran (each exec with its arguments, in order), how long it ran (from its first event or creation to its exit) and its exit status or the signal that killed it ('running' when it outlived the capture).",
  shortDescription: "Process tree with exec arguments, durations and exit statuses",
  category: "Views (xtrace)",
  args: [],

  onInit() {
    f = {
      pid: chisel.requestField("proc.pid"),
      ppid: chisel.requestField("proc.ppid"),
      tid: chisel.requestField("thread.tid"),
      exe: chisel.requestField("proc.exepath"),
      name: chisel.requestField("proc.name"),
      args: chisel.requestField("proc.args"),
      ts: chisel.requestField("evt.rawtime"),
      type: chisel.requestField("evt.type"),
      ret: chisel.requestField("evt.rawarg.ret"),
      sig: chisel.requestField("evt.arg.sig"),
    };
  },

  onEvent() {
    const pid = evt.field(f.pid);
    const ts = evt.field(f.ts);
    if (ts > lastTS) {
      lastTS = ts;
    }
    if (pid === undefined) {
      return true;
    }
    let p = procs.get(pid);
    if (p === undefined) {
      p = { pid, ppid: evt.field(f.ppid), start: ts, end: undefined, exit: undefined, sig: undefined, execs: [] };
      procs.set(pid, p);
      order.push(p);
    }
    const exe = evt.field(f.exe) || evt.field(f.name) || "";
    const line = cmdline(exe, evt.field(f.args));
    if (p.execs.length === 0 || p.execs[p.execs.length - 1] !== line) {
      p.execs.push(line);
    }
    if (evt.field(f.type) === "procexit" && evt.field(f.tid) === pid) {
      p.end = ts;
      p.exit = evt.field(f.ret);
      const sig = evt.field(f.sig);
      p.sig = sig && sig !== "0" ? sig : undefined;
    }
    return true;
  },

  onCaptureEnd() {
    const children = new Map();
    const roots = [];
    for (const p of order) {
      if (procs.has(p.ppid) && p.ppid !== p.pid) {
        if (!children.has(p.ppid)) {
          children.set(p.ppid, []);
        }
        children.get(p.ppid).push(p);
      } else {
        roots.push(p);
      }
    }
    print("PID      DURATION    EXIT     COMMAND");
    const show = (p, prefix, last, top) => {
      const dur = formatTimeInterval((p.end === undefined ? lastTS : p.end) - p.start);
      let status = "running";
      if (p.sig !== undefined) {
        status = p.sig;
      } else if (p.exit !== undefined) {
        status = String(p.exit);
      }
      const branch = top ? "" : last ? "└─ " : "├─ ";
      const head = (String(p.pid) + "        ").slice(0, 8) + " " + (dur + "            ").slice(0, 11) + " " + (status + "        ").slice(0, 8) + " ";
      print(head + prefix + branch + p.execs.join(" → "));
      const kids = children.get(p.pid) || [];
      const next = top ? prefix : prefix + (last ? "   " : "│  ");
      kids.forEach((k, i) => show(k, next, i === kids.length - 1, false));
    };
    roots.forEach((r) => show(r, "", true, true));
  },
};
