// Package field is the table of event fields that sysdig 0.29.3 knows
// (evt.*, proc.*, thread.*, fd.*, user.*, group.*, container.* and the
// classes xtrace only names), shared by the filter language, the -p and -j
// printers and the chisel runtime.
//
// A field is looked up once by name, argument included, into a *Field
// handle:
//
//	f, err := field.Lookup("proc.aname[1]", opts)
//	...
//	for each event {
//		v, ok := f.Extract(ev)          // typed value, no allocation
//		out, ok, err = f.AppendText(out, ev) // rendered as sysdig's -p does
//	}
//
// A handle keeps the state a few fields need between events (the previous
// timestamp of evt.deltatime, the previous output time of -t D) and a
// reusable buffer for computed strings, so extraction allocates nothing.
// Values returned by a handle are valid until its next call. A handle is
// not safe for concurrent use; make one per consumer.
//
// Value semantics and rendering follow falcosecurity/libs' filterchecks.cpp
// at sysdig 0.29.3's commit, quirks included (they are listed next to the
// code that reproduces them). The descriptions printed by -l are xtrace's
// own (the Desc column of table.go).
package field
