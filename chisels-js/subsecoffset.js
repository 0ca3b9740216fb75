// subsecoffset: a live chart of where within each second system calls
// happen (terminals only).
"use strict";

const { parseNumericInput } = require("common");
const terminal = require("ansiterminal");

const COLORS = [22, 28, 64, 34, 2, 76, 46, 118, 154, 191, 227, 226, 11, 220, 209, 208, 202, 197, 9, 1];
const CHARS = [" ", "\u2591", "\u2592", "\u2591"];

let refreshTime = 1000 * 1000 * 1000;
let refreshPerSec = 1;
let maxLabelLen = 0;
let width = 0;
let rawtime;
let tty = false;
let frequencies = new Map();

function cell(n) {
  let col = Math.log10(n * refreshPerSec + 1) / Math.log10(1.6);
  col = Math.min(Math.max(col, 1), COLORS.length);
  const low = Math.floor(col);
  const high = Math.ceil(col);
  const delta = col - low;
  const ch = CHARS[Math.floor(delta * CHARS.length)];
  return delta > 0.75 ? [COLORS[high - 1], COLORS[low - 1], ch] : [COLORS[low - 1], COLORS[high - 1], ch];
}

function draw() {
  terminal.moveUp(1);
  for (let x = 1; x <= width; x++) {
    const n = frequencies.get(x);
    if (!n) {
      terminal.setBgCol(0);
      terminal.setBgCol(0);
      write(" ");
    } else {
      const [fg, bg, ch] = cell(n);
      terminal.setFgCol(fg);
      terminal.setBgCol(bg);
      write(ch);
    }
  }
  write(terminal.reset + "\n");
  for (let x = 0; x < width; ) {
    if (Math.floor((x * 10) / width) !== Math.floor(((x - 1) * 10) / width) && x <= width - maxLabelLen) {
      const label = "|" + (Math.floor((10 * x) / width) * refreshTime) / 10000000 + "ms";
      write(label);
      x += label.length;
    } else {
      write(" ");
      x++;
    }
  }
  write("\n");
  frequencies = new Map();
}

module.exports = {
  description:
    "This visualizes the subsecond offset time of system call execution. This allows repetitive patterns to be identified, which are lost when averaging at a one second granularity. The Y axis (vertical) shows the passage of time. The X axis (horizontal) shows the passage of time within whole or fractions of a second. By default, the X axis range is 1000 milliseconds; this can be specified as an argument (try 100). Each bucket of the heat map, or spectrogram, is shown as a colored rectangle. The color shows how many syscalls fell into that time and subsecond offset range. It can be black (no calls), green (tens of calls/s), yellow (hundreds of calls/s) or red (Thousands of calls/s). Use this chisel in conjunction with filters to visualize latencies for certain processes, types of I/O activity, file systems, etc.",
  shortDescription: "Visualize subsecond offset execution time.",
  category: "CPU Usage",
  args: [{ name: "refresh_time", description: "chart refresh time in milliseconds", type: "int", optional: true }],

  onSetArg(name, value) {
    if (name !== "refresh_time") {
      return false;
    }
    refreshTime = parseNumericInput(value, name) * 1000000;
    refreshPerSec = 1000000000 / refreshTime;
  },

  onInit() {
    tty = sysdig.isTTY();
    if (!tty) {
      print("This chisel only works on ANSI terminals. Aborting.");
      return false;
    }
    width = sysdig.getTerminalInfo().width;
    maxLabelLen = ("|" + (0.9 * refreshTime) / 10000000 + "ms").length;
    chisel.setFilter("evt.dir=>");
    rawtime = chisel.requestField("evt.rawtime");
    terminal.hideCursor();
    print("Tracing syscalls... red (hot) == high frequency <-> green == low frequency.\n");
  },

  onCaptureStart() {
    chisel.setIntervalNs(refreshTime);
  },

  onEvent() {
    const t = evt.field(rawtime);
    const bucket = Math.floor(((((t * 1000) / refreshTime) % 1000) / 1000) * width);
    frequencies.set(bucket, (frequencies.get(bucket) ?? 0) + 1);
    return true;
  },

  onInterval() {
    draw();
  },

  onCaptureEnd() {
    if (tty) {
      print(terminal.reset);
      terminal.showCursor();
    }
  },
};
