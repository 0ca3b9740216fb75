package chisel

import (
	"sort"

	"github.com/dop251/goja"

	"xtrace/inspect"
)

// containerTypes are the names get_container_table gives sinsp's
// container types (CT_CUSTOM and later have none: "unknown").
var containerTypes = map[int]string{
	0: "docker", 1: "lxc", 2: "libvirt_lxc", 3: "mesos", 4: "rkt",
	6: "cri", 7: "containerd", 8: "cri-o", 9: "bpm",
}

// containerTable is sysdig.getContainerTable(): the containers known from
// the capture, as [{id, name, image, type}], by id (sysdig's order is its
// hash table's).
func (rt *runtime) containerTable(goja.FunctionCall) goja.Value {
	vm := rt.vm
	if rt.host == nil || rt.host.in == nil {
		return vm.NewArray()
	}
	var cs []*inspect.Container
	rt.host.in.Containers(func(c *inspect.Container) bool {
		cs = append(cs, c)
		return true
	})
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	out := make([]any, 0, len(cs))
	for _, c := range cs {
		o := vm.NewObject()
		typ, ok := containerTypes[c.Type]
		if !ok {
			typ = "unknown"
		}
		must(o.Set("type", typ))
		must(o.Set("image", byteString(vm, c.Image)))
		must(o.Set("id", byteString(vm, c.ID)))
		must(o.Set("name", byteString(vm, c.Name)))
		out = append(out, o)
	}
	return vm.NewArray(out...)
}
