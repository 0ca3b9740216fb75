package main

import (
	"fmt"
	"math"
	"reflect"

	"github.com/alecthomas/kong"
)

// flagRange is the accepted range of a numeric flag given on the command
// line (an absent flag keeps its default, which may lie outside: 0 means
// "no limit" for the limits).
type flagRange struct{ min, max int64 }

// flagRanges lists every numeric flag by its long name (-s, a string
// since it takes per-class lengths, is checked by parseArgsTo). sysdig 0.29.3
// checks some of these and silently clamps or ignores others (-s
// 99999999999 becomes 65000, -n -1 means no limit); xtrace rejects any
// value out of range with the same message for the short and long forms.
var flagRanges = map[string]flagRange{
	"numevents":   {1, math.MaxInt64},
	"duration":    {1, math.MaxInt32},
	"event-limit": {1, math.MaxInt64},
	"file-size":   {1, math.MaxInt32},
	"seconds":     {1, math.MaxInt32},
	"limit":       {1, math.MaxInt32},
	"chisel-mem":  {1, 1 << 20},
	"after":       {0, math.MaxInt64},
}

// checkFlagRanges rejects a numeric flag given a value outside its range.
// (TestFlagRanges checks that every numeric flag has one.)
func checkFlagRanges(flags []*kong.Flag) error {
	for _, f := range flags {
		if !f.Target.IsValid() {
			continue
		}
		var v int64
		switch f.Target.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			v = f.Target.Int()
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			v = int64(min(f.Target.Uint(), math.MaxInt64))
		default:
			continue
		}
		if r, ok := flagRanges[f.Name]; ok && f.Set {
			if err := r.check(flagNames(f), v); err != nil {
				return err
			}
		}
	}
	return nil
}

// check rejects v, given to the flag called names (see flagNames), when
// it lies outside r.
func (r flagRange) check(names string, v int64) error {
	if v < r.min || v > r.max {
		return fmt.Errorf("%s: %d is out of range (%d to %d)", names, v, r.min, r.max)
	}
	return nil
}

// flagNames is "--long" or "-s/--long".
func flagNames(f *kong.Flag) string {
	if f.Short != 0 {
		return fmt.Sprintf("-%c/--%s", f.Short, f.Name)
	}
	return "--" + f.Name
}
