package main

import (
	"errors"
	"fmt"
	"io"

	"xtrace/record"
	"xtrace/ring"
)

// newRingOutput builds the flight recorder of --ring SIZE [--trigger
// FILTER [--after N]] (see record.Ring).
func newRingOutput(cli *CLI, stderr io.Writer) (*record.Ring, error) {
	size, err := ring.ParseSize(cli.Ring)
	if err != nil {
		return nil, fmt.Errorf("xtrace: --ring: %w", err)
	}
	if cli.Write == "" {
		return nil, errors.New("xtrace: --ring needs -w FILE, the capture it writes")
	}
	if len(cli.Filter) > 0 {
		return nil, errors.New("xtrace: --ring records every event: give the filter that should write the ring as --trigger FILTER")
	}
	opt := record.RingOptions{Size: size, Path: cli.Write, Compress: cli.Compress, After: cli.After, Stderr: stderr, Quiet: cli.Quiet}
	if cli.Trigger != "" {
		if opt.Trigger, err = compileFilter(cli.Trigger); err != nil {
			return nil, err
		}
	}
	return record.NewRing(opt), nil
}
