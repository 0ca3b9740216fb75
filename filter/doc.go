// Package filter implements sysdig's filter language: a lexer (state
// functions, in the manner of text/template/parse), a precedence-climbing
// parser producing an AST with byte positions, and a compiler that turns
// the AST into an evaluator over inspect.Event values.
//
//	f, err := filter.Compile("proc.name=curl and fd.name contains /etc", nil)
//	if err != nil { ... }          // a *SyntaxError: sysdig's message and position
//	if f.Match(ev) { ... }
//
// Grammar (not binds tighter than and, and tighter than or):
//
//	expr   := unary { ("and" | "or") unary }
//	unary  := "not" unary | "(" expr ")" | check
//	check  := FIELD OP VALUE | FIELD LISTOP "(" [VALUE {"," VALUE}] ")" | FIELD "exists"
//	OP     := "=" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "icontains"
//	        | "bcontains" | "startswith" | "endswith" | "glob"
//	LISTOP := "in" | "intersects" | "pmatch"
//
// Values are bare words (up to a blank or a parenthesis, and a comma in
// lists) or quoted with ' or "; a backslash escapes \ and ", and \xHH is a
// byte. Values are typed by the field they are compared with: numbers,
// booleans (true/false), IPv4/IPv6 addresses, CIDR networks, ports
// (numbers or service names), event type names, strings.
//
// Compatibility with sysdig 0.29.3: error messages are sysdig's, so
// "filter error at position 9: x is not a valid number" reads the same.
// Every difference (the README lists them too):
//
//   - "a or b and c" (and/or mixed at one level) is accepted with the
//     usual precedence (not > and > or); sysdig rejects it.
//   - "==" is "="; sysdig reads "proc.name==x" as a comparison with
//     "=x" (no event matches) and rejects "==" before a number, address,
//     port, event type or boolean, and "==" with blanks around it.
//   - "bcontains", "intersects" and IPv6 CIDR networks (fd.net=::1/128)
//     are accepted; sysdig 0.29.3 cannot parse them.
//   - "not" must be a word of its own: sysdig reads "notevt.num=1" as
//     "not evt.num=1", xtrace reports an unknown field.
//   - Positions count characters, not bytes (they differ for non-ASCII
//     filters); the caret line the CLI prints under the message (and
//     the underline of an unknown field, from its "at pos") is xtrace's,
//     and a long filter is quoted around the error only (72 characters;
//     40 in messages that quote the text before the error).
//   - An unknown field gets a "did you mean" hint.
//
// As in sysdig, "not not x" means "not x" (repeated nots at one place do
// not cancel); write "not (not x)" for a double negation.
package filter
