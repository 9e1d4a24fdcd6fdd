package yamldoc

import (
	"bytes"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// yaml.v3 silently drops the non-specific tag "!" and resolves the scalar as
// if it were plain, while PyYAML resolves even a quoted scalar tagged "!"
// implicitly ("! '5'" is 5 there). The node keeps no trace of the tag, so we
// look at the source at the node's start mark, which is where its first
// property (anchor or tag) begins.

// marks maps yaml.v3's 1-based (line, column in characters) marks to byte
// offsets. Lookups arrive mostly in document order, so it resumes from the
// previous lookup on the same line instead of rescanning it.
type marks struct {
	data              []byte
	lines             []int
	lastLine, lastCol int
	lastOff           int
}

var bom = []byte("\ufeff")

func newMarks(data []byte) *marks {
	start := 0
	if bytes.HasPrefix(data, bom) {
		start = len(bom) // yaml.v3 does not count the BOM as a column
	}
	m := &marks{data: data, lines: []int{start}}
	for i := start; i < len(data); {
		// The same line breaks as yaml.v3's scanner: CRLF, CR, LF, NEL, LS, PS.
		w := breakWidth(data, i)
		if w == 0 {
			i++
			continue
		}
		i += w
		m.lines = append(m.lines, i)
	}
	return m
}

func breakWidth(b []byte, i int) int {
	switch {
	case b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n':
		return 2
	case b[i] == '\r' || b[i] == '\n':
		return 1
	case b[i] == 0xC2 && i+1 < len(b) && b[i+1] == 0x85:
		return 2
	case b[i] == 0xE2 && i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xA8 || b[i+2] == 0xA9):
		return 3
	}
	return 0
}

// offset returns the byte offset of (line, col), or -1 when the mark falls
// outside the text.
func (m *marks) offset(line, col int) int {
	if line < 1 || line > len(m.lines) || col < 1 {
		return -1
	}
	off, c := m.lines[line-1], 1
	if line == m.lastLine && col >= m.lastCol {
		off, c = m.lastOff, m.lastCol
	}
	for c < col {
		if off >= len(m.data) || breakWidth(m.data, off) > 0 {
			return -1
		}
		_, w := utf8.DecodeRune(m.data[off:])
		off += w
		c++
	}
	m.lastLine, m.lastCol, m.lastOff = line, col, off
	return off
}

// hasNonSpecificTag reports whether the scalar carries the "!" tag. Only
// untagged, non-empty scalars are asked: a specific tag sets TaggedStyle, and
// an empty scalar's mark may belong to the next token.
func (m *marks) hasNonSpecificTag(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode || n.Style&yaml.TaggedStyle != 0 || n.Value == "" {
		return false
	}
	off := m.offset(n.Line, n.Column)
	if off < 0 || off >= len(m.data) {
		return false
	}
	if m.data[off] == '&' {
		off = m.skipAnchor(off)
	}
	return off < len(m.data) && m.data[off] == '!'
}

// skipAnchor skips "&name" and the separation after it (blanks, breaks,
// comments) and returns the offset of the next token.
func (m *marks) skipAnchor(off int) int {
	d := m.data
	for off < len(d) && !isSep(d[off]) && breakWidth(d, off) == 0 {
		off++
	}
	for off < len(d) {
		switch {
		case d[off] == ' ' || d[off] == '\t':
			off++
		case breakWidth(d, off) > 0:
			off += breakWidth(d, off)
		case d[off] == '#':
			for off < len(d) && breakWidth(d, off) == 0 {
				off++
			}
		default:
			return off
		}
	}
	return off
}

func isSep(c byte) bool {
	switch c {
	case ' ', '\t', ',', '[', ']', '{', '}':
		return true
	}
	return false
}
