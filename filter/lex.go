package filter

import (
	"strings"

	"xtrace/event"
	"xtrace/field"
)

// itemType identifies the kind of a lexical item.
type itemType uint8

const (
	itemError  itemType = iota // an error; val holds the message
	itemEOF                    // end of the filter
	itemLParen                 // (
	itemRParen                 // )
	itemComma                  // , between list values
	itemAnd                    // and
	itemOr                     // or
	itemNot                    // not
	itemField                  // a field name, argument included
	itemOp                     // a comparison operator
	itemValue                  // a value (decoded)
	itemWord                   // a word where and/or/) was expected
)

// item is one token.
type item struct {
	typ itemType
	// pos is the byte offset of the token's first character (the opening
	// quote of a quoted value); end is the offset just past it.
	pos, end int
	// val is the text: the decoded value for itemValue, the message for
	// itemError.
	val string
	// op is the operator of an itemOp.
	op Op
	// quoted marks a quoted value.
	quoted bool
	// scan is where sysdig's scanner stands after reading the token,
	// which is the position its error messages report: the closing quote
	// of a quoted value, the last character of a value cut by a
	// parenthesis or comma, just past other values.
	scan int
}

// stateFn is one state of the lexer.
type stateFn func(*lexer) stateFn

// lexer holds the state of the scanner. It runs synchronously: nextItem
// runs state functions until one emits an item.
type lexer struct {
	input string
	start int // start of the current item
	pos   int // current position
	state stateFn
	item  item
	ready bool
	// depth counts open list parentheses (0 or 1): inside a list, commas
	// end bare values.
	inList bool
	// field is the text of the last field read (for error messages that
	// depend on its type).
	field string
	// lastScan is the scan position of the last value.
	lastScan int
}

func lex(input string) *lexer {
	return &lexer{input: input, state: lexExpr}
}

// nextItem returns the next item.
func (l *lexer) nextItem() item {
	l.ready = false
	for !l.ready {
		if l.state == nil {
			return item{typ: itemEOF, pos: len(l.input), end: len(l.input), scan: len(l.input)}
		}
		l.state = l.state(l)
	}
	return l.item
}

func (l *lexer) emit(t itemType, val string) {
	l.item = item{typ: t, pos: l.start, end: l.pos, val: val, scan: l.pos}
	l.ready = true
	l.start = l.pos
}

// errorf emits an error item at offset pos and stops the lexer.
func (l *lexer) errorf(pos int, msg string) stateFn {
	l.item = item{typ: itemError, pos: pos, end: pos, val: msg, scan: pos}
	l.ready = true
	return nil
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isSpecial are the characters that end a field name.
func isSpecial(c byte) bool {
	return c == '(' || c == ')' || c == '!' || c == '=' || c == '<' || c == '>'
}

func (l *lexer) skipBlanks() {
	for l.pos < len(l.input) && isBlank(l.input[l.pos]) {
		l.pos++
	}
	l.start = l.pos
}

// word reads up to a blank or one of the stop characters.
func (l *lexer) word(stop func(byte) bool) string {
	for l.pos < len(l.input) && !isBlank(l.input[l.pos]) && !stop(l.input[l.pos]) {
		l.pos++
	}
	return l.input[l.start:l.pos]
}

// lexExpr scans where an expression starts: "not", "(", or a field.
func lexExpr(l *lexer) stateFn {
	l.skipBlanks()
	if l.pos >= len(l.input) {
		l.emit(itemEOF, "")
		return nil
	}
	switch l.input[l.pos] {
	case '(':
		l.pos++
		l.emit(itemLParen, "(")
		return lexExpr
	case ')':
		l.pos++
		l.emit(itemRParen, ")")
		return lexAfter
	}
	w := l.word(isSpecial)
	switch w {
	case "not":
		l.emit(itemNot, w)
		return lexExpr
	case "and":
		// sysdig reads a word in this place as a field name; the parser
		// reports it as one.
		l.emit(itemAnd, w)
		return lexExpr
	case "or":
		l.emit(itemOr, w)
		return lexExpr
	}
	l.field = w
	l.emit(itemField, w)
	return lexOp
}

// ops lists the operators, longest spelling first where one is a prefix of
// another, as the lexer tries them in order. sysdig matches an operator as
// a prefix of what follows the field ("containsfoo" is contains "foo").
var ops = [...]struct {
	text string
	op   Op
}{
	{"==", OpEq}, {"=", OpEq}, {"!=", OpNe}, {"<=", OpLe}, {"<", OpLt}, {">=", OpGe}, {">", OpGt},
	{"contains", OpContains}, {"icontains", OpIContains}, {"bcontains", OpBContains},
	{"startswith", OpStartsWith}, {"endswith", OpEndsWith}, {"glob", OpGlob},
	{"intersects", OpIntersects}, {"in", OpIn}, {"pmatch", OpPMatch}, {"exists", OpExists},
}

// lexOp scans the comparison operator after a field.
func lexOp(l *lexer) stateFn {
	l.skipBlanks()
	rest := l.input[l.pos:]
	for _, o := range ops {
		if strings.HasPrefix(rest, o.text) {
			l.pos += len(o.text)
			l.emit(itemOp, o.text)
			l.item.op = o.op
			switch o.op {
			case OpExists:
				return lexAfter
			case OpIn, OpIntersects, OpPMatch:
				return lexListOpen
			}
			return lexValue
		}
	}
	return l.errorf(l.pos, "filter error: unrecognized comparison operator after "+echo(l.input[:l.pos]))
}

// lexListOpen expects the "(" of a value list.
func lexListOpen(l *lexer) stateFn {
	l.skipBlanks()
	if l.pos >= len(l.input) || l.input[l.pos] != '(' {
		return l.errorf(l.pos, "expected '(' after 'in/intersects/pmatch' operand")
	}
	l.pos++
	l.emit(itemLParen, "(")
	l.inList = true
	return lexValue
}

// lexListNext expects "," or ")" after a value of a list.
func lexListNext(l *lexer) stateFn {
	l.skipBlanks()
	if l.pos < len(l.input) {
		switch l.input[l.pos] {
		case ',':
			l.pos++
			l.emit(itemComma, ",")
			return lexValue
		case ')':
			l.pos++
			l.emit(itemRParen, ")")
			l.inList = false
			return lexAfter
		}
	}
	// sysdig looks for the next character after the value: past the end
	// of the text when the value ran to it.
	pos := l.lastScan + 1
	for pos < len(l.input) && isBlank(l.input[pos]) {
		pos++
	}
	msg := "expected either ')' or ',' after a value inside the 'in' clause"
	if f, err := field.Lookup(l.field, nil); err == nil && f.Type() == event.PTCharBuf {
		msg = "expected either ')' or ',' after a value inside the 'in/pmatch' clause"
	}
	return l.errorf(pos, msg)
}

// lexValue scans a value, bare or quoted, decoding escapes.
func lexValue(l *lexer) stateFn {
	l.skipBlanks()
	var b strings.Builder
	quoted := false
	if l.pos < len(l.input) && (l.input[l.pos] == '"' || l.input[l.pos] == '\'') {
		quoted = true
		l.pos++
	}
	first := l.pos
	for {
		if l.pos >= len(l.input) {
			if quoted {
				return l.errorf(len(l.input), "filter error: unclosed quotes")
			}
			break
		}
		c := l.input[l.pos]
		if quoted {
			if c == '"' || c == '\'' {
				break
			}
		} else if isBlank(c) || c == '(' || c == ')' || (l.inList && c == ',') {
			break
		}
		if c != '\\' {
			b.WriteByte(c)
			l.pos++
			continue
		}
		// An escape: \\, \", \xHH; any other character keeps its
		// backslash. As in sysdig, an escape cut by the end of a bare
		// value's text is dropped, and one cut by a character that ends
		// the value is an error there.
		if l.pos+1 >= len(l.input) {
			if quoted {
				return l.errorf(len(l.input), "filter error: unclosed quotes")
			}
			l.pos = len(l.input)
			break
		}
		n := l.input[l.pos+1]
		ends := func(c byte) bool {
			if quoted {
				return c == '"' || c == '\''
			}
			return isBlank(c) || c == '(' || c == ')' || (l.inList && c == ',')
		}
		switch {
		case n == '\\' || n == '"':
			b.WriteByte(n)
			l.pos += 2
			continue
		case n == 'x':
			var h byte
			i := l.pos + 2
			for ; i < l.pos+4; i++ {
				if i >= len(l.input) {
					if quoted {
						return l.errorf(len(l.input), "filter error: unclosed quotes")
					}
					l.pos = len(l.input)
					goto done
				}
				c := l.input[i]
				if ends(c) {
					l.pos = i
					return l.escapeError(first)
				}
				if !isHex(c) {
					l.pos = i + 1
					return l.escapeError(first)
				}
				h = h<<4 | unhexDigit(c)
			}
			b.WriteByte(h)
			l.pos += 4
			continue
		case !quoted && ends(n):
			l.pos++
			return l.escapeError(first)
		}
		b.WriteByte('\\')
		b.WriteByte(n)
		l.pos += 2
	}
done:
	if quoted {
		l.pos++ // the closing quote
	}
	l.emit(itemValue, b.String())
	defer func() { l.lastScan = l.item.scan }()
	l.item.quoted = quoted
	switch {
	case quoted:
		l.item.scan = l.pos - 1
	case l.pos < len(l.input) && (l.input[l.pos] == '(' || l.input[l.pos] == ')' || l.input[l.pos] == ','):
		l.item.scan = l.pos - 1
	}
	if l.inList {
		return lexListNext
	}
	return lexAfter
}

// escapeError reports a malformed escape in a value that started at first.
func (l *lexer) escapeError(first int) stateFn {
	// sysdig prints substr(start, scanpos): a length, not an end.
	n := l.pos
	if first+n > len(l.input) {
		n = len(l.input) - first
	}
	return l.errorf(l.pos, "filter error: unrecognized escape sequence at "+l.input[first:first+n])
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

func unhexDigit(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

// lexAfter scans where a check or a parenthesised group has ended: "and",
// "or", ")" or the end.
func lexAfter(l *lexer) stateFn {
	l.skipBlanks()
	if l.pos >= len(l.input) {
		l.emit(itemEOF, "")
		return nil
	}
	switch l.input[l.pos] {
	case ')':
		l.pos++
		l.emit(itemRParen, ")")
		return lexAfter
	case '(':
		l.pos++
		l.emit(itemLParen, "(")
		return lexAfter
	}
	w := l.word(func(c byte) bool { return c == '(' || c == ')' })
	switch w {
	case "and":
		l.emit(itemAnd, w)
		return lexExpr
	case "or":
		l.emit(itemOr, w)
		return lexExpr
	case "not":
		l.emit(itemNot, w)
		return lexExpr
	}
	l.emit(itemWord, w)
	return lexAfter
}
