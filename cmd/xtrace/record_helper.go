package main

import (
	"os"

	"xtrace/tracer"
)

// The recorder starts the traced command through a copy of this binary
// (see tracer.RunHelper): when started that way, become the helper before
// anything else runs. Package initialisers run on the main thread, which
// is the thread the tracer seized.
func init() {
	if os.Getenv(tracer.HelperEnv) != "" {
		tracer.RunHelper()
	}
}
