package chisel

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Perm is a set of side effects a chisel may have besides printing to
// xtrace's output. A chisel gets none unless the command line grants them
// (--chisel-allow=exec,fs,net); a host function that needs a missing one
// throws an error naming the flag.
type Perm uint8

const (
	// PermExec allows sysdig.runApp: running xtrace again with other
	// arguments once the chisels end, which may record any command.
	PermExec Perm = 1 << iota
	// PermFS allows require("fs"): creating folders, creating and
	// truncating files.
	PermFS
	// PermNet allows sysdig.udpSetPeerName and sysdig.udpSend: sending
	// UDP datagrams.
	PermNet
)

var permNames = []struct {
	p    Perm
	name string
}{{PermExec, "exec"}, {PermFS, "fs"}, {PermNet, "net"}}

// ParsePerm parses a comma-separated list of permissions ("exec,fs,net";
// "" is none).
func ParsePerm(s string) (Perm, error) {
	var p Perm
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		found := false
		for _, n := range permNames {
			if n.name == w {
				p |= n.p
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("chisel: unknown permission %q (want exec, fs or net)", w)
		}
	}
	return p, nil
}

func (p Perm) String() string {
	var names []string
	for _, n := range permNames {
		if p&n.p != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ",")
}

// need throws an Error into the script unless the session grants p to
// the chisels; api names the host function. Uncaught, it fails the
// callback (and the run) with the chisel's file and line.
func (rt *runtime) need(p Perm, api string) {
	if rt.host != nil && rt.host.opts.Allow&p == p {
		return
	}
	msg := fmt.Sprintf("chisel %s: %s needs --chisel-allow=%s", rt.src.name, api, p)
	e, err := rt.vm.New(rt.vm.Get("Error"), rt.vm.ToValue(msg))
	if err != nil {
		panic(rt.vm.NewGoError(errors.New(msg)))
	}
	panic(e)
}

// Search says where a Registry looks for user chisels, and who may
// override the built-ins. The command line fills it from its flags and
// the environment.
type Search struct {
	// Dirs are the --chisel-dir folders, searched first, in order.
	Dirs []string
	// Path is $XTRACE_CHISEL_PATH: colon-separated folders searched next.
	Path string
	// Home is the home directory: ~/.xtrace/chisels is searched last
	// ("" for none).
	Home string
	// UID is the effective uid of xtrace. A chisel in a user folder may
	// take the place of a built-in chisel or module only if the folder
	// and the file belong to UID and are writable by nobody else.
	UID int
	// Warn receives a line for each user chisel or module not used in
	// place of a built-in for that reason (nil discards them).
	Warn func(msg string)
}

// dirs returns the folders to search, in order.
func (s Search) dirs() []string {
	all := append([]string(nil), s.Dirs...)
	for _, d := range strings.Split(s.Path, ":") {
		if d != "" {
			all = append(all, d)
		}
	}
	if s.Home != "" {
		all = append(all, filepath.Join(s.Home, ".xtrace", "chisels"))
	}
	return all
}

// mayOverride reports whether the file path (in a user chisel folder)
// may take the place of a built-in: the file and its folder belong to
// the uid xtrace runs as and are not writable by group or others. When
// not, it also returns why.
func (s Search) mayOverride(path string) (bool, string) {
	for _, p := range []string{filepath.Dir(path), path} {
		fi, err := os.Stat(p)
		if err != nil {
			return false, err.Error()
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return false, p + ": owner unknown"
		}
		if int(st.Uid) != s.UID {
			return false, fmt.Sprintf("%s belongs to uid %d, not %d", p, st.Uid, s.UID)
		}
		if fi.Mode().Perm()&0o022 != 0 {
			return false, fmt.Sprintf("%s is writable by group or others (mode %v)", p, fi.Mode().Perm())
		}
	}
	return true, ""
}

// builtinExists reports whether the built-ins hold the file name.
func (r *Registry) builtinExists(name string) bool {
	if r.builtin == nil {
		return false
	}
	_, err := fs.Stat(r.builtin, name)
	return err == nil
}

// shadows reports whether the user file path may be used in place of the
// built-in builtinName; when not, it warns once.
func (r *Registry) shadows(path, builtinName, what string) bool {
	if !r.builtinExists(builtinName) {
		return true
	}
	ok, why := r.search.mayOverride(path)
	if !ok && r.search.Warn != nil && !r.warned[path] {
		r.warned[path] = true
		r.search.Warn(fmt.Sprintf("chisel: using the built-in %s, not %s: %s", what, path, why))
	}
	return ok
}

// heapSample is how often WatchMemory reads the heap size.
const heapSample = 20 * time.Millisecond

// WatchMemory caps the memory the chisels may take: while the Go heap
// holds more than limit bytes above what it held when WatchMemory was
// called (measured after a collection), the chisel callback running is
// interrupted and fails with an error naming the chisel and the limit
// (--chisel-mem). The heap is sampled every 20 ms, so a chisel may
// overshoot by what it allocates in that time. Call the returned stop at
// the end. Like WatchHung, it runs on a goroutine of its own.
func (s *Session) WatchMemory(limit uint64) (stop func()) {
	goruntime.GC()
	base := heapLive()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(heapSample)
		defer t.Stop()
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(sample)
			if sample[0].Value.Uint64() < base+limit {
				continue
			}
			// Garbage counts until it is collected: measure again
			// after a collection.
			goruntime.GC()
			if heapLive() < base+limit {
				continue
			}
			s.mu.Lock()
			for _, c := range s.chisels {
				if c.rt.calls.Load()%2 == 1 {
					c.rt.vm.Interrupt(fmt.Sprintf("chisel %s exceeded the memory limit of %d MiB (--chisel-mem)", c.rt.src.name, limit>>20))
				}
			}
			s.mu.Unlock()
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}

// heapLive returns the bytes of heap objects that survived the last
// collection.
func heapLive() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
