// lscontainers: the containers known at the first event.
"use strict";

const { extendString } = require("common");

let capturing = false;
let desc = false;

// serialize prints a value as common.lua's st() does.
function serialize(val, name, depth) {
  let s = " ".repeat(depth);
  if (name !== undefined) {
    s += name + " = ";
  }
  if (val !== null && typeof val === "object") {
    s += "{\n";
    const keys = Array.isArray(val) ? val.map((_, i) => i) : ["type", "image", "id", "name"].filter((k) => k in val);
    for (const k of keys) {
      s += serialize(val[k], Array.isArray(val) ? k + 1 : k, depth + 1) + ",\n";
    }
    return s + " ".repeat(depth) + "}";
  }
  if (typeof val === "string") {
    return s + '"' + val.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\\n") + '"';
  }
  return s + String(val);
}

module.exports = {
  description: "List the running containers and the metadata",
  shortDescription: "List the running containers",
  category: "System State",
  args: [{ name: "desc", description: "Prints the result set as a data structure", type: "string", optional: true }],

  onSetArg(name, value) {
    if (name === "desc" && value === "desc") {
      desc = true;
      return true;
    }
    return false;
  },

  onCaptureStart() {
    capturing = true;
  },

  onEvent() {
    sysdig.endCapture();
  },

  onCaptureEnd() {
    if (!capturing) {
      return;
    }
    const containers = sysdig.getContainerTable();
    if (desc) {
      print(serialize(containers, undefined, 0));
      return;
    }
    print(extendString("container.type", 15) + extendString("container.image", 16) +
      extendString("container.name", 20) + extendString("container.id", 13));
    print(extendString("---------------", 15) + extendString("----------------", 16) +
      extendString("--------------------", 20) + extendString("-------------", 13));
    for (const c of containers) {
      print(extendString(c.type, 15) + extendString(c.image, 16) + extendString(c.name, 20) + extendString(c.id, 13));
    }
  },
};
