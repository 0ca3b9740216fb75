// Package export turns a capture into rows for analysis tools: one row per
// syscall (its enter and exit events merged) and one row per process, written
// as NDJSON, CSV, Parquet or a Perfetto trace-event timeline. A call whose
// thread runs a signal handler before the call returns (the in-process
// agent records it so: signaldeliver and the handler's calls between the
// call's enter and exit) is still one row, written at its exit.
//
// The row schema is versioned ([SchemaVersion]) and derived from the field
// table: every syscall or process column names the field (evt.*, proc.*,
// fd.*, ...) it is extracted with, and takes its type and description from
// that field's definition. The few export-only columns (the typed argument
// object, the resolved path, the process lifetime) are described next to the
// code that computes them. docs/schema.md is generated from [Markdown] and a
// test keeps it current.
//
// Arguments are read generically from the event table (event.Info(t).Params):
// numbers stay numbers, flags and modes become their names, paths and strings
// stay text. Nothing here switches on syscall names, so events the table
// gains later flow through unchanged.
package export
