package chisel

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dop251/goja"

	chiselsjs "xtrace/chisels-js"
)

// builtinPrefix marks the Path of an embedded chisel.
const builtinPrefix = "builtin:"

// Registry finds chisels by name and caches their compiled programs and
// metadata. It is not safe for concurrent use.
type Registry struct {
	// dirs are the user chisel folders, highest priority first.
	dirs    []string
	search  Search
	builtin fs.FS
	progs   map[string]*goja.Program // by source path
	infos   map[string]*Info         // by source path
	warned  map[string]bool          // user files Warn was told about
}

// NewRegistry returns a registry that searches the folders of s (the
// --chisel-dir folders, $XTRACE_CHISEL_PATH, ~/.xtrace/chisels) and then
// the built-in chisels. A user chisel or module takes the place of a
// built-in of the same name only where s allows it (see [Search.UID]).
func NewRegistry(s Search) *Registry {
	r := newRegistry(s.dirs(), chiselsjs.FS)
	r.search = s
	return r
}

// newRegistry returns a registry over exactly dirs and builtin, whose
// user chisels may override built-ins where they belong to the caller.
func newRegistry(dirs []string, builtin fs.FS) *Registry {
	return &Registry{
		dirs:    dirs,
		search:  Search{UID: os.Geteuid()},
		builtin: builtin,
		progs:   map[string]*goja.Program{},
		infos:   map[string]*Info{},
		warned:  map[string]bool{},
	}
}

// source is a chisel's script text and where it came from.
type source struct {
	name string // chisel name: the file name without .js
	path string // file path, or builtin:NAME.js
	text string
}

// isPath reports whether a -c argument names a file rather than a chisel.
func isPath(name string) bool {
	return strings.HasSuffix(name, ".js") || strings.ContainsRune(name, os.PathSeparator)
}

// find locates the chisel called name, or the file name when it looks
// like a path (ends in .js or has a slash).
func (r *Registry) find(name string) (*source, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, &notFoundError{name}
	}
	if isPath(name) {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, &notFoundError{name}
		}
		base := strings.TrimSuffix(filepath.Base(name), ".js")
		return &source{name: base, path: name, text: string(data)}, nil
	}
	for _, d := range r.dirs {
		p := filepath.Join(d, name+".js")
		data, err := os.ReadFile(p)
		if err == nil && r.shadows(p, name+".js", "chisel "+name) {
			return &source{name: name, path: p, text: string(data)}, nil
		}
	}
	if r.builtin != nil {
		data, err := fs.ReadFile(r.builtin, name+".js")
		if err == nil {
			return &source{name: name, path: builtinPrefix + name + ".js", text: string(data)}, nil
		}
	}
	return nil, &notFoundError{name}
}

// findModule locates the JavaScript module require(name) loads: NAME.js in
// the chisel folders, else lib/NAME.js among the built-ins.
func (r *Registry) findModule(name string) (*source, error) {
	for _, d := range r.dirs {
		p := filepath.Join(d, name+".js")
		if data, err := os.ReadFile(p); err == nil && r.shadows(p, "lib/"+name+".js", "module "+name) {
			return &source{name: name, path: p, text: string(data)}, nil
		}
	}
	if r.builtin != nil {
		if data, err := fs.ReadFile(r.builtin, "lib/"+name+".js"); err == nil {
			return &source{name: name, path: builtinPrefix + "lib/" + name + ".js", text: string(data)}, nil
		}
	}
	return nil, &notFoundError{name}
}

// program returns the compiled program of src, compiling it once.
func (r *Registry) program(src *source) (*goja.Program, error) {
	if p, ok := r.progs[src.path]; ok {
		return p, nil
	}
	p, err := compile(src.path, src.text)
	if err != nil {
		return nil, err
	}
	r.progs[src.path] = p
	return p, nil
}

// Info returns the metadata of the chisel called name (or at path name when
// it ends in .js or contains a slash). A chisel that cannot be found gives
// an error matching [ErrNotFound] whose text is sysdig's
// "chisel: can't open file NAME" (sysdig's message, prefixed).
func (r *Registry) Info(name string) (*Info, error) {
	src, err := r.find(name)
	if err != nil {
		return nil, err
	}
	return r.info(src)
}

// info loads (once) the metadata of src by running its top level.
func (r *Registry) info(src *source) (*Info, error) {
	if in, ok := r.infos[src.path]; ok {
		return in, nil
	}
	prog, err := r.program(src)
	if err != nil {
		return nil, err
	}
	rt := newRuntime(src, nil, r)
	exports, err := rt.load(prog)
	if err != nil {
		return nil, err
	}
	in, err := readInfo(rt.vm, src, exports)
	if err != nil {
		return nil, err
	}
	r.infos[src.path] = in
	return in, nil
}

// List returns the chisels -cl shows: every chisel of the chisel folders
// and the built-ins (a user chisel hiding a built-in of the same name),
// without the hidden ones, sorted by category and then name. Scripts that
// fail to load are left out, as sysdig does; their errors are returned
// joined, after the list.
func (r *Registry) List() ([]*Info, error) {
	seen := map[string]bool{}
	var names []string
	for _, d := range r.dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if n, ok := strings.CutSuffix(e.Name(), ".js"); ok && !e.IsDir() && !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	if r.builtin != nil {
		ents, _ := fs.ReadDir(r.builtin, ".")
		for _, e := range ents {
			if n, ok := strings.CutSuffix(e.Name(), ".js"); ok && !e.IsDir() && !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	var out []*Info
	var errs []error
	for _, n := range names {
		in, err := r.Info(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !in.Hidden {
			out = append(out, in)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Category != out[j].Category {
			return out[i].Category < out[j].Category
		}
		return out[i].Name < out[j].Name
	})
	return out, errors.Join(errs...)
}

// readInfo turns a chisel's module.exports into its metadata.
func readInfo(vm *goja.Runtime, src *source, exports *goja.Object) (*Info, error) {
	bad := func(format string, a ...any) error {
		return &Error{File: src.path, Msg: fmt.Sprintf(format, a...)}
	}
	in := &Info{Name: src.name, Path: src.path}
	str := func(key string, dst *string, required bool) error {
		v := exports.Get(key)
		if isNullish(v) {
			if required {
				return bad("module.exports.%s is missing", key)
			}
			return nil
		}
		if _, ok := v.Export().(string); !ok {
			return bad("module.exports.%s must be a string", key)
		}
		*dst = v.String()
		return nil
	}
	if err := str("description", &in.Desc, true); err != nil {
		return nil, err
	}
	if err := str("shortDescription", &in.ShortDesc, false); err != nil {
		return nil, err
	}
	if err := str("category", &in.Category, false); err != nil {
		return nil, err
	}
	in.Hidden = exports.Get("hidden") != nil && exports.Get("hidden").ToBoolean()
	args := exports.Get("args")
	if isNullish(args) {
		return in, nil
	}
	list, ok := args.(*goja.Object)
	if !ok || list.ClassName() != "Array" {
		return nil, bad("module.exports.args must be an array")
	}
	n := int(list.Get("length").ToInteger())
	for i := 0; i < n; i++ {
		o, ok := list.Get(fmt.Sprint(i)).(*goja.Object)
		if !ok {
			return nil, bad("module.exports.args[%d] must be an object", i)
		}
		a := Arg{}
		for key, dst := range map[string]*string{"name": &a.Name, "description": &a.Desc, "type": &a.Type} {
			if v := o.Get(key); !isNullish(v) {
				*dst = v.String()
			}
		}
		if a.Name == "" {
			return nil, bad("module.exports.args[%d].name is missing", i)
		}
		if v := o.Get("optional"); v != nil {
			a.Optional = v.ToBoolean()
		}
		in.Args = append(in.Args, a)
	}
	return in, nil
}

// isNullish reports whether v is missing, undefined or null.
func isNullish(v goja.Value) bool {
	return v == nil || goja.IsUndefined(v) || goja.IsNull(v)
}
