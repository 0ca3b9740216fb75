package chisel

import (
	"fmt"
	"strings"
)

// SplitArgs splits a chisel's argument string into its positional
// arguments the way sysdig 0.29.3 does: the string is trimmed, words are
// separated by single spaces (two spaces make an empty word), and a single
// quote or a backquote at the start of a word groups words up to the
// matching quote; double quotes are ordinary characters. An empty string
// (after trimming) gives no arguments, while a pair of single quotes with
// nothing between them gives one empty argument. An unterminated quote is
// an error.
//
// The quote handling reproduces sysdig's byte arithmetic exactly, including
// its quirk with a quote in the middle of a word (the word then loses its
// first byte and keeps the quotes).
func SplitArgs(name, s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out []string
	begin, correction := 0, 0
	inQuotes := false
	for j := 0; j < len(s); j++ {
		switch c := s[j]; {
		case c == ' ' && !inQuotes:
			out = append(out, sub(s, begin, j-correction-begin))
			begin, correction = j+1, 0
		case c == '\'' || c == '`':
			if inQuotes {
				correction = 1
				inQuotes = false
			} else {
				begin++
				inQuotes = true
			}
		}
	}
	if inQuotes {
		return nil, fmt.Errorf("corrupted parameters for chisel %s", name)
	}
	return append(out, sub(s, begin, len(s)-correction-begin)), nil
}

// sub is std::string::substr(pos, n) for the ranges SplitArgs produces:
// a negative length yields an empty string and the end is clamped.
func sub(s string, pos, n int) string {
	if pos >= len(s) || n <= 0 {
		return ""
	}
	if pos+n > len(s) {
		n = len(s) - pos
	}
	return s[pos : pos+n]
}

// checkArgCount reports sysdig's error when n values do not fit the
// chisel's declared arguments.
func checkArgCount(info *Info, n int) error {
	req, opt := 0, 0
	for _, a := range info.Args {
		if a.Optional {
			opt++
		} else {
			req++
		}
	}
	switch {
	case n < req:
		return &ArgError{Chisel: info.Name, Msg: fmt.Sprintf("wrong number of parameters for chisel %s, %d required, %d given", info.Name, req, n)}
	case n > req+opt:
		return &ArgError{Chisel: info.Name, Msg: fmt.Sprintf("too many parameters for chisel %s, %d required, %d optional, %d given", info.Name, req, opt, n)}
	}
	return nil
}
