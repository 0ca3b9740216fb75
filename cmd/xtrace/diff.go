package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"xtrace/diff"
)

// DiffCLI is `xtrace diff`: what differs between two runs.
type DiffCLI struct {
	A      string   `arg:"" name:"a" placeholder:"A.scap" help:"The first capture (say, the run that works)."`
	B      string   `arg:"" name:"b" placeholder:"B.scap" help:"The second capture."`
	Filter []string `arg:"" optional:"" name:"filter" help:"Compare only the syscalls whose exit event matches this filter."`
}

// runDiff is `xtrace diff ARGS`: exit 0 when the runs are equivalent, 1
// when they differ, 2 on error (as diff(1)).
func runDiff(ctx context.Context, args []string, stdout io.Writer) error {
	var c DiffCLI
	if err := kongSub("diff", "Compare two captures of the same workload: processes aligned by exec chain; pids, fds, addresses, timestamps, ephemeral ports and temporary names normalised. Reports processes in one run only, exit statuses, files and sockets touched in one run only, calls whose result differs and the first divergence per process. Exit 0: equivalent, 1: different, 2: error.", &c, args, stdout); err != nil {
		return err
	}
	match, err := compileFilter(strings.Join(c.Filter, " "))
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	ra, err := diff.Load(ctx, c.A, match)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("xtrace: %w", err)}
	}
	rb, err := diff.Load(ctx, c.B, match)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("xtrace: %w", err)}
	}
	rep := diff.Compare(ra, rb)
	if err := rep.Write(stdout, c.A, c.B); err != nil {
		return &exitError{code: 2, err: fmt.Errorf("xtrace: writing output: %w", err)}
	}
	if !rep.Equal() {
		return &exitError{code: 1}
	}
	return nil
}
