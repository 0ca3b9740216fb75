// spectrogram: a live chart of system call latencies (terminals only).
"use strict";

const { formatTimeInterval, parseNumericInput } = require("common");
const terminal = require("ansiterminal");

const COLORS = [22, 28, 64, 34, 2, 76, 46, 118, 154, 191, 227, 226, 11, 220, 209, 208, 202, 197, 9, 1];
const CHARS = [" ", "\u2591", "\u2592", "\u2591"];

let refreshTime = 500000000;
let refreshPerSec = 1000000000 / refreshTime;
let width = 0;
let latency;
let tty = false;
let frequencies = new Map();

// cell picks the colours and character of a bucket hit n times.
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
      terminal.setFgCol(0);
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
    if (Math.floor((x * 11) / width) !== Math.floor(((x - 1) * 11) / width)) {
      const label = formatTimeInterval(Math.pow(10, Math.floor((x * 11) / width)));
      write("|" + label);
      x += label.length + 1;
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
    "This console visualization shows the frequency of system call latencies. The Y axis unit is time. By default, a new line is created twice a second, but that can be changed by specifying a different refresh time argument. The X axis shows a range of latencies. Each latency value has a color that can be black (no calls), green (tens of calls/s), yellow (hundreds of calls/s) or red (Thousands of calls/s). In other words, red areas mean that there are many system calls taking the specified time to return. Use this chisel in conjunction with filters to visualize latencies for certain processes, types of I/O activity, file systems, etc.",
  shortDescription: "Visualize OS latency in real time.",
  category: "CPU Usage",
  args: [{ name: "refresh_time", description: "Chart refresh time in milliseconds", type: "int", optional: true }],

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
    chisel.setFilter("evt.dir=<");
    latency = chisel.requestField("evt.latency");
    terminal.hideCursor();
  },

  onCaptureStart() {
    chisel.setIntervalNs(refreshTime);
  },

  onEvent() {
    const l = evt.field(latency);
    if (l === 0) {
      return true;
    }
    const bucket = Math.floor((Math.min(Math.log10(l), 11) * width) / 11) + 1;
    frequencies.set(bucket, (frequencies.get(bucket) ?? 0) + 1);
    return true;
  },

  onInterval() {
    draw();
  },

  onCaptureEnd() {
    if (tty) {
      draw();
      print(terminal.reset);
      terminal.showCursor();
    }
  },
};
