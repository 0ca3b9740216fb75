package chisel

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// Captured data (read/write buffers, paths) is bytes, not necessarily
// UTF-8, and sysdig's Lua chisels print it byte for byte. JavaScript
// strings are UTF-16, so bytes that are not valid UTF-8 travel as lone
// low surrogates U+DC80..U+DCFF (Python's "surrogateescape") and are
// turned back into the same bytes when the string is written out.

// byteString returns b as a JavaScript string (see above). b may be
// reused by the caller afterwards.
func byteString(vm *goja.Runtime, b string) goja.Value {
	if utf8.ValidString(b) {
		return vm.ToValue(strings.Clone(b))
	}
	u := make([]uint16, 0, len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRuneInString(b)
		switch {
		case r == utf8.RuneError && n <= 1:
			u = append(u, 0xDC00+uint16(b[0]))
			n = 1
		case r >= 0x10000:
			r1, r2 := utf16.EncodeRune(r)
			u = append(u, uint16(r1), uint16(r2))
		default:
			u = append(u, uint16(r))
		}
		b = b[n:]
	}
	return goja.StringFromUTF16(u)
}

// appendJS appends the text of v (as JavaScript's String(v) gives it) to
// dst, writing escaped bytes back as themselves.
func appendJS(dst []byte, v goja.Value) []byte {
	s, ok := v.(goja.String)
	if !ok {
		return append(dst, v.String()...)
	}
	str := s.String()
	if isASCII(str) {
		return append(dst, str...)
	}
	n := s.Length()
	for i := 0; i < n; i++ {
		c := s.CharAt(i)
		switch {
		case c >= 0xDC80 && c <= 0xDCFF:
			dst = append(dst, byte(c-0xDC00))
		case c >= 0xD800 && c < 0xDC00 && i+1 < n && s.CharAt(i+1) >= 0xDC00 && s.CharAt(i+1) <= 0xDFFF:
			dst = utf8.AppendRune(dst, utf16.DecodeRune(rune(c), rune(s.CharAt(i+1))))
			i++
		default:
			dst = utf8.AppendRune(dst, rune(c))
		}
	}
	return dst
}

// goString returns the bytes of a JavaScript string as a Go string.
func goString(v goja.Value) string {
	if s, ok := v.(goja.String); ok {
		str := s.String()
		if isASCII(str) {
			return str
		}
	}
	return string(appendJS(nil, v))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isFalse reports whether a callback returned exactly false (undefined,
// the result of a callback without return, means success).
func isFalse(v goja.Value) bool {
	if v == nil {
		return false
	}
	b, ok := v.Export().(bool)
	return ok && !b
}
