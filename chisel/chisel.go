// Package chisel runs sysdig-style chisels written in JavaScript (goja).
//
// Built-in chisels live in chisels-js/ and are embedded in the binary; user
// chisels are looked up in --chisel-dir folders, $XTRACE_CHISEL_PATH and
// ~/.xtrace/chisels, a user chisel overriding a built-in of the same name.
package chisel

import "fmt"

// Arg describes one chisel argument.
type Arg struct {
	Name     string
	Desc     string
	Type     string // "string", "int", "filter", "ipv4", ...
	Optional bool
}

// Info is a chisel's metadata.
type Info struct {
	Name      string
	Category  string
	ShortDesc string
	Desc      string
	Args      []Arg
	Hidden    bool
	// Path is where the chisel was found ("builtin:NAME.js" for embedded ones).
	Path string
}

// Registry finds chisels by name.
type Registry struct {
	dirs []string
}

// NewRegistry returns a registry that searches dirs (then the environment's
// chisel path, then ~/.xtrace/chisels) before the built-in chisels.
func NewRegistry(dirs []string) *Registry { return &Registry{dirs: dirs} }

// Info returns the metadata of the chisel called name (or at path name when
// it ends in .js).
//
// TODO(chisel): implement.
func (r *Registry) Info(name string) (*Info, error) {
	return nil, fmt.Errorf("can't open file %s", name)
}
