package capture

import (
	"strconv"
	"strings"
	"time"
)

// Strftime formats t (in its location) as C's strftime does in the C
// locale, for -G file names. It knows the C99 and POSIX conversions plus
// the glibc ones (%k, %l, %P, %s) and the glibc flags '-' (no padding),
// '_' (pad with spaces) and '0' (pad with zeros); the E and O modifiers
// are accepted and ignored, as in the C locale. An unknown conversion is
// copied as it is, as glibc does.
func Strftime(format string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			b.WriteByte(c)
			continue
		}
		start := i
		i++
		pad := byte(0)
		if f := format[i]; f == '-' || f == '_' || f == '0' {
			pad = f
			i++
		}
		for i < len(format) && (format[i] == 'E' || format[i] == 'O') {
			i++
		}
		if i >= len(format) {
			b.WriteString(format[start:])
			break
		}
		if !conv(&b, format[i], pad, t) {
			b.WriteString(format[start : i+1])
		}
	}
	return b.String()
}

var (
	cDays   = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	cMonths = []string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
)

// num writes v padded to width with zeros (or spaces for a space-padded
// conversion), as the flag says.
func num(b *strings.Builder, v, width int, space bool, pad byte) {
	s := strconv.Itoa(v)
	fill := byte('0')
	if space {
		fill = ' '
	}
	switch pad {
	case '-':
		width = 0
	case '_':
		fill = ' '
	case '0':
		fill = '0'
	}
	for n := len(s); n < width; n++ {
		b.WriteByte(fill)
	}
	b.WriteString(s)
}

func conv(b *strings.Builder, c, pad byte, t time.Time) bool {
	yday := t.YearDay() - 1
	wday := int(t.Weekday())
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	switch c {
	case 'a':
		b.WriteString(cDays[wday][:3])
	case 'A':
		b.WriteString(cDays[wday])
	case 'b', 'h':
		b.WriteString(cMonths[t.Month()-1][:3])
	case 'B':
		b.WriteString(cMonths[t.Month()-1])
	case 'c':
		b.WriteString(Strftime("%a %b %e %H:%M:%S %Y", t))
	case 'C':
		num(b, t.Year()/100, 2, false, pad)
	case 'd':
		num(b, t.Day(), 2, false, pad)
	case 'D', 'x':
		b.WriteString(Strftime("%m/%d/%y", t))
	case 'e':
		num(b, t.Day(), 2, true, pad)
	case 'F':
		b.WriteString(Strftime("%Y-%m-%d", t))
	case 'G':
		y, _ := t.ISOWeek()
		num(b, y, 1, false, pad)
	case 'g':
		y, _ := t.ISOWeek()
		num(b, y%100, 2, false, pad)
	case 'H':
		num(b, t.Hour(), 2, false, pad)
	case 'I':
		num(b, hour12, 2, false, pad)
	case 'j':
		num(b, yday+1, 3, false, pad)
	case 'k':
		num(b, t.Hour(), 2, true, pad)
	case 'l':
		num(b, hour12, 2, true, pad)
	case 'm':
		num(b, int(t.Month()), 2, false, pad)
	case 'M':
		num(b, t.Minute(), 2, false, pad)
	case 'n':
		b.WriteByte('\n')
	case 'p':
		if t.Hour() < 12 {
			b.WriteString("AM")
		} else {
			b.WriteString("PM")
		}
	case 'P':
		if t.Hour() < 12 {
			b.WriteString("am")
		} else {
			b.WriteString("pm")
		}
	case 'r':
		b.WriteString(Strftime("%I:%M:%S %p", t))
	case 'R':
		b.WriteString(Strftime("%H:%M", t))
	case 's':
		b.WriteString(strconv.FormatInt(t.Unix(), 10))
	case 'S':
		num(b, t.Second(), 2, false, pad)
	case 't':
		b.WriteByte('\t')
	case 'T', 'X':
		b.WriteString(Strftime("%H:%M:%S", t))
	case 'u':
		u := wday
		if u == 0 {
			u = 7
		}
		num(b, u, 1, false, pad)
	case 'U':
		num(b, (yday+7-wday)/7, 2, false, pad)
	case 'V':
		_, w := t.ISOWeek()
		num(b, w, 2, false, pad)
	case 'w':
		num(b, wday, 1, false, pad)
	case 'W':
		num(b, (yday+7-(wday+6)%7)/7, 2, false, pad)
	case 'y':
		num(b, t.Year()%100, 2, false, pad)
	case 'Y':
		num(b, t.Year(), 1, false, pad)
	case 'z':
		_, off := t.Zone()
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		b.WriteByte(sign)
		num(b, off/3600*100+off%3600/60, 4, false, 0)
	case 'Z':
		name, _ := t.Zone()
		b.WriteString(name)
	case '%':
		b.WriteByte('%')
	default:
		return false
	}
	return true
}
