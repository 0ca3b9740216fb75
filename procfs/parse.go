package procfs

// Small allocation-free parsers for /proc text. They accept exactly what
// the kernel prints and report failure instead of guessing.

// atou parses a non-empty run of decimal digits.
func atou(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// atoi parses an optionally negative decimal number.
func atoi(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	v, ok := atou(b)
	if neg {
		return -int64(v), ok
	}
	return int64(v), ok
}

// leadingUint parses the decimal digits at the start of b, as strtoul does
// (stopping at the first non-digit); ok is false when there are none.
func leadingUint(b []byte) (uint64, bool) {
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return atou(b[:i])
}

// hexu parses hexadecimal digits (either case); ok is false on any other
// byte or an empty input.
func hexu(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | uint64(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// leadingHex parses the hex digits at the start of b (strtoul base 16).
func leadingHex(b []byte) (uint64, bool) {
	i := 0
	for i < len(b) && isHex(b[i]) {
		i++
	}
	return hexu(b[:i])
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// octu parses octal digits.
func octu(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '7' {
			return 0, false
		}
		v = v<<3 | uint64(c-'0')
	}
	return v, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// nextField returns the first blank-separated field of b and the rest
// after it. Blanks are spaces and tabs only, as for strtok(" \t").
func nextField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	j := i
	for j < len(b) && b[j] != ' ' && b[j] != '\t' {
		j++
	}
	return b[i:j], b[j:]
}

// nextWord is nextField with every isSpace byte as a separator.
func nextWord(b []byte) (word, rest []byte) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	j := i
	for j < len(b) && !isSpace(b[j]) {
		j++
	}
	return b[i:j], b[j:]
}

// nextLine returns the first line of b without its newline and the rest.
func nextLine(b []byte) (line, rest []byte) {
	for i, c := range b {
		if c == '\n' {
			return b[:i], b[i+1:]
		}
	}
	return b, nil
}

// hasPrefix reports whether b starts with s.
func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

// trimPrefixBlank returns b after prefix s and any blanks that follow.
func afterPrefix(b []byte, s string) []byte {
	b = b[len(s):]
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

// cstr returns b up to its first NUL.
func cstr(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

// bracketNum parses "prefix[N]" (as "pipe:[123]" or "socket:[456]").
func bracketNum(b []byte, prefix string) (uint64, bool) {
	if !hasPrefix(b, prefix) || len(b) < len(prefix)+3 || b[len(prefix)] != '[' || b[len(b)-1] != ']' {
		return 0, false
	}
	return atou(b[len(prefix)+1 : len(b)-1])
}
