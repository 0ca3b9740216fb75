package filter

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"xtrace/field"
)

// maxDepth caps the nesting of parentheses and "not"s.
const maxDepth = 100

// SyntaxError is an error in a filter, with sysdig's message and position.
// Positions count characters (not bytes), in the message and the caret
// alike; sysdig 0.29.3 counts bytes, which differs only for non-ASCII
// filters.
type SyntaxError struct {
	// Src is the filter text.
	Src string
	// Offset is the 0-based byte offset of the error, where sysdig puts
	// it; it may be one past the end of Src.
	Offset int
	// Pos is Offset counted in characters: the position the message
	// gives ("filter error at position N").
	Pos int
	// Col is the 1-based character column of the error in Src (Pos+1),
	// clamped to one past the end.
	Col int
	// Start is the 1-based column where the item in error begins (an
	// unknown field, whose message gives both), or 0; the caret line
	// underlines from Start to Col.
	Start int
	// Msg is sysdig's message.
	Msg string
	// Hint is an optional suggestion ("did you mean proc.name?").
	Hint string
}

// Error returns sysdig's one-line message, followed by the hint.
func (e *SyntaxError) Error() string {
	s := fmt.Sprintf("filter error at position %d: %s", e.Pos, e.Msg)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// caretWidth is the most characters of the filter Caret shows: a window
// around the error column, with "..." where it cuts.
const caretWidth = 72

// Caret returns the filter text (or a window of it around the error) and
// a caret under the error column, as two lines; an unknown field is
// underlined from its first character ("~~~~~~~^").
func (e *SyntaxError) Caret() string {
	line := []rune(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, e.Src))
	col := e.Col - 1 // 0-based
	from, to := caretWindow(len(line), col)
	var text, mark strings.Builder
	if from > 0 {
		text.WriteString("...")
		mark.WriteString("   ")
	}
	text.WriteString(string(line[from:to]))
	if to < len(line) {
		text.WriteString("...")
	}
	for i := from; i < col; i++ {
		if e.Start > 0 && i >= e.Start-1 {
			mark.WriteByte('~')
		} else {
			mark.WriteByte(' ')
		}
	}
	mark.WriteByte('^')
	return text.String() + "\n" + mark.String()
}

// caretWindow returns the characters [from, to) of an n-character filter
// that Caret shows for an error at 0-based column col.
func caretWindow(n, col int) (from, to int) {
	if n <= caretWidth {
		return 0, n
	}
	from = max(0, min(col-caretWidth/2, n-caretWidth))
	return from, from + caretWidth
}

// charPos counts the characters of src before byte offset off (an offset
// past the end counts one per byte).
func charPos(src string, off int) int {
	if off > len(src) {
		return utf8.RuneCountInString(src) + off - len(src)
	}
	return utf8.RuneCountInString(src[:max(off, 0)])
}

func newError(src string, off int, msg string) *SyntaxError {
	pos := charPos(src, off)
	col := min(pos, utf8.RuneCountInString(src))
	return &SyntaxError{Src: src, Offset: off, Pos: pos, Col: col + 1, Msg: msg}
}

// fieldError reports the unknown field name, which starts at byte offset
// start, at byte offset off (sysdig's place: after the name).
func fieldError(src string, start, off int, name string) *SyntaxError {
	e := newError(src, off, fmt.Sprintf("filter error: unrecognized field %s at pos %d", name, charPos(src, start)))
	e.Start = charPos(src, start) + 1
	return e
}

// maxEcho is the most characters of the filter an error message quotes
// (sysdig quotes everything before the error): the last ones, after "...".
const maxEcho = 40

// echo returns s, or its last maxEcho characters after "...".
func echo(s string) string {
	if utf8.RuneCountInString(s) <= maxEcho {
		return s
	}
	r := []rune(s)
	return "..." + string(r[len(r)-maxEcho:])
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
		panic(fieldError(p.src, p.tok.pos, p.tok.end, p.tok.val))
	case itemEOF:
		p.failf(p.eofOffset(), "filter error: unexpected end of filter")
	case itemRParen:
		if strings.Trim(p.src[p.tok.pos:], ") \t\r\n") == "" {
			// sysdig closes the group and then misses an expression.
			p.failf(len(p.src), "filter error: unexpected end of filter")
		}
		p.failf(p.tok.pos, "filter error: unexpected ')' after %s", echo(strings.TrimRight(p.src[:p.tok.pos], " \t\r\n")))
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
		e := fieldError(p.src, name.pos, name.end, name.val)
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
		e.Hint = fmt.Sprintf("unbalanced ')' at position %d", charPos(p.src, pos))
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
		p.failf(p.tok.pos, "unexpected '(' after %s", echo(p.src[:p.tok.pos]))
	case itemNot:
		p.failf(p.tok.pos, "unexpected 'not' after %s", echo(p.src[:p.tok.pos]))
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
