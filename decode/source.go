package decode

import "xtrace/event"

// ParamSource says where the recorder takes parameter i of event type t
// from, as x86_64_fetch.tsv says: arg is the syscall argument (0-5) of
// the fetch's first register operand, -1 when it reads none (a computed
// value, the return value); ret is true when the parameter is the return
// value itself. known is false for parameters the table has no fetch for
// (event types the recorder never writes). Printers use it to lay out a
// call in argument order (strace style) without a per-syscall list.
func ParamSource(t event.Type, i int) (arg int, ret, known bool) {
	if int(t) >= len(fetchTable) || i < 0 || i >= len(fetchTable[t]) {
		return -1, false, false
	}
	f := &fetchTable[t][i]
	if f.kind == kRet || f.kind == kRet16 {
		return -1, true, true
	}
	for _, o := range f.op {
		if o <= opA5 {
			return int(o), false, true
		}
	}
	return -1, false, true
}
