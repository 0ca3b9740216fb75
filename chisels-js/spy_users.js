// spy_users: the commands users run from a shell and the directories they
// enter, indented by shell depth.
"use strict";

const { extendString, parseNumericInput } = require("common");
const terminal = require("ansiterminal");

// How far up the process tree to look for a shell.
const MAX_ANCESTOR_NAVIGATION = 16;

let maxDepth = -1;
let printContainer = false;
let f = {};
const anames = [];
const apids = [];
// Every chdir event shifts the ancestor handles one slot up, as sysdig's
// table.insert(fanames, 0, 0) does: slot j then reads ancestor j-shift.
let shift = 0;
// pid -> [depth, shell pid]; depth -1 marks "no shell among the ancestors".
const processTree = new Map();

module.exports = {
  description:
    "Lists every command that users launch interactively (e.g. from bash) and every directory users visit. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown. (Blue represents a process running within a container, and Green represents a host process)",
  shortDescription: "Display interactive user activity",
  category: "Security",
  args: [
    {
      name: "max_depth",
      description: "the maximum depth to show in the hierarchy of processes",
      type: "int",
      optional: true,
    },
    {
      name: "disable_color",
      description: "Set to 'disable_colors' if you want to disable color output",
      type: "string",
      optional: true,
    },
  ],

  onSetArg(name, value) {
    if (name === "max_depth") {
      maxDepth = parseNumericInput(value, name);
    } else if (name === "disable_color" && value === "disable_color") {
      terminal.enableColor(false);
    }
  },

  onInit() {
    f = {
      type: chisel.requestField("evt.type"),
      exe: chisel.requestField("proc.exe"),
      args: chisel.requestField("proc.args"),
      dir: chisel.requestField("evt.arg.path"),
      user: chisel.requestField("user.name"),
      time: chisel.requestField("evt.time.s"),
      pid: chisel.requestField("proc.pid"),
      ppid: chisel.requestField("proc.ppid"),
      containerName: chisel.requestField("container.name"),
    };
    printContainer = sysdig.isPrintContainerData();
    chisel.setFilter(
      "((evt.type=execve and evt.dir=<) or (evt.type=chdir and evt.dir=< and proc.name contains sh and not proc.name contains sshd)) and evt.failed=false",
    );
    for (let j = 0; j <= MAX_ANCESTOR_NAVIGATION; j++) {
      anames[j] = chisel.requestField("proc.aname[" + j + "]");
      apids[j] = chisel.requestField("proc.apid[" + j + "]");
    }
  },

  onEvent() {
    let color = printContainer ? terminal.green : "";
    const user = evt.field(f.user) ?? "<NA>";
    const time = evt.field(f.time);
    const pid = evt.field(f.pid);
    let ppid = evt.field(f.ppid);
    const isChdir = evt.field(f.type) === "chdir";
    const containerName = evt.field(f.containerName);
    let corr = 1;
    if (isChdir) {
      ppid = pid;
      shift++;
      corr = 0;
    }
    const ancestor = (handles, j) => (j - shift >= 0 ? evt.field(handles[j - shift]) : undefined);

    if (!processTree.has(ppid)) {
      // First time this parent shows up: look for a shell among its
      // ancestors (the farthest one wins).
      processTree.set(ppid, [-1]);
      for (let j = 1; j <= MAX_ANCESTOR_NAVIGATION; j++) {
        const aname = ancestor(anames, j);
        if (aname === undefined) {
          if (ancestor(apids, j) === undefined) {
            break;
          }
        } else if (aname.length >= 2 && aname.endsWith("sh")) {
          const apid = ancestor(apids, j);
          processTree.set(ppid, processTree.has(apid) ? [j - 1, apid] : [0, apid]);
        }
      }
    }
    const parent = processTree.get(ppid);
    if (parent[0] === -1) {
      return true;
    }
    if (!processTree.has(pid)) {
      processTree.set(pid, [1 + parent[0], parent[1]]);
    }
    const [depth, shellPid] = processTree.get(pid);
    let who = user;
    if (printContainer) {
      if (containerName !== "host") {
        color = terminal.blue;
      }
      who = user + "@" + containerName;
    }
    if (isChdir) {
      if (maxDepth !== -1 && depth - corr > maxDepth) {
        return true;
      }
      print(color + extendString("", 4 * (depth - corr)) + shellPid + " " + time + " " + who + ") cd " + evt.field(f.dir));
    } else {
      if (maxDepth !== -1 && depth - 1 > maxDepth) {
        return true;
      }
      const indent = printContainer ? 4 * (depth - 1) : 3 * (depth - 1);
      print(color + extendString("", indent) + shellPid + " " + time + " " + who + ") " + evt.field(f.exe) + " " + evt.field(f.args));
    }
    return true;
  },

  onCaptureEnd() {
    print(terminal.reset);
  },
};
