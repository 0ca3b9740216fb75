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
// Compatibility with sysdig 0.29.3: error messages and their positions
// (0-based offsets into the filter text) are sysdig's, so
// "filter error at position 9: x is not a valid number" reads the same.
// Two deliberate differences: sysdig rejects "a or b and c" (and/or mixed
// at one level) where xtrace applies the usual precedence, and xtrace also
// accepts "==", "bcontains", "intersects" and IPv6 CIDR networks, which
// sysdig 0.29.3 cannot parse. As in sysdig, "not not x" means "not x"
// (repeated nots at one place do not cancel); write "not (not x)" for a
// double negation.
package filter
