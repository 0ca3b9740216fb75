package filter

import (
	"strconv"
	"strings"
)

// Op is a comparison operator.
type Op uint8

// The comparison operators.
const (
	OpEq         Op = iota + 1 // = (also ==)
	OpNe                       // !=
	OpLt                       // <
	OpLe                       // <=
	OpGt                       // >
	OpGe                       // >=
	OpContains                 // substring (bytes for buffers)
	OpIContains                // substring, ASCII case-insensitive
	OpBContains                // bytes given in hex are contained in the value
	OpStartsWith               // prefix
	OpEndsWith                 // suffix
	OpGlob                     // shell wildcard match of the whole value
	OpIn                       // equal to one of a list
	OpIntersects               // same as in for single-valued fields
	OpPMatch                   // path is one of, or under one of, a list
	OpExists                   // the field has a value
)

var opText = [...]string{
	OpEq: "=", OpNe: "!=", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">=",
	OpContains: "contains", OpIContains: "icontains", OpBContains: "bcontains",
	OpStartsWith: "startswith", OpEndsWith: "endswith", OpGlob: "glob", OpIn: "in",
	OpIntersects: "intersects", OpPMatch: "pmatch", OpExists: "exists",
}

// String returns the operator as written in filters.
func (o Op) String() string {
	if int(o) < len(opText) && opText[o] != "" {
		return opText[o]
	}
	return "?"
}

// List reports whether the operator takes a parenthesised list.
func (o Op) List() bool { return o == OpIn || o == OpIntersects || o == OpPMatch }

// Node is a node of a parsed filter.
type Node interface {
	// Pos returns the byte offset where the node starts.
	Pos() int
	// String returns filter text that parses back to the same tree.
	String() string
	node()
}

// BoolOp is "and" or "or".
type BoolOp uint8

// The boolean operators.
const (
	And BoolOp = iota + 1
	Or
)

// String returns "and" or "or".
func (b BoolOp) String() string {
	if b == And {
		return "and"
	}
	return "or"
}

// BinaryExpr is X and Y, or X or Y.
type BinaryExpr struct {
	Op    BoolOp
	OpPos int
	X, Y  Node
}

// NotExpr is not X.
type NotExpr struct {
	NotPos int
	X      Node
}

// Check compares a field with values: FIELD OP VALUE, FIELD OP (VALUES),
// or FIELD exists.
type Check struct {
	// Field is the field name as written, argument included.
	Field    string
	FieldPos int
	Op       Op
	OpPos    int
	// Values holds one value, a list for list operators, none for
	// exists.
	Values []Value
	// lparen is the offset of the "(" of a list.
	lparen int
}

// Value is one operand.
type Value struct {
	// Text is the decoded value.
	Text   string
	Quoted bool
	Pos    int
	// scan is the offset sysdig reports errors about this value at.
	scan int
}

func (*BinaryExpr) node() {}
func (*NotExpr) node()    {}
func (*Check) node()      {}

// Pos returns the offset of the left operand.
func (b *BinaryExpr) Pos() int { return b.X.Pos() }

// Pos returns the offset of "not".
func (n *NotExpr) Pos() int { return n.NotPos }

// Pos returns the offset of the field name.
func (c *Check) Pos() int { return c.FieldPos }

// String parenthesises the operands that need it (an or inside an and,
// a right operand of the same operator) so that the text parses back to
// the same tree.
func (b *BinaryExpr) String() string {
	return group(b.X, b.Op, false) + " " + b.Op.String() + " " + group(b.Y, b.Op, true)
}

// String writes the operand in parentheses unless it is a check.
func (n *NotExpr) String() string {
	switch n.X.(type) {
	case *Check:
		return "not " + n.X.String()
	}
	return "not (" + n.X.String() + ")"
}

func group(n Node, parent BoolOp, right bool) string {
	if c, ok := n.(*BinaryExpr); ok && (c.Op == Or && parent == And || right && c.Op == parent) {
		return "(" + n.String() + ")"
	}
	return n.String()
}

// String writes the field, the operator and the values, quoted where
// needed.
func (c *Check) String() string {
	var b strings.Builder
	b.WriteString(c.Field)
	b.WriteByte(' ')
	b.WriteString(c.Op.String())
	switch {
	case c.Op == OpExists:
	case c.Op.List():
		b.WriteString(" (")
		for i, v := range c.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(v.Text))
		}
		b.WriteByte(')')
	default:
		b.WriteByte(' ')
		if len(c.Values) > 0 {
			b.WriteString(quote(c.Values[0].Text))
		}
	}
	return b.String()
}

// quote writes a value so that the lexer reads it back unchanged: bare
// when it can, else in double quotes with \\, \" and \xHH escapes (a
// single quote would end the string, so it is written \x27).
func quote(s string) string {
	bare := s != "" && s != "and" && s != "or" && s != "not"
	for i := 0; i < len(s) && bare; i++ {
		c := s[i]
		bare = c > ' ' && c < 0x7f && c != '(' && c != ')' && c != ',' && c != '"' && c != '\'' && c != '\\'
	}
	if bare {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\'' || c < ' ' || c >= 0x7f:
			b.WriteString(`\x`)
			h := strconv.FormatUint(uint64(c), 16)
			if len(h) < 2 {
				b.WriteByte('0')
			}
			b.WriteString(h)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
