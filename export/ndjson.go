package export

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"

	"xtrace/field"
)

// ndjson writes one JSON object per row; null columns are left out.
type ndjson struct {
	w   *bufio.Writer
	buf []byte
}

// NewNDJSON returns a Sink writing NDJSON to w: syscall rows, then process
// rows, each with "kind" and the schema version "v".
func NewNDJSON(w io.Writer) Sink {
	return &ndjson{w: bufio.NewWriterSize(w, 1<<16)}
}

func (n *ndjson) Syscall(vals []Value) error { return n.row("syscall", syscallCols, vals) }
func (n *ndjson) Process(vals []Value) error { return n.row("process", procCols, vals) }

func (n *ndjson) row(kind string, cols []Column, vals []Value) error {
	b := append(n.buf[:0], `{"kind":"`...)
	b = append(b, kind...)
	b = append(b, `","v":`...)
	b = strconv.AppendInt(b, SchemaVersion, 10)
	for i := range cols {
		v := &vals[i]
		if v.Null {
			continue
		}
		b = append(b, ',', '"')
		b = append(b, cols[i].Name...)
		b = append(b, '"', ':')
		b = appendJSONValue(b, cols[i].Type, v)
	}
	b = append(b, '}', '\n')
	n.buf = b
	if _, err := n.w.Write(b); err != nil {
		return fmt.Errorf("export: writing ndjson: %w", err)
	}
	return nil
}

// appendJSONValue appends v, of type t, as a JSON value.
func appendJSONValue(b []byte, t Type, v *Value) []byte {
	if b, ok := appendScalar(b, t, v); ok {
		return b
	}
	switch t {
	case TypeJSON:
		return append(b, v.Buf...)
	case TypeBytes:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, v.Buf)
		return append(b, '"')
	}
	return field.AppendJSONString(b, v.Buf)
}

func (n *ndjson) Close() error {
	if err := n.w.Flush(); err != nil {
		return fmt.Errorf("export: writing ndjson: %w", err)
	}
	return nil
}

// appendScalar appends a number or boolean as text; ok is false for other
// types.
func appendScalar(b []byte, t Type, v *Value) ([]byte, bool) {
	switch t {
	case TypeInt:
		return strconv.AppendInt(b, v.Int, 10), true
	case TypeUint, TypeTime, TypeDuration:
		return strconv.AppendUint(b, v.Uint, 10), true
	case TypeBool:
		return strconv.AppendBool(b, v.Bool), true
	}
	return b, false
}
