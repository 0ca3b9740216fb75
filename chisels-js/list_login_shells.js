// list_login_shells: the login shell ids seen in execve events, optionally
// only those whose commands match.
"use strict";

let commandMatch;
let argsMatch;
let f = {};
let printContainer = false;
// The last matching execve: its login shell id and container.
const last = { sid: undefined, containerName: undefined, containerID: undefined };

module.exports = {
  description:
    "List the IDs of the login sessions. Optionally, the list can be filtered to include only the sessions that contain a specific command. The session IDs listed by this chisel can be used as filters for the spy_users chisel. This chisel is compatible with containers using the sysdig -pc or -pcontainer argument, otherwise no container information will be shown.",
  shortDescription: "List the login shell IDs",
  category: "Security",
  args: [
    {
      name: "command",
      description:
        "If this parameter is specified, only the login shells that contain commands including the given string in their name will be listed. * will match any command name.",
      type: "string",
      optional: true,
    },
    {
      name: "arguments",
      description:
        "If this parameter is specified, only the login shells that contain commands including the given string in their arguments will be listed",
      type: "string",
      optional: true,
    },
  ],

  onInit(args) {
    if (args.command !== undefined && args.command !== "*") {
      commandMatch = args.command;
    }
    argsMatch = args.arguments;
    f = {
      sid: chisel.requestField("proc.loginshellid"),
      exe: chisel.requestField("evt.arg.exe"),
      args: chisel.requestField("evt.arg.args"),
      containerName: chisel.requestField("container.name"),
      containerID: chisel.requestField("container.id"),
    };
    printContainer = sysdig.isPrintContainerData();
    chisel.setFilter("evt.type=execve");
  },

  onEvent() {
    const sid = evt.field(f.sid);
    const exe = evt.field(f.exe);
    const args = evt.field(f.args);
    if (sid === undefined || exe === undefined) {
      return true;
    }
    if (commandMatch !== undefined && !exe.includes(commandMatch)) {
      return true;
    }
    if (argsMatch !== undefined && args !== undefined && !args.includes(argsMatch)) {
      return true;
    }
    last.sid = sid;
    last.containerName = evt.field(f.containerName);
    last.containerID = evt.field(f.containerID);
    return true;
  },

  onCaptureEnd() {
    print(commandMatch !== undefined ? "Shells containing " + commandMatch + ":" : "All shells:");
    // sysdig prints the id once per non-empty slot of its record (sid,
    // container name, container id): usually three times.
    for (const v of Object.values(last)) {
      if (v === undefined) {
        continue;
      }
      if (printContainer) {
        print(last.sid + " " + last.containerName + " " + last.containerID);
      } else {
        print(last.sid);
      }
    }
  },
};
