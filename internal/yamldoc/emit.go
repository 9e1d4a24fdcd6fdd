package yamldoc

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sieproject/sie/internal/doc"
)

// maxImplicitKey keeps keys under the 1024-character limit both parsers put
// on implicit keys; longer keys are written with the explicit "? " form.
const maxImplicitKey = 1000

// Emit writes m as block-style YAML (§6.4) that Parse, PyYAML and any YAML
// 1.2 parser all read back as m.
func Emit(m *doc.Map) []byte {
	return EmitValue(m)
}

// EmitValue writes any document value as a YAML document.
func EmitValue(v any) []byte {
	var e emitter
	switch t := v.(type) {
	case *doc.Map:
		if t.Len() > 0 {
			e.mapping(t, 0, false)
			return []byte(e.String())
		}
	case []any:
		if len(t) > 0 {
			e.sequence(t, 0, false)
			return []byte(e.String())
		}
	}
	e.WriteString(inline(v))
	e.WriteByte('\n')
	return []byte(e.String())
}

type emitter struct{ strings.Builder }

func (e *emitter) indent(n int) {
	for range n {
		e.WriteByte(' ')
	}
}

// mapping writes the entries at column indent. With inlineFirst the cursor
// already sits there (after "- "), so the first entry gets no indentation.
func (e *emitter) mapping(m *doc.Map, indent int, inlineFirst bool) {
	for i, en := range m.Entries() {
		if i > 0 || !inlineFirst {
			e.indent(indent)
		}
		key := formatString(en.Key)
		if utf8.RuneCountInString(key) > maxImplicitKey {
			e.WriteString("? ")
			e.WriteString(key)
			e.WriteByte('\n')
			e.indent(indent)
			e.WriteByte(':')
			e.value(en.Value, indent+2, indent+2)
			continue
		}
		e.WriteString(key)
		e.WriteByte(':')
		e.value(en.Value, indent+2, indent)
	}
}

// value writes what follows "key:". Nested mappings go at mapIndent;
// sequences at seqIndent, which for an implicit key is the key's own column
// (the `key:\n- item` form).
func (e *emitter) value(v any, mapIndent, seqIndent int) {
	switch t := v.(type) {
	case *doc.Map:
		if t.Len() > 0 {
			e.WriteByte('\n')
			e.mapping(t, mapIndent, false)
			return
		}
	case []any:
		if len(t) > 0 {
			e.WriteByte('\n')
			e.sequence(t, seqIndent, false)
			return
		}
	}
	e.WriteByte(' ')
	e.WriteString(inline(v))
	e.WriteByte('\n')
}

func (e *emitter) sequence(s []any, indent int, inlineFirst bool) {
	for i, item := range s {
		if i > 0 || !inlineFirst {
			e.indent(indent)
		}
		e.WriteString("- ")
		switch t := item.(type) {
		case *doc.Map:
			if t.Len() > 0 {
				e.mapping(t, indent+2, true)
				continue
			}
		case []any:
			if len(t) > 0 {
				e.sequence(t, indent+2, true)
				continue
			}
		}
		e.WriteString(inline(item))
		e.WriteByte('\n')
	}
}

// inline is the one-line form of a scalar or an empty collection.
func inline(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		if t {
			return "true"
		}
		return "false"
	case string:
		return formatString(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case int:
		return strconv.Itoa(t)
	case int32:
		return strconv.FormatInt(int64(t), 10)
	case uint64:
		return strconv.FormatUint(t, 10)
	case uint32:
		return strconv.FormatUint(uint64(t), 10)
	case float64:
		return formatFloat(t)
	case float32:
		return formatFloat(float64(t))
	case *doc.Map:
		return "{}"
	case []any:
		return "[]"
	}
	// Only a programming error gets here: documents hold the types above.
	panic(fmt.Sprintf("yamldoc: cannot emit %T", v))
}
