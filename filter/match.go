package filter

import "strings"

// Matching helpers for string operators. None of them allocates.

// indexFold returns the index of the first ASCII case-insensitive match of
// lower (already lower case) in s, or -1 (C's strcasestr in the C locale).
func indexFold(s, lower string) int {
	n := len(lower)
	if n == 0 {
		return 0
	}
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lower[j] {
				break
			}
		}
		if j == n {
			return i
		}
	}
	return -1
}

// lowerASCII lower-cases the ASCII letters of s.
func lowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// cstr cuts s at its first NUL, as C string comparisons see it.
func cstr(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// globMatch reports whether s matches the shell pattern p the way
// fnmatch(3) without flags does: '*' matches any run of bytes ('/'
// included), '?' any byte, [...] a byte set with ranges, '!' or '^'
// negation and [:class:] names; a backslash quotes the next byte.
func globMatch(p, s string) bool {
	px, sx := 0, 0
	starP, starS := -1, -1
	for sx < len(s) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				starP, starS = px, sx
				px++
				continue
			case '?':
				px++
				sx++
				continue
			case '[':
				if ok, n, valid := matchBracket(p[px:], s[sx]); valid {
					if ok {
						px += n
						sx++
						continue
					}
				} else if s[sx] == '[' {
					px++
					sx++
					continue
				}
			case '\\':
				if px+1 < len(p) {
					if p[px+1] == s[sx] {
						px += 2
						sx++
						continue
					}
				} else if s[sx] == '\\' {
					px++
					sx++
					continue
				}
			default:
				if c == s[sx] {
					px++
					sx++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		px, sx = starP+1, starS
	}
	for px < len(p) && p[px] == '*' {
		px++
	}
	return px == len(p)
}

// matchBracket matches byte c against the bracket expression at the start
// of p. valid is false when the expression is not closed (the '[' is then
// a plain character); n is the expression's length.
func matchBracket(p string, c byte) (ok bool, n int, valid bool) {
	i := 1
	neg := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		neg = true
		i++
	}
	first := true
	for i < len(p) {
		if p[i] == ']' && !first {
			return ok != neg, i + 1, true
		}
		first = false
		if p[i] == '[' && i+1 < len(p) && p[i+1] == ':' {
			if end := strings.Index(p[i+2:], ":]"); end >= 0 {
				if classMatch(p[i+2:i+2+end], c) {
					ok = true
				}
				i += end + 4
				continue
			}
		}
		lo := p[i]
		if lo == '\\' && i+1 < len(p) {
			i++
			lo = p[i]
		}
		i++
		hi := lo
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			hi = p[i+1]
			if hi == '\\' && i+2 < len(p) {
				hi = p[i+2]
				i++
			}
			i += 2
		}
		if lo <= c && c <= hi {
			ok = true
		}
	}
	return false, 0, false
}

func classMatch(class string, c byte) bool {
	switch class {
	case "alpha":
		return c|0x20 >= 'a' && c|0x20 <= 'z'
	case "digit":
		return c >= '0' && c <= '9'
	case "alnum":
		return c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9'
	case "upper":
		return c >= 'A' && c <= 'Z'
	case "lower":
		return c >= 'a' && c <= 'z'
	case "space":
		return c == ' ' || c >= '\t' && c <= '\r'
	case "blank":
		return c == ' ' || c == '\t'
	case "punct":
		return c > ' ' && c < 0x7f && !(c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9')
	case "print":
		return c >= ' ' && c < 0x7f
	case "graph":
		return c > ' ' && c < 0x7f
	case "cntrl":
		return c < ' ' || c == 0x7f
	case "xdigit":
		return isHex(c)
	}
	return false
}

// pathComponents splits a path on '/' dropping empty components.
func pathComponents(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// pathHasPrefix reports whether the components of path start with comps
// (sysdig's path_prefix_map: "/etc" matches "/etc" and "/etc/hosts", not
// "/etcd").
func pathHasPrefix(path string, comps []string) bool {
	i := 0
	for _, want := range comps {
		for i < len(path) && path[i] == '/' {
			i++
		}
		j := i
		for j < len(path) && path[j] != '/' {
			j++
		}
		if j == i || path[i:j] != want {
			return false
		}
		i = j
	}
	return true
}
