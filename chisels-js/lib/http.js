// http: pairs HTTP requests and responses seen in I/O buffers, for the
// httplog and httptop chisels (sysdig's http.lua).
"use strict";

// Buffers are rendered with non-printable bytes as '.', so "\r\n" reads "..".
const REQUEST = /^([A-Z]+) ([\x21-\x7e]+)/;
const HOST = /Host: ([\x21-\x7e]+)\.\./;
const RESPONSE = /HTTP\/[\x21-\x7e]+ (\d+)/;
const CONTENT_LENGTH = /Content-Length: (\d+)\.\./;

let f = {};
// "pid\x01\x01fd" -> the request waiting for its response.
const pending = new Map();

function parseRequest(buf) {
  const m = REQUEST.exec(buf);
  if (m === null) {
    return undefined;
  }
  let url = m[2];
  const host = HOST.exec(buf);
  if (host !== null) {
    url = host[1] + url;
  }
  return { method: m[1], url };
}

function parseResponse(buf) {
  const m = RESPONSE.exec(buf);
  if (m === null) {
    return undefined;
  }
  const len = CONTENT_LENGTH.exec(buf);
  return { code: Number(m[1]), length: len === null ? 0 : Number(len[1]) };
}

module.exports = {
  // init sets the chisel's filter and requests the fields the parser needs.
  init() {
    chisel.setFilter("evt.is_io = true and evt.buflen > 0 and (fd.sockfamily = ip or fd.sockfamily = unix)");
    f = {
      buffer: chisel.requestField("evt.buffer"),
      fd: chisel.requestField("fd.num"),
      pid: chisel.requestField("proc.pid"),
      rawtime: chisel.requestField("evt.rawtime"),
      datetime: chisel.requestField("evt.datetime"),
      dir: chisel.requestField("evt.io_dir"),
      container: chisel.requestField("container.name"),
    };
    sysdig.setSnaplen(1024);
  },

  // datetime returns the evt.datetime of the current event.
  datetime() {
    return evt.field(f.datetime);
  },

  // parse looks at the current event; when it completes a transaction it
  // calls onTransaction({request: {method, url, ts}, response: {code,
  // length, ts}, dir, container}).
  parse(onTransaction) {
    const buf = String(evt.field(f.buffer));
    const key = Math.trunc(evt.field(f.pid)) + "\x01\x01" + Math.trunc(evt.field(f.fd));
    const ts = evt.field(f.rawtime);
    const tr = pending.get(key);
    if (tr === undefined) {
      const request = parseRequest(buf);
      if (request !== undefined) {
        const dir = evt.field(f.dir);
        request.ts = ts;
        pending.set(key, {
          request,
          dir: dir === "read" ? "<" : dir === "write" ? ">" : "<NA>",
          container: evt.field(f.container),
        });
      }
      return;
    }
    const response = parseResponse(buf);
    if (response !== undefined) {
      response.ts = ts;
      tr.response = response;
      onTransaction(tr);
      pending.delete(key);
    }
  },
};
