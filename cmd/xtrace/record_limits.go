package main

import (
	"errors"
	"fmt"

	"xtrace/capture"
)

// rotationOf returns the rotation options of the command line.
func rotationOf(cli *CLI) capture.Rotation {
	return capture.Rotation{FileMB: cli.FileSize, Seconds: cli.Seconds, Limit: cli.Limit, Events: cli.EventLimit}
}

// checkLimits rejects the limit and rotation values sysdig rejects.
func checkLimits(cli *CLI) error {
	switch {
	case cli.FileSize < 0:
		return fmt.Errorf("xtrace: -C: invalid file size %d (want a positive number of MB)", cli.FileSize)
	case cli.Seconds < 0:
		return fmt.Errorf("xtrace: -G: invalid duration %d (want a positive number of seconds)", cli.Seconds)
	case cli.Limit < 0:
		return fmt.Errorf("xtrace: -W: invalid file limit %d (want a positive number)", cli.Limit)
	case cli.EventLimit < 0:
		return fmt.Errorf("xtrace: -e: invalid number of events %d (want a positive number)", cli.EventLimit)
	case cli.Duration < 0:
		return fmt.Errorf("xtrace: -M: invalid duration %d (want a positive number of seconds)", cli.Duration)
	case cli.NumEvents < 0:
		return fmt.Errorf("xtrace: -n: invalid number of events %d", cli.NumEvents)
	}
	if rotationOf(cli).Active() && cli.Write == "" {
		return errors.New("xtrace: -C, -G, -W and -e need -w FILE")
	}
	return nil
}
