package field

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Class describes a field class in listings.
type Class struct {
	// Name is the class name fields carry in Def.Class.
	Name string
	// Desc is the one-line description -l prints.
	Desc string
}

// classes lists the field classes in listing order.
var classes = [...]Class{
	{"evt", "The event itself: its number, times, direction, type, category, CPU, parameters, result, data buffer and I/O flags."},
	{"process", "The thread that produced the event and its process: ids, names, executable, arguments, working directory, ancestors, fd usage and memory."},
	{"user", "The user the thread runs as, from the capture's user table."},
	{"group", "The group the thread runs as, from the capture's group table."},
	{"container", "The container the thread runs in, from its cgroups and the capture's container events; host threads show 'host' as id and name."},
	{"fd", "The file descriptor the event works on: number, type, name, path parts, and for sockets the endpoints, ports, protocol and role."},
	{"syslog", "Messages an event writes to /dev/log, decoded as syslog lines (<PRI>message)."},
	{"fdlist", "The fds named by the fds argument of poll and ppoll events."},
	{"k8s", "Kubernetes metadata (not available to xtrace)."},
	{"mesos", "Mesos and Marathon metadata (not available to xtrace)."},
	{"span", "sysdig tracer spans written to /dev/null (not decoded by xtrace)."},
	{"evtin", "The tracer spans an event happens in (not decoded by xtrace)."},
}

// ListOptions select the form of a field listing.
type ListOptions struct {
	// Verbose adds each field's type and argument (-lv).
	Verbose bool
	// Markdown prints tables (--list-markdown).
	Markdown bool
}

// listWidth and listIndent are the layout of sysdig's -l: names in a
// 30-column block, descriptions wrapped at 120 columns.
const (
	listIndent = 30
	listWidth  = 120
)

// WriteList prints the fields grouped by class, in the layout of sysdig's
// -l (or as Markdown tables). Hidden fields are left out.
func WriteList(w io.Writer, o ListOptions) error {
	bw := bufio.NewWriter(w)
	for _, c := range classes {
		if o.Markdown {
			fmt.Fprintf(bw, "\n## Field Class: %s\n\n%s\n\n", c.Name, c.Desc)
			fmt.Fprintf(bw, "Name | Type | Description\n:----|:-----|:-----------\n")
		} else {
			fmt.Fprintf(bw, "-------------------------------\n")
			fmt.Fprintf(bw, "%-*s%s\n", listIndent, "Field Class:", c.Name)
			fmt.Fprintf(bw, "%-*s", listIndent, "Description:")
			wrap(bw, c.Desc)
			fmt.Fprintf(bw, "\n\n")
		}
		for i := range defs {
			d := &defs[i]
			if d.Class != c.Name || d.Flags&Hidden != 0 {
				continue
			}
			desc := d.Desc
			if d.Flags&FilterOnly != 0 && !strings.HasPrefix(desc, "Filter-only") {
				desc = "(FILTER ONLY) " + desc
			}
			if o.Markdown {
				name := d.Name
				if d.Arg != ArgNone {
					name += d.Arg.markdownSuffix()
				}
				fmt.Fprintf(bw, "`%s` | %s | %s\n", name, TypeName(d.Type), desc)
				continue
			}
			if o.Verbose {
				info := "Type: " + TypeName(d.Type)
				if d.Arg != ArgNone {
					info += ", Argument: " + d.Arg.String()
				}
				if d.Flags&NoState != 0 {
					info += ", no value in xtrace"
				}
				desc = "(" + info + ") " + desc
			}
			if len(d.Name) > listIndent {
				fmt.Fprintf(bw, "%s\n%-*s", d.Name, listIndent, "")
			} else {
				fmt.Fprintf(bw, "%-*s", listIndent, d.Name)
			}
			wrap(bw, desc)
			bw.WriteByte('\n')
		}
		if !o.Markdown {
			bw.WriteByte('\n')
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("field: writing list: %w", err)
	}
	return nil
}

// markdownSuffix shows the argument after the name in Markdown tables.
func (a ArgKind) markdownSuffix() string {
	switch a {
	case ArgParam:
		return ".NAME, [N]"
	case ArgIndexOpt:
		return "[N]"
	case ArgEventType:
		return ".EVENTNAME"
	}
	return strings.TrimSuffix(a.String(), " (optional)")
}

// wrap writes s word by word, each followed by a space, starting a new
// indented line when the next word would pass the listing width.
func wrap(w *bufio.Writer, s string) {
	n := 0
	for _, word := range strings.Fields(s) {
		l := len(word) + 1
		if n+l > listWidth-listIndent && n > 0 {
			fmt.Fprintf(w, "\n%-*s", listIndent, "")
			n = 0
		}
		n += l
		w.WriteString(word)
		w.WriteByte(' ')
	}
}
