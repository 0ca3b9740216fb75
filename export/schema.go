package export

import (
	"fmt"
	"strings"

	"xtrace/event"
	"xtrace/field"
)

// SchemaVersion is the version of the row layout. It changes when a column
// is removed, renamed or changes type; adding a column at the end keeps it.
// Every output carries it (NDJSON "v", Parquet key-value metadata, CSV
// header comment-free: the column list itself).
const SchemaVersion = 1

// Type is the type of a column's values.
type Type uint8

const (
	// TypeInt is a signed 64-bit integer.
	TypeInt Type = iota + 1
	// TypeUint is an unsigned 64-bit integer.
	TypeUint
	// TypeTime is nanoseconds since the Unix epoch (unsigned 64-bit).
	TypeTime
	// TypeDuration is a duration in nanoseconds (unsigned 64-bit).
	TypeDuration
	// TypeBool is true or false.
	TypeBool
	// TypeString is UTF-8 text (bytes that are not UTF-8 are kept as they
	// are in CSV and Parquet, and replaced by U+FFFD in JSON).
	TypeString
	// TypeBytes is a byte string: base64 in NDJSON and CSV, BYTE_ARRAY in
	// Parquet.
	TypeBytes
	// TypeJSON is a JSON document: embedded as is in NDJSON, as text in
	// CSV and Parquet.
	TypeJSON
)

// String names the type as docs/schema.md does.
func (t Type) String() string {
	switch t {
	case TypeInt:
		return "int64"
	case TypeUint:
		return "uint64"
	case TypeTime:
		return "timestamp (ns)"
	case TypeDuration:
		return "duration (ns)"
	case TypeBool:
		return "bool"
	case TypeString:
		return "string"
	case TypeBytes:
		return "bytes"
	case TypeJSON:
		return "json"
	}
	return "?"
}

// typeOf maps a field table type to a column type.
func typeOf(t event.ParamType) Type {
	switch t {
	case event.PTAbsTime:
		return TypeTime
	case event.PTRelTime:
		return TypeDuration
	}
	switch field.KindOf(t) {
	case field.KindInt:
		return TypeInt
	case field.KindUint:
		return TypeUint
	case field.KindBool:
		return TypeBool
	case field.KindBytes:
		return TypeBytes
	}
	return TypeString
}

// source says how a column's value is found.
type source uint8

const (
	// fromField: the field named by Column.Field, extracted from the exit
	// event (from the enter event when the call has no exit).
	fromField source = iota
	// fromFailedField: the field, only on rows whose call failed.
	fromFailedField
	// fromEnterTime: the timestamp of the enter event.
	fromEnterTime
	// fromPath: the first path parameter, resolved.
	fromPath
	// fromArgs: the typed argument object.
	fromArgs
	// fromData: the data buffer (with Options.Data only).
	fromData
	// Process columns.
	fromProcStart
	fromProcEnd
	fromProcExit
	fromProcSignal
	fromProcArgs
)

// Column is one column of a row kind.
type Column struct {
	// Name is the column name in every format.
	Name string
	// Field is the field (as -l lists it) the value is extracted with, or
	// "" for export-only columns.
	Field string
	// Type is the value type, the field's when Field is set.
	Type Type
	// Doc describes the column; for field columns it is the field's
	// description followed by Note.
	Doc string

	src  source
	note string
}

// colSpec is the declaration of one column: a field and how it is used,
// or an export-only column with its own type and description.
type colSpec struct {
	name, field string
	src         source
	typ         Type   // export-only columns
	note        string // appended to the field's description
}

// syscallSpecs declares the syscall row. Types and descriptions come from
// the field table.
var syscallSpecs = []colSpec{
	{name: "ts", field: "evt.rawtime", src: fromEnterTime, note: "Taken from the enter event (the exit's when the call has no enter)."},
	{name: "dur", field: "evt.latency", note: "Null for calls that never returned in the capture."},
	{name: "cpu", field: "evt.cpu"},
	{name: "pid", field: "proc.pid"},
	{name: "tid", field: "thread.tid"},
	{name: "ppid", field: "proc.ppid"},
	{name: "proc", field: "proc.name"},
	{name: "exe", field: "proc.exepath"},
	{name: "user", field: "user.name"},
	{name: "syscall", field: "evt.type"},
	{name: "category", field: "evt.category"},
	{name: "res", field: "evt.rawres", note: "Null for calls without a result (generic events, unfinished calls)."},
	{name: "errno", field: "evt.res", src: fromFailedField, note: "Only on failed calls: the errno name (ENOENT, ...)."},
	{name: "failed", field: "evt.failed"},
	{name: "fd", field: "fd.num"},
	{name: "fd_name", field: "fd.name"},
	{name: "fd_type", field: "fd.type"},
	{name: "fd_proto", field: "fd.l4proto"},
	{name: "fd_cip", field: "fd.cip"},
	{name: "fd_cport", field: "fd.cport"},
	{name: "fd_sip", field: "fd.sip"},
	{name: "fd_sport", field: "fd.sport"},
	{name: "path", src: fromPath, typ: TypeString, note: "The call's first path parameter (FSPATH or FSRELPATH in the event table), made absolute against the thread's working directory or the directory fd it is relative to; exit parameters first, then enter ones."},
	{name: "bytes", field: "evt.buflen", note: "Bytes transferred by an I/O call."},
	{name: "args", src: fromArgs, typ: TypeJSON, note: "Every parameter of the enter and exit events (exit values win when both have one), except the result and data buffers, as an object keyed by the event table's parameter names. Numbers (fds and pids included) are numbers; flags and modes are their names joined with `|`; signals and syscall ids are their names; paths and strings are text as passed; addresses, tuples and fd lists are sysdig's text."},
	{name: "data", field: "evt.buffer", src: fromData, note: "Only with --data: the data buffer of the call, in full as captured (base64 in NDJSON and CSV)."},
}

// procSpecs declares the process row.
var procSpecs = []colSpec{
	{name: "pid", field: "proc.pid"},
	{name: "ppid", field: "proc.ppid"},
	{name: "name", field: "proc.name", note: "As of the process' last event."},
	{name: "exe", field: "proc.exepath", note: "As of the process' last event."},
	{name: "args", src: fromProcArgs, typ: TypeJSON, note: "The command-line arguments (proc.args as an array), as of the last exec."},
	{name: "cwd", field: "proc.cwd", note: "As of the process' last event."},
	{name: "user", field: "user.name"},
	{name: "start", src: fromProcStart, typ: TypeTime, note: "When the process was created (its clone), else its first event in the capture."},
	{name: "end", src: fromProcEnd, typ: TypeTime, note: "The procexit of its main thread; null when it outlived the capture."},
	{name: "exit_status", src: fromProcExit, typ: TypeInt, note: "The exit code (procexit's ret parameter); null when it did not exit in the capture."},
	{name: "signal", src: fromProcSignal, typ: TypeString, note: "The signal that killed it (procexit's sig parameter), null otherwise."},
}

// SyscallColumns returns the columns of a syscall row, in order.
func SyscallColumns() []Column { return syscallCols }

// ProcColumns returns the columns of a process row, in order.
func ProcColumns() []Column { return procCols }

var (
	syscallCols = buildColumns(syscallSpecs)
	procCols    = buildColumns(procSpecs)
)

// buildColumns resolves the specs against the field table; a spec naming
// a field the table lacks is a programming error caught by every test.
func buildColumns(specs []colSpec) []Column {
	cols := make([]Column, len(specs))
	for i, s := range specs {
		c := Column{Name: s.name, Field: s.field, Type: s.typ, src: s.src, note: s.note, Doc: s.note}
		if s.field != "" {
			d := field.DefByName(s.field)
			if d == nil {
				panic(fmt.Sprintf("export: column %s: no field %s", s.name, s.field))
			}
			if c.Type == 0 {
				c.Type = typeOf(d.Type)
			}
			c.Doc = d.Desc
			if s.note != "" {
				c.Doc = strings.TrimSuffix(c.Doc, ".") + ". " + s.note
			}
		}
		cols[i] = c
	}
	return cols
}

// index returns the position of the column named name in cols, or -1.
func index(cols []Column, name string) int {
	for i := range cols {
		if cols[i].Name == name {
			return i
		}
	}
	return -1
}

// Markdown writes the schema reference (docs/schema.md).
func Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Export schema, version %d\n\n", SchemaVersion)
	b.WriteString("<!-- Generated from export/schema.go and the field table by `go test ./export -run TestSchemaDoc -update`; do not edit. -->\n\n")
	b.WriteString("`xtrace export` writes two row kinds: **syscall** rows (one per syscall, its enter and exit events merged) " +
		"and **process** rows (one per process seen in the capture). Every column is nullable: a null means the capture holds no value " +
		"(sysdig's `<NA>`). Columns taken from a field carry its name; their values are what `xtrace -r -p %FIELD` shows on the exit event, typed.\n\n")
	b.WriteString("How each format carries the rows:\n\n" +
		"- **ndjson**: one object per line; `\"kind\"` is `\"syscall\"` or `\"process\"` and `\"v\"` the schema version. Process rows follow the syscall rows. Null columns are left out.\n" +
		"- **csv**: syscall rows in OUT, process rows in `procs/` beside it under the same name (or `--procs FILE`), so that a glob over the syscall files leaves them out; a header line names the columns; null is an empty cell.\n" +
		"- **parquet**: the same two files; the file metadata holds `xtrace.schema_version` and `xtrace.kind`. `ts`, `start` and `end` are TIMESTAMP(NANOS) (DuckDB's TIMESTAMP_NS); durations and other unsigned values UINT64; JSON columns carry the JSON logical type; zstd compression (fastest level), row groups of up to 32 Ki rows.\n" +
		"- **perfetto**: a trace-event JSON timeline for ui.perfetto.dev: a track per thread (named, grouped under its named process), a complete slice per syscall from enter to exit (failed calls are named `syscall (ERRNO)`; res, errno, fd, path, bytes and args are slice arguments), an instant for calls without an exit, and an async slice per process for its lifetime, labelled with its exit status. Times are microseconds since the capture's first event (`otherData.xtrace_start_ns`).\n\n" +
		"Captures of several hosts are told apart by where their exports are written, not by a column: `-o caps/host=web1/syscalls.parquet` is a Hive-style partition that DuckDB, Spark and Trino turn into a `host` column (see docs/fleet.md).\n\n" +
		"A filter (`xtrace export FILE FILTER`) keeps the syscall rows whose exit event matches it, evaluated after the state engine as `xtrace -r -d` does; the process table always lists every process that has an event in the capture.\n\n")
	for _, k := range []struct {
		title string
		cols  []Column
	}{{"Syscall rows", syscallCols}, {"Process rows", procCols}} {
		fmt.Fprintf(&b, "## %s\n\n| column | type | field | description |\n|---|---|---|---|\n", k.title)
		for _, c := range k.cols {
			f := "—"
			if c.Field != "" {
				f = "`" + c.Field + "`"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", c.Name, c.Type, f, strings.ReplaceAll(c.Doc, "|", "\\|"))
		}
		b.WriteString("\n")
	}
	return b.String()
}
