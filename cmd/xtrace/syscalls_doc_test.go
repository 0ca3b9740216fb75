package main

import (
	"bufio"
	"bytes"
	"os"
	"testing"
)

// syscallsDoc is docs/syscalls.md: the syscall table as xtrace -L -v
// prints it, under a short heading.
func syscallsDoc() string {
	var b bytes.Buffer
	b.WriteString(`# Syscalls xtrace records

Every x86_64 syscall of Linux 6.18 with the exit event that carries its
result and arguments, as ` + "`xtrace -L -v`" + ` prints it. Lines marked
"[xtrace; sysdig 0.29.3: generic]" are the syscalls sysdig records as
generic events without result or arguments; xtrace decodes them in its
own event types (docs/every-syscall.md). Generated from event/tables by
TestSyscallsDoc (` + "`XTRACE_UPDATE_SYSCALLS_DOC=1 go test ./cmd/xtrace -run TestSyscallsDoc`" + `).

` + "```" + `
`)
	w := bufio.NewWriter(&b)
	listSyscalls(w, false)
	w.Flush()
	b.WriteString("```\n")
	return b.String()
}

// TestSyscallsDoc checks that docs/syscalls.md is what the tables make.
func TestSyscallsDoc(t *testing.T) {
	const path = "../../docs/syscalls.md"
	want := syscallsDoc()
	if os.Getenv("XTRACE_UPDATE_SYSCALLS_DOC") != "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal("docs/syscalls.md is stale: run XTRACE_UPDATE_SYSCALLS_DOC=1 go test ./cmd/xtrace -run TestSyscallsDoc")
	}
}
