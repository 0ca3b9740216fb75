package field_test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"xtrace/format"
	"xtrace/inspect"
	"xtrace/internal/capturetest"
	"xtrace/internal/testutil"
	"xtrace/scap"
)

// oracleFields are compared with sysdig for every event of the oracle
// captures. Left out: fd.name_changed (not tracked yet), fd.dev* (sysdig
// prints uninitialised memory for sockets) and the fields that never
// have a value in xtrace.
var oracleFields = []string{
	"evt.num", "evt.time", "evt.time.s", "evt.time.iso8601", "evt.datetime", "evt.datetime.s",
	"evt.rawtime", "evt.rawtime.s", "evt.rawtime.ns", "evt.reltime", "evt.reltime.s", "evt.reltime.ns",
	"evt.latency", "evt.latency.s", "evt.latency.ns", "evt.latency.human", "evt.latency.quantized",
	"evt.deltatime", "evt.deltatime.s", "evt.deltatime.ns", "evt.outputtime",
	"evt.dir", "evt.type", "evt.type.is.open", "syscall.type", "evt.category", "evt.cpu", "evt.args", "evt.info",
	"evt.arg[0]", "evt.arg[1]", "evt.arg.fd", "evt.arg.res", "evt.arg.name", "evt.arg.data", "evt.arg.flags",
	"evt.rawarg.res", "evt.rawarg.name", "evt.rawarg.size",
	"evt.buffer", "evt.buflen", "evt.res", "evt.rawres", "evt.failed",
	"evt.is_io", "evt.is_io_read", "evt.is_io_write", "evt.io_dir", "evt.is_wait", "evt.wait_latency", "evt.is_syslog",
	"evt.count", "evt.count.error", "evt.count.error.file", "evt.count.error.net", "evt.count.error.memory",
	"evt.count.error.other", "evt.count.exit", "evt.is_open_read", "evt.is_open_write", "evt.is_open_exec",
	"proc.pid", "proc.exe", "proc.name", "proc.args", "proc.env", "proc.cmdline", "proc.exeline", "proc.cwd",
	"proc.nthreads", "proc.nchilds", "proc.ppid", "proc.pname", "proc.pcmdline", "proc.apid[1]", "proc.aname[1]",
	"proc.aname[2]", "proc.loginshellid", "proc.duration", "proc.fdopencount", "proc.fdlimit", "proc.fdusage",
	"proc.vmsize", "proc.vmrss", "proc.vmswap", "thread.pfmajor", "thread.pfminor", "thread.tid", "thread.ismain",
	"thread.cgroups", "thread.cgroup.cpuset", "thread.vtid", "proc.vpid", "thread.vmsize", "thread.vmrss",
	"proc.sid", "proc.sname", "proc.tty", "proc.exepath", "proc.vpgid", "proc.is_exe_writable",
	"user.uid", "user.name", "user.homedir", "user.shell", "user.loginuid", "user.loginname",
	"group.gid", "group.name", "container.id", "container.name", "container.image", "container.type",
	"fd.num", "fd.type", "fd.typechar", "fd.name", "fd.directory", "fd.filename", "fd.cip", "fd.sip", "fd.lip",
	"fd.rip", "fd.cport", "fd.sport", "fd.lport", "fd.rport", "fd.l4proto", "fd.sockfamily", "fd.is_server",
	"fd.uid", "fd.containername", "fd.containerdirectory", "fd.connected",
	"evt.abspath", "evt.abspath.dst", "thread.exectime", "thread.totexectime", "thread.nametid",
	"syslog.message", "fdlist.names", "fdlist.nums", "fdlist.cips", "fdlist.sports",
}

var oracleCaptures = []string{"libs_curl_google", "falco_cat_write", "bencer_example4_example4-1", "libs_test_ipv6_client"}

// TestOracle compares every field's -p rendering with Debian's sysdig
// 0.29.3 on a few captures. It needs sysdig on PATH.
func TestOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("oracle comparison is slow")
	}
	testutil.LookTool(t, "sysdig")
	for _, c := range oracleCaptures {
		path := "../testdata/captures/" + c + ".scap"
		for _, name := range oracleFields {
			t.Run(c+"/"+name, func(t *testing.T) {
				format := "*%evt.num %" + name
				cmd := exec.Command("sysdig", "-r", path, "-p", format)
				cmd.Env = append(os.Environ(), "TZ=UTC")
				want, err := cmd.Output()
				if err != nil {
					t.Fatalf("sysdig: %v", err)
				}
				got := render(t, path, format)
				if diff := firstDiff(got, want); diff != "" {
					t.Error(diff)
				}
			})
		}
	}
}

// render prints every shown event of a capture with a -p format.
func render(t *testing.T, path, fmtString string) []byte {
	p, err := format.NewCustom(fmtString, format.Options{Time: format.TimeHuman, Loc: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	capturetest.Replay(t, capturetest.Open(t, path), nil, func(_ *scap.Event, ev *inspect.Event) bool {
		if !ev.Hidden() {
			if out, _, err = p.Append(out, ev); err != nil {
				t.Fatal(err)
			}
		}
		return true
	})
	return out
}

func firstDiff(got, want []byte) string {
	g := strings.Split(strings.TrimRight(string(got), "\n"), "\n")
	w := strings.Split(strings.TrimRight(string(want), "\n"), "\n")
	for i := 0; i < len(g) && i < len(w); i++ {
		if strings.TrimRight(g[i], " ") != strings.TrimRight(w[i], " ") {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + g[i] + "\nwant: " + w[i]
		}
	}
	if len(g) != len(w) {
		return "got " + strconv.Itoa(len(g)) + " lines, want " + strconv.Itoa(len(w))
	}
	return ""
}
