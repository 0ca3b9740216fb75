package inspect

// BufferFormat selects how byte-buffer parameters are rendered.
type BufferFormat uint8

const (
	// BufNormal prints printable ASCII and '.' for every other byte.
	BufNormal BufferFormat = iota
	// BufASCII (-A) starts with a newline and keeps printable bytes and
	// newlines only.
	BufASCII
	// BufHex (-x) is a hex dump.
	BufHex
	// BufHexASCII (-X) is a hex dump with an ASCII column.
	BufHexASCII
	// BufBase64 (-b) is standard base64.
	BufBase64
)

// RenderOptions control how parameters are rendered.
type RenderOptions struct {
	Buffer BufferFormat
	// Full disables the 80-character cut of long buffers and string
	// arrays (-v, JSON output and chisels).
	Full bool
}

// AppendInfo appends evt.info (sysdig's evt.args): "name=VALUE " or
// "name=VALUE(RESOLVED) " for every loaded parameter, empty for generic
// events.
//
// TODO(inspect): implement as sinsp_evt::get_param_as_str.
func (e *Event) AppendInfo(dst []byte, o *RenderOptions) []byte { return dst }

// AppendParam appends the rendered value of parameter i to val and its
// resolved text (for example the fd name of an fd parameter, or the
// errno name) to res; res is left unchanged when there is none.
//
// TODO(inspect): implement.
func (e *Event) AppendParam(val, res []byte, i int, o *RenderOptions) ([]byte, []byte) {
	return val, res
}

// ParamIndex returns the index of the parameter called name, or -1.
func (e *Event) ParamIndex(name string) int {
	if e.Info == nil {
		return -1
	}
	for i := range e.Info.Params {
		if i >= e.NumParams() {
			break
		}
		if e.Info.Params[i].Name == name {
			return i
		}
	}
	return -1
}

// ProcName returns what proc.name shows for the event: the thread's comm,
// or "<NA>" when the thread is unknown.
//
// TODO(inspect): container events and other special cases.
func (e *Event) ProcName() string {
	if e.Thread == nil {
		return "<NA>"
	}
	return e.Thread.Comm
}

// TypeName returns what evt.type shows: the table name, or for generic
// events the syscall name of the ID parameter.
func (e *Event) TypeName() string {
	if e.Info == nil {
		return "<unknown>"
	}
	return e.Info.Name
}
