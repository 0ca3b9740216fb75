package chisel

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// sprintf formats args as Lua's string.format (C printf) does, for the
// conversions chisels use: %d %i %u %c %x %X %o %e %E %f %g %G %s %q %%,
// with flags, width and precision. Strings are measured in bytes, numbers
// for integer conversions are truncated, and %s prints nil as "nil" and
// integral numbers without a fraction, as LuaJIT's tostring does.
func sprintf(format string, args []goja.Value) (string, error) {
	var b strings.Builder
	next := 0
	arg := func() (goja.Value, error) {
		if next >= len(args) {
			return nil, fmt.Errorf("bad argument #%d to 'format' (no value)", next+2)
		}
		next++
		return args[next-1], nil
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			b.WriteByte('%')
			continue
		}
		start := i
		for i < len(format) && strings.IndexByte("-+ #0", format[i]) >= 0 {
			i++
		}
		for i < len(format) && format[i] >= '0' && format[i] <= '9' {
			i++
		}
		if i < len(format) && format[i] == '.' {
			i++
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				i++
			}
		}
		if i >= len(format) {
			return "", fmt.Errorf("invalid option '%%%s' to 'format'", format[start:])
		}
		spec, verb := format[start:i], format[i]
		v, err := arg()
		if err != nil {
			return "", err
		}
		switch verb {
		case 'd', 'i', 'u', 'c', 'x', 'X', 'o':
			n := toInt(v)
			switch verb {
			case 'c':
				b.WriteByte(byte(n))
			case 'd', 'i', 'u':
				b.WriteString(fmt.Sprintf("%"+spec+"d", n))
			default:
				b.WriteString(fmt.Sprintf("%"+spec+string(verb), n))
			}
		case 'f':
			b.WriteString(padFixed(v.ToFloat(), spec))
		case 'e', 'E', 'g', 'G':
			b.WriteString(fmt.Sprintf("%"+spec+string(verb), v.ToFloat()))
		case 's':
			b.WriteString(padBytes(luaString(v), spec))
		case 'q':
			b.WriteString(strconv.Quote(goString(v)))
		default:
			return "", fmt.Errorf("invalid option '%%%c' to 'format'", verb)
		}
	}
	return b.String(), nil
}

// toInt converts a number as C's integer conversions receive it.
func toInt(v goja.Value) int64 {
	f := v.ToFloat()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return int64(f)
}

// padBytes applies a %s spec (flags, width, precision) counting bytes.
func padBytes(s, spec string) string {
	left := strings.Contains(spec, "-")
	spec = strings.TrimLeft(spec, "-+ #0")
	width, prec := 0, -1
	if w, p, ok := strings.Cut(spec, "."); ok {
		width, _ = strconv.Atoi(w)
		prec, _ = strconv.Atoi(p)
	} else {
		width, _ = strconv.Atoi(spec)
	}
	if prec >= 0 && len(s) > prec {
		s = s[:prec]
	}
	if len(s) >= width {
		return s
	}
	pad := strings.Repeat(" ", width-len(s))
	if left {
		return s + pad
	}
	return pad + s
}

// padFixed is %f with LuaJIT's rounding (see fixed).
func padFixed(v float64, spec string) string {
	flags := spec[:len(spec)-len(strings.TrimLeft(spec, "-+ #0"))]
	rest := spec[len(flags):]
	width, prec := 0, 6
	if w, p, ok := strings.Cut(rest, "."); ok {
		width, _ = strconv.Atoi(w)
		prec, _ = strconv.Atoi(p)
	} else {
		width, _ = strconv.Atoi(rest)
	}
	s := fixed(v, prec)
	if !strings.HasPrefix(s, "-") {
		switch {
		case strings.Contains(flags, "+"):
			s = "+" + s
		case strings.Contains(flags, " "):
			s = " " + s
		}
	}
	if len(s) >= width {
		return s
	}
	pad := width - len(s)
	switch {
	case strings.Contains(flags, "-"):
		return s + strings.Repeat(" ", pad)
	case strings.Contains(flags, "0"):
		sign := ""
		if s[0] == '-' || s[0] == '+' || s[0] == ' ' {
			sign, s = s[:1], s[1:]
		}
		return sign + strings.Repeat("0", pad) + s
	}
	return strings.Repeat(" ", pad) + s
}
