package field

import (
	"xtrace/inspect"
	"xtrace/scap"
)

// Getters of the container class. A thread belongs to a container when one
// of its cgroups ends in a 64-hex-digit runc/docker id; the container's
// metadata comes from the container events of the capture, through the
// inspector.

// container returns the event thread's container entry; host is true for
// threads outside containers.
func container(e *inspect.Event) (c *inspect.Container, host bool, ok bool) {
	t, ok := thread(e)
	if !ok {
		return nil, false, false
	}
	if t.ContainerID == "" {
		return nil, true, true
	}
	in := e.Inspector()
	if in == nil {
		return nil, false, false
	}
	c = in.Container(t.ContainerID)
	return c, false, c != nil
}

func getContainerId(f *Field, e *inspect.Event) bool {
	t, ok := thread(e)
	if !ok {
		return false
	}
	if t.ContainerID == "" {
		return f.setString("host")
	}
	return f.setString(t.ContainerID)
}

func getContainerName(f *Field, e *inspect.Event) bool {
	c, host, ok := container(e)
	switch {
	case host:
		return f.setString("host")
	case !ok || c.Name == "":
		return false
	}
	return f.setString(c.Name)
}

// containerString returns one metadata string of the thread's container
// (no value on the host or when empty).
func containerString(f *Field, e *inspect.Event, pick func(*inspect.Container) string) bool {
	c, host, ok := container(e)
	if host || !ok {
		return false
	}
	s := pick(c)
	return s != "" && f.setString(s)
}

func getContainerImage(f *Field, e *inspect.Event) bool {
	return containerString(f, e, func(c *inspect.Container) string { return c.Image })
}

func getContainerImageId(f *Field, e *inspect.Event) bool {
	return containerString(f, e, func(c *inspect.Container) string { return c.ImageID })
}

func getContainerImageRepository(f *Field, e *inspect.Event) bool {
	return containerString(f, e, func(c *inspect.Container) string { return c.ImageRepo })
}

func getContainerImageTag(f *Field, e *inspect.Event) bool {
	return containerString(f, e, func(c *inspect.Container) string { return c.ImageTag })
}

func getContainerImageDigest(f *Field, e *inspect.Event) bool {
	return containerString(f, e, func(c *inspect.Container) string { return c.ImageDigest })
}

// containerTypes are container.type's names by sinsp container type.
var containerTypes = [...]string{0: "docker", 1: "lxc", 2: "libvirt-lxc", 3: "mesos", 4: "rkt",
	6: "cri", 7: "containerd", 8: "cri-o", 9: "bpm"}

func getContainerType(f *Field, e *inspect.Event) bool {
	c, host, ok := container(e)
	switch {
	case host:
		return f.setString("host")
	case !ok:
		return false
	}
	// sysdig leaves the previous string for types it does not name.
	if c.Type >= 0 && c.Type < len(containerTypes) {
		return f.setString(containerTypes[c.Type])
	}
	return f.setString("")
}

func getContainerPrivileged(f *Field, e *inspect.Event) bool {
	c, host, ok := container(e)
	if host || !ok {
		return false
	}
	// Only docker-compatible runtimes say whether they are privileged.
	switch c.Type {
	case 0, 6, 7, 8, 11:
		return f.setBool(c.Privileged)
	}
	return false
}

// user returns the user-table entry of the event's thread.
func user(e *inspect.Event) *scap.User {
	t, ok := thread(e)
	in := e.Inspector()
	if !ok || in == nil || t.UID == 0xffffffff {
		return nil
	}
	return in.User(t.UID)
}

// nameChanged is sinsp's fdinfo_name_changed for the event.
//
// TODO(inspect): the parsers do not report it yet; always false.
func nameChanged(e *inspect.Event) bool { return false }
