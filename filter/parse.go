package filter

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"xtrace/field"
)

// maxDepth caps the nesting of parentheses and "not"s.
const maxDepth = 100

// SyntaxError is an error in a filter, with sysdig's message and position.
type SyntaxError struct {
	// Src is the filter text.
	Src string
	// Offset is the 0-based byte offset sysdig reports ("filter error at
	// position N"); it may be one past the end of Src.
	Offset int
	// Col is the 1-based column of the error in Src, clamped to the end.
	Col int
	// Msg is sysdig's message.
	Msg string
	// Hint is an optional suggestion ("did you mean proc.name?").
	Hint string
}

// Error returns sysdig's one-line message, followed by the hint.
func (e *SyntaxError) Error() string {
	s := fmt.Sprintf("filter error at position %d: %s", e.Offset, e.Msg)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// Caret returns the filter text and a caret under the error column, as two
// lines.
func (e *SyntaxError) Caret() string {
	line := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, e.Src)
	return line + "\n" + strings.Repeat(" ", e.Col-1) + "^"
}

func newError(src string, off int, msg string) *SyntaxError {
	col := off
	if col > len(src) {
		col = len(src)
	}
	if col < 0 {
		col = 0
	}
	return &SyntaxError{Src: src, Offset: off, Col: col + 1, Msg: msg}
}

// Parse parses a filter. Field names are checked against the field table
// (an unknown field is an error at its position); values are checked when
// the filter is compiled.
func Parse(src string) (n Node, err error) {
	p := &parser{lex: lex(src), src: src}
	defer func() {
		if err != nil {
			n = nil
		}
	}()
	defer p.recover(&err)
	p.next()
	n = p.parseExpr(1)
	switch p.tok.typ {
	case itemEOF:
	case itemRParen:
		p.strayParen()
	default:
		p.unexpected()
	}
	return n, nil
}

// parser reads items from the lexer with one item of lookahead.
type parser struct {
	lex   *lexer
	src   string
	tok   item
	prev  item
	depth int
}

func (p *parser) next() {
	p.prev = p.tok
	p.tok = p.lex.nextItem()
	if p.tok.typ == itemError {
		panic(newError(p.src, p.tok.pos, p.tok.val))
	}
}

// failf stops parsing with an error at offset off.
func (p *parser) failf(off int, format string, args ...any) {
	panic(newError(p.src, off, fmt.Sprintf(format, args...)))
}

// recover turns the parser's error panics into the returned error and
// re-panics on runtime errors.
func (p *parser) recover(errp *error) {
	r := recover()
	if r == nil {
		return
	}
	if _, ok := r.(runtime.Error); ok {
		panic(r)
	}
	if se, ok := r.(*SyntaxError); ok {
		*errp = se
		return
	}
	panic(r)
}

// eofOffset is where sysdig reports an unexpected end: just past the
// text, one further when it ends with a bare value.
func (p *parser) eofOffset() int {
	if p.prev.typ == itemValue && !p.prev.quoted && p.prev.end == len(p.src) {
		return len(p.src) + 1
	}
	return len(p.src)
}

// precedence of the binary operators: or binds loosest.
func precedence(t itemType) (BoolOp, int) {
	switch t {
	case itemOr:
		return Or, 1
	case itemAnd:
		return And, 2
	}
	return 0, 0
}

// parseExpr reads operands joined by and/or of at least minPrec
// (precedence climbing).
//
//	expr := unary { ("and" | "or") unary }
func (p *parser) parseExpr(minPrec int) Node {
	x := p.parseUnary()
	for {
		op, prec := precedence(p.tok.typ)
		if op == 0 || prec < minPrec {
			return x
		}
		opPos := p.tok.pos
		p.next()
		y := p.parseExpr(prec + 1)
		x = &BinaryExpr{Op: op, OpPos: opPos, X: x, Y: y}
	}
}

// parseUnary reads a negation, a group or a check.
//
//	unary := "not" unary | "(" expr ")" | check
func (p *parser) parseUnary() Node {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		p.failf(p.tok.pos, "filter error: expression nested too deeply (more than %d levels)", maxDepth)
	}
	switch p.tok.typ {
	case itemNot:
		pos := p.tok.pos
		// sysdig sets one "not" flag however many follow each other.
		for p.tok.typ == itemNot {
			p.next()
		}
		if p.tok.typ == itemEOF {
			p.failf(p.eofOffset(), "filter error: unexpected end of filter")
		}
		return &NotExpr{NotPos: pos, X: p.parseUnary()}
	case itemLParen:
		p.next()
		if p.tok.typ == itemEOF {
			p.failf(p.eofOffset(), "filter error: unexpected end of filter")
		}
		x := p.parseExpr(1)
		switch p.tok.typ {
		case itemRParen:
			p.next()
			return x
		case itemEOF:
			p.failf(p.eofOffset(), "filter error: unexpected end of filter")
		}
		p.unexpected()
	case itemField:
		return p.parseCheck()
	case itemAnd, itemOr:
		// sysdig takes the word for a field name.
		p.failf(p.tok.end, "filter error: unrecognized field %s at pos %d", p.tok.val, p.tok.pos)
	case itemEOF:
		p.failf(p.eofOffset(), "filter error: unexpected end of filter")
	case itemRParen:
		if strings.Trim(p.src[p.tok.pos:], ") \t\r\n") == "" {
			// sysdig closes the group and then misses an expression.
			p.failf(len(p.src), "filter error: unexpected end of filter")
		}
		p.failf(p.tok.pos, "filter error: unexpected ')' after %s", strings.TrimRight(p.src[:p.tok.pos], " \t\r\n"))
	}
	p.unexpected()
	return nil
}

// parseCheck reads a field, its operator and its values.
//
//	check := FIELD OP VALUE | FIELD LISTOP "(" [VALUE {"," VALUE}] ")" | FIELD "exists"
func (p *parser) parseCheck() Node {
	name := p.tok
	if _, err := field.Lookup(name.val, nil); err != nil {
		var ae *field.ArgError
		if errors.As(err, &ae) {
			p.failf(name.end, "%s", ae.Msg)
		}
		e := newError(p.src, name.end, fmt.Sprintf("filter error: unrecognized field %s at pos %d", name.val, name.pos))
		if s := field.Suggest(name.val); s != "" {
			e.Hint = "did you mean " + s + "?"
		}
		panic(e)
	}
	p.next()
	if p.tok.typ != itemOp {
		p.unexpected()
	}
	c := &Check{Field: name.val, FieldPos: name.pos, Op: p.tok.op, OpPos: p.tok.pos}
	p.next()
	switch {
	case c.Op == OpExists:
	case c.Op.List():
		if p.tok.typ != itemLParen {
			p.unexpected()
		}
		c.lparen = p.tok.pos
		p.next()
		for {
			if p.tok.typ != itemValue {
				p.unexpected()
			}
			c.Values = append(c.Values, Value{Text: p.tok.val, Quoted: p.tok.quoted, Pos: p.tok.pos, scan: p.tok.scan})
			p.next()
			if p.tok.typ == itemRParen {
				p.next()
				break
			}
			if p.tok.typ != itemComma {
				p.unexpected()
			}
			p.next()
		}
	default:
		if p.tok.typ != itemValue {
			p.unexpected()
		}
		c.Values = []Value{{Text: p.tok.val, Quoted: p.tok.quoted, Pos: p.tok.pos, scan: p.tok.scan}}
		p.next()
	}
	return c
}

// strayParen reports a ")" without its "(". sysdig notices it only at the
// end of the filter, as an unexpected end.
func (p *parser) strayParen() {
	pos := p.tok.pos
	for p.tok.typ == itemRParen {
		p.next()
	}
	if p.tok.typ == itemEOF {
		e := newError(p.src, len(p.src), "filter error: unexpected end of filter")
		e.Hint = fmt.Sprintf("unbalanced ')' at position %d", pos)
		panic(e)
	}
	p.failf(pos, "filter error: unbalanced ')'")
}

// unexpected reports the current item where it does not fit.
func (p *parser) unexpected() {
	switch p.tok.typ {
	case itemEOF:
		p.failf(p.eofOffset(), "filter error: unexpected end of filter")
	case itemLParen:
		p.failf(p.tok.pos, "unexpected '(' after %s", p.src[:p.tok.pos])
	case itemNot:
		p.failf(p.tok.pos, "unexpected 'not' after %s", p.src[:p.tok.pos])
	}
	pos := p.tok.pos
	if w := p.tok.val; p.tok.typ == itemWord && w != "" {
		// sysdig reads "and" and "or" letter by letter and fails at the
		// first one that does not fit.
		kw := ""
		switch w[0] {
		case 'a':
			kw = "and"
		case 'o':
			kw = "or"
		}
		if kw != "" {
			j := 1
			for j < len(kw) && j < len(w) && w[j] == kw[j] {
				j++
			}
			pos += j
		}
	}
	p.failf(pos, "syntax error in filter")
}
