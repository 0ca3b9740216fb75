// shellshock_detect: bash runs whose environment carries a function
// definition followed by code (CVE-2014-6271).
"use strict";

const { extendString, luaString } = require("common");

const ATTACK = /\(\) ?\{.+/;
const COMMAND = /\(\).+/;

let f = {};

module.exports = {
  description:
    "Reports every attempt to execute bash in a way that exploits the shellshock vulnerability (http://web.nvd.nist.gov/view/vuln/detail?vulnId=CVE-2014-6271). For every attempt, the chisel reports the time, the name of the process trying to run bash, and its PID.",
  shortDescription: "print shellshock attacks",
  category: "Security",
  args: [],

  onInit() {
    f = {
      parentName: chisel.requestField("proc.pname"),
      ppid: chisel.requestField("proc.ppid"),
      pid: chisel.requestField("proc.pid"),
      env: chisel.requestField("evt.arg.environment"),
      time: chisel.requestField("evt.time"),
    };
    chisel.setFilter("proc.name=bash or proc.name=sh and evt.type=execve");
    print(extendString("TIME", 22) + extendString("PROCNAME", 22) + extendString("PID", 8) + "FUNCTION");
  },

  onEvent() {
    const env = evt.field(f.env);
    if (env === undefined || !ATTACK.test(env)) {
      return true;
    }
    const pid = evt.field(f.pid);
    const proc = sysdig.getThreadTable().find((t) => t.tid === pid);
    for (const v of proc ? proc.env : []) {
      if (ATTACK.test(v)) {
        print(extendString(luaString(evt.field(f.time)), 22) + extendString(luaString(evt.field(f.parentName)), 22) +
          extendString(luaString(evt.field(f.ppid)), 8) + v.match(COMMAND)[0]);
        break;
      }
    }
    return true;
  },
};
