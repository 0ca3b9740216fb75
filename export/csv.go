package export

import (
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
)

// csvSink writes syscall rows and process rows to two CSV files.
type csvSink struct {
	sys, procs *csv.Writer
	closers    []io.Closer
	procHeader bool
	rec        []string
	buf        []byte
	ends       []int
}

// NewCSV returns a Sink writing syscall rows to sys and process rows to
// procs, each with a header line of column names; a null is an empty cell.
// Close closes sys and procs when they are io.Closers.
func NewCSV(sys, procs io.Writer) (Sink, error) {
	s := &csvSink{sys: csv.NewWriter(sys), procs: csv.NewWriter(procs)}
	for _, w := range []io.Writer{sys, procs} {
		if c, ok := w.(io.Closer); ok {
			s.closers = append(s.closers, c)
		}
	}
	if err := s.sys.Write(names(syscallCols)); err != nil {
		return nil, fmt.Errorf("export: writing csv: %w", err)
	}
	return s, nil
}

func names(cols []Column) []string {
	ns := make([]string, len(cols))
	for i := range cols {
		ns[i] = cols[i].Name
	}
	return ns
}

func (s *csvSink) Syscall(vals []Value) error { return s.row(s.sys, syscallCols, vals) }

func (s *csvSink) Process(vals []Value) error {
	if !s.procHeader {
		s.procHeader = true
		if err := s.procs.Write(names(procCols)); err != nil {
			return fmt.Errorf("export: writing csv: %w", err)
		}
	}
	return s.row(s.procs, procCols, vals)
}

func (s *csvSink) row(w *csv.Writer, cols []Column, vals []Value) error {
	s.rec = s.rec[:0]
	b := s.buf[:0]
	// The cells are cut from one buffer, built before any is taken.
	ends := s.ends[:0]
	for i := range cols {
		b = appendText(b, cols[i].Type, &vals[i])
		ends = append(ends, len(b))
	}
	all := string(b)
	start := 0
	for _, end := range ends {
		s.rec = append(s.rec, all[start:end])
		start = end
	}
	s.buf, s.ends = b, ends
	if err := w.Write(s.rec); err != nil {
		return fmt.Errorf("export: writing csv: %w", err)
	}
	return nil
}

// appendText appends v as CSV cell text (nothing for null).
func appendText(b []byte, t Type, v *Value) []byte {
	if v.Null {
		return b
	}
	if b, ok := appendScalar(b, t, v); ok {
		return b
	}
	if t == TypeBytes {
		return base64.StdEncoding.AppendEncode(b, v.Buf)
	}
	return append(b, v.Buf...)
}

func (s *csvSink) Close() error {
	if !s.procHeader {
		s.procHeader = true
		if err := s.procs.Write(names(procCols)); err != nil {
			return fmt.Errorf("export: writing csv: %w", err)
		}
	}
	var first error
	for _, w := range []*csv.Writer{s.sys, s.procs} {
		w.Flush()
		if err := w.Error(); err != nil && first == nil {
			first = fmt.Errorf("export: writing csv: %w", err)
		}
	}
	for _, c := range s.closers {
		if err := c.Close(); err != nil && first == nil {
			first = fmt.Errorf("export: closing csv: %w", err)
		}
	}
	return first
}
