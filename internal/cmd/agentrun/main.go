// Command agentrun runs a command under the in-process agent and prints
// how many records each thread wrote: the driver of the agent's gate
// benchmark (scripts/bench-agent.sh) until the agent is a backend of
// xtrace's own recording.
//
//	agentrun [-q] -- CMD [ARG...]
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"

	"xtrace/agent"
	"xtrace/agent/ring"
)

func main() {
	quiet := flag.Bool("q", false, "print nothing but errors")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: agentrun [-q] -- CMD [ARG...]")
		os.Exit(2)
	}
	s, err := agent.NewSession(80)
	if err != nil {
		fmt.Fprintln(os.Stderr, "agentrun:", err)
		os.Exit(1)
	}
	type count struct{ enter, exit uint64 }
	perTid := map[uint32]*count{}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err = s.Run(cmd, func(r *ring.Record) {
		c := perTid[r.Tid]
		if c == nil {
			c = &count{}
			perTid[r.Tid] = c
		}
		if r.Kind == ring.KindEnter {
			c.enter++
		} else {
			c.exit++
		}
	})
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "agentrun:", err)
		os.Exit(1)
	}
	if !*quiet {
		tids := make([]uint32, 0, len(perTid))
		for t := range perTid {
			tids = append(tids, t)
		}
		sort.Slice(tids, func(i, j int) bool { return tids[i] < tids[j] })
		for _, t := range tids {
			fmt.Fprintf(os.Stderr, "tid %d: %d enter, %d exit\n", t, perTid[t].enter, perTid[t].exit)
		}
		st := s.Region.Stats()
		fmt.Fprintf(os.Stderr, "records %d, producer wakes %d, rings freed %d\n", st.Records, st.Wakes, st.Freed)
	}
	s.Close()
	os.Exit(code)
}
