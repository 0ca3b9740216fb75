// memcachelog: memcached get/set commands seen on the wire.
"use strict";

const { sprintf } = require("common");

let method;
let minSize;
let f = {};

module.exports = {
  description: "Show a log of memcached commands (get/set)",
  shortDescription: "memcached requests log",
  category: "Application",
  args: [
    { name: "method", description: "get/set", optional: true },
    { name: "size", description: "object size", optional: true },
  ],

  onSetArg(name, value) {
    if (name === "method") {
      method = value;
      return true;
    }
    if (name === "size") {
      minSize = value.trim() === "" ? undefined : Number(value);
      return true;
    }
    return false;
  },

  onInit() {
    sysdig.setFilter("(fd.sport=11211 or proc.name=memcached) and evt.is_io=true");
    sysdig.setSnaplen(4096);
    f = { data: chisel.requestField("evt.arg[1]"), datetime: chisel.requestField("evt.datetime") };
  },

  onEvent() {
    const words = String(evt.field(f.data)).split(" ");
    if (!/^[gs]et/.test(words[0])) {
      return true;
    }
    const cmd = words[0];
    const key = words[1];
    const size = Number(words[4]) || 0;
    if (key === undefined) {
      return true;
    }
    if (method !== undefined && method !== cmd) {
      return true;
    }
    if (method === "set" && size < minSize) {
      return true;
    }
    print(sprintf("%s method=%s size=%dB key=%s", evt.field(f.datetime), cmd, size, key));
    return true;
  },
};
