// httplog: one line per HTTP request/response pair seen in I/O buffers.
"use strict";

const { sprintf } = require("common");
const http = require("http");

let printContainer = false;

module.exports = {
  description: "Show a log of all HTTP requests",
  shortDescription: "HTTP requests log",
  category: "Application",
  args: [],

  onInit() {
    http.init();
    printContainer = sysdig.isPrintContainerData();
  },

  onEvent() {
    http.parse((tr) => {
      const container = printContainer ? " " + tr.container + " " : " ";
      print(sprintf("%s%s%s method=%s url=%s response_code=%d latency=%dms size=%dB", http.datetime(), container,
        tr.dir, tr.request.method, tr.request.url, tr.response.code, (tr.response.ts - tr.request.ts) / 1000000,
        tr.response.length));
    });
  },
};
