package filter

import (
	"strings"

	"xtrace/event"
	"xtrace/field"
	"xtrace/inspect"
)

// Specialised comparisons. A filter is evaluated for nearly every event of
// a replay, and most filters compare one common field with one value. The
// general evaluators (compile.go) extract a field.Value through the
// field's getter, then loop over the operands with a switch on the
// operator; here a comparison becomes a closure for its operator that
// reads the field through its direct getter (field.Hot), and boolean
// fields, evt.dir and evt.type become table lookups decided at compile
// time. The general evaluators stay the definition: every closure gives
// what they give (TestFastMatchesGeneral).

// constPred is a predicate that does not look at the event.
func constPred(v bool) predicate {
	if v {
		return func(*inspect.Event) bool { return true }
	}
	return func(*inspect.Event) bool { return false }
}

// notFailed is evt.failed=false.
func notFailed(e *inspect.Event) bool { return !field.EvtFailed(e) }

// isEnter is evt.dir=>.
func isEnter(e *inspect.Event) bool { return !field.EvtIsExit(e) }

// flagPred is the comparison of a field that always has one of two
// values (evt.failed, evt.dir), given whether it holds for each: the
// getter itself, its negation or a constant.
func flagPred(onFalse, onTrue bool, get, negated predicate) predicate {
	switch {
	case onFalse == onTrue:
		return constPred(onTrue)
	case onTrue:
		return get
	}
	return negated
}

// stringPred compiles a comparison of a text field.
func stringPred(x *stringEval) predicate {
	switch x.f.Hot() {
	case field.HotEvtType:
		if t := typePred(x); t != nil {
			return t
		}
		return textPred(x, func(e *inspect.Event) (string, bool) { return field.EvtType(e), true })
	case field.HotEvtDir:
		return flagPred(x.match(">"), x.match("<"), field.EvtIsExit, isEnter)
	case field.HotFdName:
		return textPred(x, x.f.FdName)
	case field.HotProcName:
		return textPred(x, field.ProcName)
	case field.HotFdType:
		return textPred(x, field.FdType)
	}
	return x.eval
}

// textPred is the comparison x with the field's values given by its
// direct getter: one call per event, the common operators without the
// general match's switch.
func textPred(x *stringEval, get func(*inspect.Event) (string, bool)) predicate {
	val := x.val
	switch x.op {
	case OpEq:
		return func(e *inspect.Event) bool {
			s, ok := get(e)
			return ok && s == val
		}
	case OpContains:
		return func(e *inspect.Event) bool {
			s, ok := get(e)
			return ok && strings.Contains(s, val)
		}
	}
	return func(e *inspect.Event) bool {
		s, ok := get(e)
		return ok && x.match(s)
	}
}

// typePred compiles evt.type compared for equality with event names: a
// lookup by event type (and by syscall code for generic events) instead
// of a string comparison. It returns nil for the operators it does not
// cover.
func typePred(x *stringEval) predicate {
	names := x.set
	switch x.op {
	case OpEq, OpNe:
		names = map[string]struct{}{x.val: {}}
	case OpIn, OpIntersects:
	default:
		return nil
	}
	// The tables hold the result, != folded in.
	ne := x.op == OpNe
	t := &struct {
		types [event.NumTypes]bool
		scs   [event.NumSC]bool
	}{}
	for i := event.Type(0); i < event.NumTypes; i++ {
		if d := event.Info(i); d != nil {
			_, in := names[d.Name]
			t.types[i] = in != ne
		}
	}
	for i := range t.scs {
		_, in := names[event.SCName(uint16(i))]
		t.scs[i] = in != ne
	}
	return func(e *inspect.Event) bool {
		switch {
		case e.Info == nil:
			return t.scs[0] // "<unknown>"
		case e.Type == event.GenericE || e.Type == event.GenericX:
			code := uint64(0)
			if e.NumParams() > 0 {
				code, _ = e.ParamUint(0)
			}
			if code >= uint64(len(t.scs)) {
				code = 0
			}
			return t.scs[code]
		}
		return t.types[e.Type]
	}
}

// numPred compiles a comparison of a numeric or boolean field.
func numPred(x *numEval) predicate {
	f := x.f
	h := f.Hot()
	switch x.kind {
	case field.KindBool:
		if h == field.HotEvtFailed {
			return flagPred(x.matchUint(0), x.matchUint(1), field.EvtFailed, notFailed)
		}
		if len(x.u) == 1 {
			return uintPred(f, x.op, x.u[0])
		}
	case field.KindUint:
		if len(x.u) == 1 {
			return uintPred(f, x.op, x.u[0])
		}
	case field.KindInt:
		if len(x.i) == 1 {
			return intPred(h, f, x.op, x.i[0])
		}
		return func(e *inspect.Event) bool {
			v, ok := hotInt(h, f, e)
			return ok && x.matchInt(v)
		}
	}
	return x.eval
}

// hotInt is the value of an integer field, through its direct getter when
// it has one.
func hotInt(h field.Hot, f *field.Field, e *inspect.Event) (int64, bool) {
	switch h {
	case field.HotEvtRawres:
		return field.EvtRawres(e)
	case field.HotProcPID:
		return field.ProcPID(e)
	}
	v, ok := f.Extract(e)
	if !ok {
		return 0, false
	}
	return v.Int, true
}

// intPred compiles a comparison of an integer field with one value.
func intPred(h field.Hot, f *field.Field, op Op, w int64) predicate {
	switch op {
	case OpEq, OpIn, OpIntersects:
		return func(e *inspect.Event) bool {
			v, ok := hotInt(h, f, e)
			return ok && v == w
		}
	case OpNe:
		return func(e *inspect.Event) bool {
			v, ok := hotInt(h, f, e)
			return ok && v != w
		}
	case OpLt:
		return func(e *inspect.Event) bool {
			v, ok := hotInt(h, f, e)
			return ok && v < w
		}
	case OpGt:
		return func(e *inspect.Event) bool {
			v, ok := hotInt(h, f, e)
			return ok && v > w
		}
	}
	return func(e *inspect.Event) bool {
		v, ok := hotInt(h, f, e)
		return ok && cmpOrdered(op, v, w)
	}
}

// uintPred compiles a comparison of an unsigned or boolean field with one
// value.
func uintPred(f *field.Field, op Op, w uint64) predicate {
	switch op {
	case OpEq, OpIn, OpIntersects:
		return func(e *inspect.Event) bool {
			v, ok := f.Extract(e)
			return ok && v.Uint == w
		}
	case OpNe:
		return func(e *inspect.Event) bool {
			v, ok := f.Extract(e)
			return ok && v.Uint != w
		}
	}
	return func(e *inspect.Event) bool {
		v, ok := f.Extract(e)
		return ok && cmpOrdered(op, v.Uint, w)
	}
}

func (x *numEval) matchUint(v uint64) bool {
	for _, w := range x.u {
		if cmpOrdered(x.op, v, w) {
			return true
		}
	}
	return false
}
