package field

import (
	"errors"
	"math"
)

// numError is sysdig's message for a value that is not a number.
func numError(s string) error { return errors.New(s + " is not a valid number") }

// scanDigits reads what C's sscanf("%d%c") accepts: leading blanks, an
// optional sign, one or more decimal digits and nothing after them. The
// magnitude saturates at math.MaxUint64.
func scanDigits(s string) (neg bool, mag uint64, overflow bool, ok bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\v' || s[i] == '\f') {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if mag > (math.MaxUint64-d)/10 {
			overflow = true
			mag = math.MaxUint64
			continue
		}
		if !overflow {
			mag = mag*10 + d
		}
	}
	return neg, mag, overflow, i > start && i == len(s)
}

// ParseInt parses s as sysdig's numeric parser does for a signed type of
// the given width: strtol saturation at 64 bits, then truncation.
func ParseInt(s string, bits int) (int64, error) {
	neg, mag, overflow, ok := scanDigits(s)
	if !ok {
		return 0, numError(s)
	}
	var v int64
	switch {
	case !neg && (overflow || mag > math.MaxInt64):
		v = math.MaxInt64
	case neg && (overflow || mag > 1<<63):
		v = math.MinInt64
	case neg:
		v = int64(-mag)
	default:
		v = int64(mag)
	}
	switch bits {
	case 8:
		v = int64(int8(v))
	case 16:
		v = int64(int16(v))
	case 32:
		v = int64(int32(v))
	}
	return v, nil
}

// ParseUint parses s as sysdig's numeric parser does for an unsigned type
// of the given width: strtoul (a leading '-' negates modulo 2^64), then
// truncation.
func ParseUint(s string, bits int) (uint64, error) {
	neg, mag, overflow, ok := scanDigits(s)
	if !ok {
		return 0, numError(s)
	}
	v := mag
	if overflow {
		v = math.MaxUint64
	} else if neg {
		v = -mag
	}
	switch bits {
	case 8:
		v = uint64(uint8(v))
	case 16:
		v = uint64(uint16(v))
	case 32:
		v = uint64(uint32(v))
	}
	return v, nil
}
