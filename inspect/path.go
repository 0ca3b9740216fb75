package inspect

// maxPathSize is SCAP_MAX_PATH_SIZE, the buffer sinsp builds paths in.
const maxPathSize = 1024

// invalidChar reports whether sinsp treats c as unprintable (anything
// outside 0x20-0x7e).
func invalidChar(c byte) bool { return c < 0x20 || c > 0x7e }

// AppendConcatPath appends what sinsp's concatenate_paths builds from a
// base directory and a path argument (read up to its first NUL): the path
// made absolute against base when it is relative, then normalised ("."
// and ".." folded, doubled and trailing '/' dropped, unprintable bytes
// turned into '.'). The field package uses it for evt.abspath.
func AppendConcatPath(dst []byte, base string, path []byte) []byte {
	dst, _ = concatPaths(dst, base, path[:indexNUL(path)], len(path), maxPathSize)
	return dst
}

// concatPaths appends to dst what sinsp's concatenate_paths builds from a
// base directory and a path as passed by the program (read up to its
// first NUL; plen is the length sinsp was given for it, used only for the
// size check against limit, 0 meaning no limit). A relative path is
// appended to base, an absolute one replaces it; either way the path is
// normalised ("./" skipped, "../" folded, doubled and trailing '/'
// dropped, unprintable bytes turned into '.'). The result is false for an
// absolute path (and for a path too long, which gives "/PATH_TOO_LONG").
func concatPaths(dst []byte, base string, path []byte, plen, limit int) ([]byte, bool) {
	if limit > 0 && limit < len(base)+plen+1 {
		return append(dst, "/PATH_TOO_LONG"...), false
	}
	start := len(dst)
	first := byte(0)
	if len(path) > 0 {
		first = path[0]
	}
	if plen != 0 && first != '/' {
		dst = append(dst, base...)
		return sanitizePath(dst, start, path), true
	}
	return sanitizePath(dst, start, path), false
}

// sanitizePath is sinsp's copy_and_sanitize_path: it appends path to out,
// folding "." and ".." against what out[base:] already holds.
func sanitizePath(out []byte, base int, path []byte) []byte {
	at := func(i int) byte {
		if i < len(path) {
			return path[i]
		}
		return 0
	}
	pc := 0
	for {
		c := at(pc)
		if c == 0 {
			if len(out) > base+1 && out[len(out)-1] == '/' {
				out = out[:len(out)-1]
			}
			return out
		}
		switch {
		case invalidChar(c):
			out = append(out, '.')
			pc++
		case c == '.' && at(pc+1) == '.' && at(pc+2) == '/':
			out = rewindPath(out, base)
			pc += 3
		case c == '.' && at(pc+1) == '.':
			if at(pc+2) == 0 {
				out = rewindPath(out, base)
			} else {
				out = append(out, '.', '.')
			}
			pc += 2
		case c == '.' && at(pc+1) == '/':
			pc += 2
		case c == '.':
			if at(pc+1) != 0 {
				out = append(out, '.')
			}
			pc++
		case c == '/':
			if !(len(out) > base && out[len(out)-1] == '/') {
				out = append(out, '/')
			}
			pc++
		default:
			out = append(out, c)
			pc++
		}
	}
}

// rewindPath drops the last component of out[base:] (sinsp's
// rewind_to_parent_path).
func rewindPath(out []byte, base int) []byte {
	l := len(out)
	if l <= base+1 {
		return out
	}
	l--
	for l >= base+1 && out[l-1] != '/' {
		l--
	}
	return out[:l]
}

// appendSanitized appends s without its unprintable bytes (sinsp's
// sanitize_string).
func appendSanitized(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !invalidChar(s[i]) {
			dst = append(dst, s[i])
		}
	}
	return dst
}

// appendSanitizedC appends the C string in p (up to its first NUL)
// without its unprintable bytes (sinsp's strcpy_sanitized).
func appendSanitizedC(dst []byte, p []byte) []byte {
	for _, c := range p {
		if c == 0 {
			break
		}
		if !invalidChar(c) {
			dst = append(dst, c)
		}
	}
	return dst
}

// sanitized returns s without unprintable bytes, s itself when it has
// none.
func sanitized(s string) string {
	for i := 0; i < len(s); i++ {
		if invalidChar(s[i]) {
			return string(appendSanitized(nil, s))
		}
	}
	return s
}
