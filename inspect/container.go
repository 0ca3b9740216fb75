package inspect

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Container is what the capture says about one container (sinsp's
// sinsp_container_info): from container events, or a bare entry for a
// container id first seen in a thread's cgroups.
type Container struct {
	ID, FullID                          string
	Type                                int // CT_* (0 docker, 1 lxc, ...)
	Name                                string
	Image, ImageID, ImageRepo, ImageTag string
	ImageDigest                         string
	Privileged, IsPodSandbox            bool
	// LookupState is 0 started, 1 successful, 2 failed.
	LookupState int
	// IP is the container's IPv4 address in host order (0: none).
	IP uint32
	// JSON is the decoded "container" object of the event, for fields
	// not mirrored above (labels, mounts, limits, ...); nil for bare
	// entries.
	JSON map[string]any
}

// Container types (sinsp_container_type).
const (
	ctDocker     = 0
	ctLXC        = 1
	ctLibvirtLXC = 2
	ctCRI        = 6
	ctBPM        = 9
	ctPodman     = 11
)

// Container returns the container with the given id, or nil.
func (in *Inspector) Container(id string) *Container { return in.containers[id] }

// Containers calls f for every known container, in no particular order,
// until f returns false.
func (in *Inspector) Containers(f func(*Container) bool) {
	for _, c := range in.containers {
		if !f(c) {
			return
		}
	}
}

const idLen = 64

// matchRuncID is sinsp's match_one_container_id: cgroup ends with
// prefix + 64 hex digits + suffix; the id is reported cut to 12.
func matchRuncID(cgroup, prefix, suffix string) (string, bool) {
	start := strings.LastIndex(cgroup, prefix)
	if start < 0 {
		return "", false
	}
	start += len(prefix)
	end := strings.LastIndex(cgroup, suffix)
	if end < 0 || end-start != idLen {
		return "", false
	}
	// sinsp compares the absolute position of the first non-hex byte
	// with the id length.
	if bad := strings.IndexFunc(cgroup[start:], func(r rune) bool {
		return !strings.ContainsRune("0123456789abcdefABCDEF", r)
	}); bad >= 0 && start+bad < idLen {
		return "", false
	}
	return cgroup[start : start+12], true
}

type cgroupLayout struct{ prefix, suffix string }

var (
	podmanLayouts = []cgroupLayout{{"/libpod-", ".scope"}}
	dockerLayouts = []cgroupLayout{{"/", ""}, {"/docker-", ".scope"}}
	criLayouts    = []cgroupLayout{{"/", ""}, {"/crio-", ""}, {"/cri-containerd-", ".scope"}, {"/crio-", ".scope"}, {":cri-containerd:", ""}}
)

func matchLayouts(cgroups []string, layouts []cgroupLayout) (string, bool) {
	for _, c := range cgroups {
		_, path, _ := strings.Cut(c, "=")
		for _, l := range layouts {
			if id, ok := matchRuncID(path, l.prefix, l.suffix); ok {
				return id, true
			}
		}
	}
	return "", false
}

// containerIDFromCgroups finds the container a thread belongs to from its
// cgroups, trying sysdig's container engines in their order (podman,
// docker, cri, lxc, libvirt-lxc, bpm).
func containerIDFromCgroups(cgroups []string) string {
	id, _ := containerFromCgroups(cgroups)
	return id
}

func containerFromCgroups(cgroups []string) (string, int) {
	if id, ok := matchLayouts(cgroups, podmanLayouts); ok {
		return id, ctPodman
	}
	if id, ok := matchLayouts(cgroups, dockerLayouts); ok {
		return id, ctDocker
	}
	if id, ok := matchLayouts(cgroups, criLayouts); ok {
		return id, ctCRI
	}
	for _, c := range cgroups {
		_, path, _ := strings.Cut(c, "=")
		for _, pfx := range []string{"/lxc/", "/lxc.payload/"} {
			if i := strings.Index(path, pfx); i >= 0 {
				rest := path[i+len(pfx):]
				if j := strings.IndexByte(rest, '/'); j >= 0 {
					rest = rest[:j]
				}
				return rest, ctLXC
			}
		}
	}
	for _, c := range cgroups {
		_, path, _ := strings.Cut(c, "=")
		if i := strings.Index(path, ".libvirt-lxc"); i >= 0 && i == len(path)-len(".libvirt-lxc") {
			if j := strings.LastIndexByte(path, '/'); j >= 0 && j < i {
				return path[j+1 : i], ctLibvirtLXC
			}
		}
		if i := strings.Index(path, `-lxc\x2`); i >= 0 {
			if j := strings.Index(path, ".scope"); j >= 0 && j == len(path)-len(".scope") && j >= i+len(`-lxc\x2`)+1 {
				return path[i+len(`-lxc\x2`)+1 : j], ctLibvirtLXC
			}
		}
		if i := strings.Index(path, "/libvirt/lxc/"); i >= 0 {
			return path[i+len("/libvirt/lxc/"):], ctLibvirtLXC
		}
	}
	for _, c := range cgroups {
		_, path, _ := strings.Cut(c, "=")
		if i := strings.Index(path, "bpm-"); i >= 0 {
			rest := path[i+4:]
			if j := strings.Index(rest, ".scope"); j >= 0 {
				rest = rest[:j]
			}
			if rest != "" && strings.Trim(rest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == "" {
				return rest, ctBPM
			}
		}
	}
	return "", 0
}

// noteContainer registers the container of t (from its cgroups) when the
// table does not know it yet, as the container engines do for captures.
func (in *Inspector) noteContainer(t *Thread) {
	var id string
	var typ int
	if t.cg != nil {
		id, typ = t.cg.container()
	} else {
		id, typ = containerFromCgroups(t.Cgroups)
	}
	t.ContainerID = id
	if id == "" || in.containers[id] != nil {
		return
	}
	c := &Container{ID: id, Type: typ, LookupState: 1}
	switch typ {
	case ctLXC, ctLibvirtLXC, ctBPM:
		c.Name = id
	}
	in.containers[id] = c
}

// containerThread returns the placeholder thread sinsp attaches to a
// container event.
func containerThread(in *Inspector, id string) *Thread {
	t := newThread(in)
	t.TID, t.PID = -1, -1
	t.VTID, t.VPID = -2, -2
	t.Comm = "container:" + id
	t.ContainerID = id
	return t
}

// parseContainerEvt handles the old fixed-layout container event.
func parseContainerEvt(in *Inspector, e *Event) {
	c := &Container{ID: e.str(0), Type: int(e.u32(1)), Name: e.str(2), Image: e.str(3), LookupState: 1}
	in.containers[c.ID] = c
	e.threadInfoCreate()
}

// threadInfoCreate is sinsp's get_thread_info(true).
func (e *Event) threadInfoCreate() *Thread {
	if e.tinfo != nil {
		return e.tinfo
	}
	return e.in.threadRef(e.TID, true)
}

// parseContainerJSON handles container JSON events: the container joins
// the table and the event gets a placeholder thread named after it.
func parseContainerJSON(in *Inspector, e *Event) {
	p := trimNUL(e.param(0))
	c := in.containerJSON[string(p)]
	if c == nil {
		if c = decodeContainerJSON(in, e, p); c == nil {
			return
		}
		if len(in.containerJSON) >= maxContainerJSONMemo {
			clear(in.containerJSON)
		}
		in.containerJSON[string(p)] = c
	}
	if c.LookupState != 1 {
		e.filteredOut = true
	}
	e.tinfo = containerThread(in, c.ID)
	in.containers[c.ID] = c
}

// maxContainerJSONMemo bounds the number of container JSON payloads the
// inspector remembers: a capture repeats the same few (one per container
// per file or section), and a Container is never modified once in the
// table, so an identical payload reuses the Container decoded from it.
const maxContainerJSONMemo = 64

// decodeContainerJSON decodes a container event's JSON, or fails the
// event (and returns nil) as sysdig does.
func decodeContainerJSON(in *Inspector, e *Event, p []byte) *Container {
	var root any
	if err := json.Unmarshal(p, &root); err != nil {
		at := len(p)
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Offset > 0 {
			at = int(se.Offset) - 1 // the offending byte
		}
		in.fail(e, fmt.Sprintf("invalid container JSON (%d bytes), at byte %d: %s", len(p), at, excerpt(p, at)), err)
		return nil
	}
	obj, ok := root.(map[string]any)
	var m map[string]any
	if ok {
		m, ok = obj["container"].(map[string]any)
		if !ok && obj["container"] == nil {
			ok = true
		}
	}
	if !ok {
		// jsoncpp throws when indexing a value that is not an object.
		in.fail(e, fmt.Sprintf("container info is not a JSON object (%d bytes): %s", len(p), excerpt(p, 0)), nil)
		return nil
	}
	c := &Container{LookupState: 1, JSON: m}
	c.ID, _ = jsonString(m["id"])
	c.FullID, _ = jsonString(m["full_id"])
	if v, ok := jsonUint(m["type"]); ok {
		c.Type = int(v)
	}
	c.Name, _ = jsonString(m["name"])
	c.Image, _ = jsonString(m["image"])
	c.ImageID, _ = jsonString(m["imageid"])
	c.ImageRepo, _ = jsonString(m["imagerepo"])
	c.ImageTag, _ = jsonString(m["imagetag"])
	c.ImageDigest, _ = jsonString(m["imagedigest"])
	if b, ok := m["privileged"].(bool); ok {
		c.Privileged = b
	}
	if b, ok := m["is_pod_sandbox"].(bool); ok {
		c.IsPodSandbox = b
	}
	if v, ok := jsonUint(m["lookup_state"]); ok {
		c.LookupState = int(v)
		if c.LookupState > 2 {
			c.LookupState = 1
		}
		if c.LookupState == 0 {
			// A capture cannot finish a lookup that had started.
			c.LookupState = 2
		}
	}
	if s, ok := m["ip"].(string); ok {
		c.IP = parseIPv4Host(s)
	}
	return c
}

func trimNUL(p []byte) []byte {
	return p[:indexNUL(p)]
}

func jsonString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strings.TrimSuffix(strings.TrimRight(jsonNum(x), "0"), "."), true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

func jsonNum(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func jsonUint(v any) (uint64, bool) {
	switch x := v.(type) {
	case float64:
		if x >= 0 {
			return uint64(x), true
		}
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func parseIPv4Host(s string) uint32 {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return 0
	}
	var ip uint32
	for _, p := range parts {
		n := 0
		if p == "" || len(p) > 3 {
			return 0
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return 0
			}
			n = n*10 + int(c-'0')
		}
		if n > 255 {
			return 0
		}
		ip = ip<<8 | uint32(n)
	}
	return ip
}

// excerptLen is how many bytes of a payload an error message quotes on
// each side of the place it points at.
const excerptLen = 24

// excerpt quotes (on one line) the bytes of p around offset at, with
// "..." where it cuts.
func excerpt(p []byte, at int) string {
	from, to := max(0, at-excerptLen), min(len(p), at+excerptLen)
	s := strconv.Quote(string(p[from:to]))
	if from > 0 {
		s = "..." + s
	}
	if to < len(p) {
		s += "..."
	}
	return s
}
