package export

import (
	"fmt"
	"io"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// zstdCodec compresses pages with zstd's fastest level: a third of the
// memory of the default level for files a few percent larger.
var zstdCodec = zstd.Codec{Level: zstd.SpeedFastest}

// Parquet row groups hold at most this many rows, so that the column
// buffers of one group (the writer's memory) stay small whatever the size
// of the capture.
const parquetRowGroup = 32 << 10

// parquetBatch is how many rows are handed to the writer at once.
const parquetBatch = 1024

// pqTable writes one row kind to one Parquet file.
type pqTable struct {
	w      *parquet.Writer
	cols   []Column
	leaf   []int // parquet column index of each column
	out    io.Writer
	rows   []parquet.Row
	arena  []byte
	closed bool
}

func newPQTable(out io.Writer, kind string, cols []Column) *pqTable {
	g := parquet.Group{}
	for _, c := range cols {
		g[c.Name] = parquet.Optional(parquetNode(c.Type))
	}
	schema := parquet.NewSchema("xtrace_"+kind, g)
	t := &pqTable{cols: cols, out: out, leaf: make([]int, len(cols))}
	for i, c := range cols {
		lc, _ := schema.Lookup(c.Name)
		t.leaf[i] = lc.ColumnIndex
	}
	t.w = parquet.NewWriter(out, schema,
		parquet.Compression(&zstdCodec),
		parquet.MaxRowsPerRowGroup(parquetRowGroup),
		parquet.KeyValueMetadata("xtrace.schema_version", strconv.Itoa(SchemaVersion)),
		parquet.KeyValueMetadata("xtrace.kind", kind),
	)
	return t
}

// parquetNode maps a column type to its Parquet type.
func parquetNode(t Type) parquet.Node {
	switch t {
	case TypeInt:
		return parquet.Int(64)
	case TypeUint, TypeDuration:
		return parquet.Uint(64)
	case TypeTime:
		return parquet.Timestamp(parquet.Nanosecond)
	case TypeBool:
		return parquet.Leaf(parquet.BooleanType)
	case TypeBytes:
		return parquet.Leaf(parquet.ByteArrayType)
	case TypeJSON:
		return parquet.JSON()
	}
	return parquet.String()
}

func (t *pqTable) add(vals []Value) error {
	if len(t.rows) == cap(t.rows) && len(t.rows) > 0 {
		if err := t.flush(); err != nil {
			return err
		}
	}
	if cap(t.rows) == 0 {
		t.rows = make([]parquet.Row, 0, parquetBatch)
	}
	n := len(t.rows)
	t.rows = t.rows[:n+1]
	row := t.rows[n]
	if cap(row) < len(t.cols) {
		row = make(parquet.Row, len(t.cols))
	}
	row = row[:len(t.cols)]
	for i, c := range t.cols {
		v := &vals[i]
		col := t.leaf[i]
		var pv parquet.Value
		switch {
		case v.Null:
			pv = parquet.NullValue()
		case c.Type == TypeInt, c.Type == TypeTime:
			x := v.Int
			if c.Type == TypeTime {
				x = int64(v.Uint)
			}
			pv = parquet.Int64Value(x)
		case c.Type == TypeUint, c.Type == TypeDuration:
			pv = parquet.Int64Value(int64(v.Uint))
		case c.Type == TypeBool:
			pv = parquet.BooleanValue(v.Bool)
		default:
			start := len(t.arena)
			t.arena = append(t.arena, v.Buf...)
			pv = parquet.ByteArrayValue(t.arena[start:len(t.arena):len(t.arena)])
		}
		def := 1
		if v.Null {
			def = 0
		}
		row[col] = pv.Level(0, def, col)
	}
	t.rows[n] = row
	return nil
}

func (t *pqTable) flush() error {
	if len(t.rows) == 0 {
		return nil
	}
	if _, err := t.w.WriteRows(t.rows); err != nil {
		return fmt.Errorf("export: writing parquet: %w", err)
	}
	t.rows = t.rows[:0]
	// The arena is reallocated rather than reused when it grew: values
	// written above may still point into it until the page is encoded.
	t.arena = t.arena[:0:0]
	return nil
}

func (t *pqTable) close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	if err := t.flush(); err != nil {
		return err
	}
	if err := t.w.Close(); err != nil {
		return fmt.Errorf("export: writing parquet: %w", err)
	}
	if c, ok := t.out.(io.Closer); ok {
		if err := c.Close(); err != nil {
			return fmt.Errorf("export: closing parquet: %w", err)
		}
	}
	return nil
}

// pqSink writes syscall rows and process rows to two Parquet files.
type pqSink struct{ sys, procs *pqTable }

// NewParquet returns a Sink writing syscall rows to sys and process rows to
// procs as Parquet files (zstd, row groups of up to 32 Ki rows, so memory
// stays flat on any capture). Close closes sys and procs when they are
// io.Closers.
func NewParquet(sys, procs io.Writer) Sink {
	return &pqSink{sys: newPQTable(sys, "syscall", syscallCols), procs: newPQTable(procs, "process", procCols)}
}

func (s *pqSink) Syscall(vals []Value) error { return s.sys.add(vals) }
func (s *pqSink) Process(vals []Value) error { return s.procs.add(vals) }

func (s *pqSink) Close() error {
	err := s.sys.close()
	if err2 := s.procs.close(); err == nil {
		err = err2
	}
	return err
}
