package testutil

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ProcessTree returns root and every live descendant of it, parents
// before their children, from /proc.
func ProcessTree(root int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return []int{root}
	}
	children := map[int][]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(pid); ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	tree := []int{root}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, children[tree[i]]...)
	}
	return tree
}

// parentOf reads the parent of process pid from /proc/pid/stat.
func parentOf(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

// DescribeProcesses says, one line per thread of each process, what it
// is doing: its name, state, tracer, kernel wait channel and the syscall
// it is in (for a test that found them hung).
func DescribeProcesses(pids []int) string {
	var b strings.Builder
	for _, pid := range pids {
		base := "/proc/" + strconv.Itoa(pid)
		tasks, err := os.ReadDir(base + "/task")
		if err != nil {
			fmt.Fprintf(&b, "%d: gone\n", pid)
			continue
		}
		cmdline, _ := os.ReadFile(base + "/cmdline")
		fmt.Fprintf(&b, "%d %s\n", pid, strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " ")))
		for _, task := range tasks {
			dir := base + "/task/" + task.Name()
			status, _ := os.ReadFile(dir + "/status")
			wchan, _ := os.ReadFile(dir + "/wchan")
			syscall, _ := os.ReadFile(dir + "/syscall")
			fmt.Fprintf(&b, "  tid %s %s %s wchan=%s syscall=%s\n", task.Name(),
				statusValue(status, "State:"), "tracer="+statusValue(status, "TracerPid:"),
				wchan, strings.TrimSpace(string(syscall)))
		}
	}
	return b.String()
}

// statusValue returns the value of a /proc status line, "" without it.
func statusValue(status []byte, key string) string {
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, key); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
