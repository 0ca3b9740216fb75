// Package record carries a recording from the tracer to where it goes.
// The tracer hands over event batches ([tracer.Batch]); an [Output] takes
// the capture header, then the batches, from one writer goroutine:
//
//   - [File] writes them to a capture file (or the series of files of a
//     rotation) as they are, through a [capture.Writer];
//   - [Filter] runs them through the replay pipeline first and writes
//     what a capture filter passes (sysdig -w FILE FILTER), the state
//     engine's view heading each rotated file;
//   - [Live] runs them through the replay pipeline and prints them, so
//     that the lines are those a replay of the same capture prints.
//
// The replay pipeline is one pipe type: the batches are written as a scap
// stream into an in-memory pipe, and a goroutine reads it back with a
// [scap.Reader] and hands each event, after the state engine
// ([inspect.Inspector]) has processed it, to the output.
package record

import (
	"xtrace/scap"
	"xtrace/tracer"
)

// Output consumes the recorder's header and event batches. Header and
// Write are called from one goroutine; FinishEarly may be called from
// another (a duration limit), Close and Abort once at the end.
type Output interface {
	// Header starts the output with the capture header.
	Header(h *scap.Header) error
	// Write adds a batch of events. After an error the output takes no
	// more.
	Write(b *tracer.Batch) error
	// FinishEarly ends the output before the tracer does (-M): later
	// batches are dropped.
	FinishEarly()
	// Closed reports whether the output takes no more batches.
	Closed() bool
	// Close finishes the output and returns the first error it met.
	Close() error
	// Abort drops the output (the recording could not start).
	Abort()
}
