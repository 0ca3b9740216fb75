package format

import (
	"bufio"
	"encoding/binary"
	"io"
	"strconv"

	"xtrace/event"
	"xtrace/inspect"
	"xtrace/internal/stdsort"
)

// Summary counts events per direction and type for -S. Generic events are
// counted per syscall. Its table is printed in sysdig's order: sysdig sorts
// with std::sort, and so does Write (stdsort), which fixes the order of
// rows with equal counts the same way.
type Summary struct {
	// counts holds one slot per sysdig event type, then two per PPM_SC
	// code (enter, exit), the layout of sysdig's summary table; then one
	// per extended type of xtrace's (which sysdig shows as generic).
	counts [int(event.NumTypes) + 2*event.NumSC]uint64
}

// genericBase and extBase are where the generic and extended slots of
// Summary.counts start.
const (
	genericBase = int(event.SysdigTypes)
	extBase     = genericBase + 2*event.NumSC
)

// Add counts one event.
func (s *Summary) Add(e *inspect.Event) {
	t := e.Type
	if (t == event.GenericE || t == event.GenericX) && e.NumParams() > 0 {
		if p := e.Param(0); len(p) >= 2 {
			id := int(binary.LittleEndian.Uint16(p))
			if id < event.NumSC {
				s.counts[genericBase+2*id+int(t)]++
				return
			}
		}
	}
	switch {
	case t < event.SysdigTypes:
		s.counts[t]++
	case t < event.NumTypes:
		s.counts[extBase+int(t-event.SysdigTypes)]++
	}
}

type summaryRow struct {
	id      int
	generic bool
	n       uint64
}

// Write prints the table:
//
//	----------------------
//	Event           #Calls
//	----------------------
//	> procinfo        315
func (s *Summary) Write(w io.Writer) error {
	// The rows are sysdig's table, and the extended types only when
	// some were counted: std::sort orders ties by the table's length.
	counts := s.counts[:extBase]
	for _, n := range s.counts[extBase:] {
		if n != 0 {
			counts = s.counts[:]
			break
		}
	}
	rows := make([]summaryRow, 0, len(counts))
	for i, n := range counts {
		switch {
		case i < genericBase:
			rows = append(rows, summaryRow{id: i, n: n})
		case i < extBase:
			rows = append(rows, summaryRow{id: i - genericBase, generic: true, n: n})
		default:
			rows = append(rows, summaryRow{id: i - extBase + int(event.SysdigTypes), n: n})
		}
	}
	stdsort.Sort(rows, func(a, b summaryRow) bool { return a.n > b.n })
	bw := bufio.NewWriter(w)
	bw.WriteString("----------------------\nEvent           #Calls\n----------------------\n")
	for i, r := range rows {
		if i >= 100 || r.n == 0 {
			break
		}
		var name string
		if r.generic {
			name = event.SCName(uint16(r.id / 2))
		} else {
			name = event.Info(event.Type(r.id)).Name
		}
		if r.id&1 == 0 {
			bw.WriteString("> ")
		} else {
			bw.WriteString("< ")
		}
		if len(name) > 16 {
			name = name[:16] // std::string::resize cuts longer names
		}
		bw.WriteString(name)
		for n := len(name); n < 16; n++ {
			bw.WriteByte(' ')
		}
		bw.WriteString(strconv.FormatUint(r.n, 10))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
