package main

import (
	"errors"
	"fmt"
	"syscall"

	"xtrace/agent"
	"xtrace/tracer"
)

// recorder is a recording backend: the ptrace supervisor (tracer.Tracer)
// or the in-process agent (agent.Recorder). Both launch the command
// through the helper, stopped until Start, and produce the same events.
type recorder interface {
	PID() int
	Start()
	Wait() (tracer.Result, error)
	Stop(reason string, sig syscall.Signal, record bool)
	EndCapture(reason string)
}

var (
	_ recorder = (*tracer.Tracer)(nil)
	_ recorder = (*agent.Recorder)(nil)
)

// chooseBackend picks the backend of a recording (--backend): "agent" or
// "ptrace". Attaching (-p) and fault injection (--inject) need ptrace;
// auto takes the agent where it can enter the command (agent.CanEnter).
func chooseBackend(cli *CLI, pids []int, path string, inject bool) (string, error) {
	switch cli.Backend {
	case "ptrace":
		return "ptrace", nil
	case "agent":
		switch {
		case pids != nil:
			return "", errors.New("xtrace: --backend=agent records launched commands only; -p attaches with ptrace (--backend=ptrace or auto)")
		case inject:
			return "", errors.New("xtrace: --inject needs --backend=ptrace (or auto)")
		}
		if err := agent.CanEnter(path); err != nil {
			return "", fmt.Errorf("xtrace: --backend=agent: %w (--backend=auto records it with ptrace)", err)
		}
		return "agent", nil
	}
	if pids != nil || inject || agent.CanEnter(path) != nil {
		return "ptrace", nil
	}
	return "agent", nil
}
