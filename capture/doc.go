// Package capture writes scap capture files for the recorder and for
// rewriting (-r IN -w OUT): a [File] is one capture (header, then events,
// plain or gzip, created 0600, kept readable when a write fails), a
// [Writer] rotates files the way sysdig 0.29.3 does (-C, -G, -W, -e; see
// [Cycle] for the exact rules and names), and [Progress] draws the
// progress line on a terminal.
package capture
