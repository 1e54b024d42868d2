package builtin

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// sniffBytes is how much of a file's start is examined to tell text from
// binary, as git and grep do.
const sniffBytes = 8 << 10

// isBinary reports whether a file that starts with sample is binary: the
// sample holds a NUL byte, or more than a tenth of it is invalid UTF-8
// (a rune cut by the end of the sample does not count). Valid UTF-8, the
// usual case, is recognised by utf8.Valid, which is much faster than
// decoding rune by rune.
func isBinary(sample []byte) bool {
	if bytes.IndexByte(sample, 0) >= 0 {
		return true
	}
	if utf8.Valid(sample) {
		return false
	}
	invalid := 0
	for i := 0; i < len(sample); {
		r, n := utf8.DecodeRune(sample[i:])
		if r == utf8.RuneError && n == 1 {
			if !utf8.FullRune(sample[i:]) {
				break
			}
			invalid++
		}
		i += n
	}
	return invalid*10 > len(sample)
}

// cutMarker starts the notice after a cut line.
const cutMarker = "… [line cut, "

// cutLine returns a line shortened to at most max bytes at a rune boundary,
// with a marker giving the full length when it was cut, and a trailing
// carriage return removed. line holds the first bytes of the line (at least
// max+utf8.UTFMax of them when there are that many) and full is its length.
func cutLine(line []byte, full, max int) string {
	return string(appendCut(nil, line, full, max))
}

// appendCut appends cutLine(line, full, max) to dst.
func appendCut(dst, line []byte, full, max int) []byte {
	if len(line) == full && full > 0 && line[full-1] == '\r' {
		line = line[:full-1]
		full--
	}
	if full <= max {
		return append(dst, line...)
	}
	n := min(max, len(line))
	for n > 0 && n < len(line) && !utf8.RuneStart(line[n]) {
		n--
	}
	dst = append(append(dst, line[:n]...), cutMarker...)
	return append(strconv.AppendInt(dst, int64(full), 10), " bytes in all]"...)
}

// output collects the lines of one result up to a byte budget.
type output struct {
	b    []byte
	max  int
	full bool // a line was refused for lack of room
}

// line appends s and a newline if they fit in the budget; the first line is
// always accepted so that every call makes progress. It reports whether s
// was appended.
func (o *output) line(s string) bool {
	start := len(o.b)
	o.b = append(o.b, s...)
	return o.end(start)
}

// numbered is line for a line of a file as read shows it: its number n,
// then the line cut as appendCut does.
func (o *output) numbered(n *lineNumber, line []byte, full, max int) bool {
	start := len(o.b)
	o.b = append(o.b, n.text...)
	if len(line) == full && full <= max && (full == 0 || line[full-1] != '\r') {
		o.b = append(o.b, line...) // the usual case, without a call
	} else {
		o.b = appendCut(o.b, line, full, max)
	}
	return o.end(start)
}

// end finishes the line that starts at start: it adds the newline if the
// line fits in the budget or is the first, and otherwise removes the line
// and marks the output full.
func (o *output) end(start int) bool {
	if start > 0 && len(o.b)+1 > o.max {
		o.b = o.b[:start]
		o.full = true
		return false
	}
	o.b = append(o.b, '\n')
	return true
}

// text returns the collected lines followed by the notice, if any, on a line
// of its own.
func (o *output) text(notice string) string {
	s := strings.TrimSuffix(string(o.b), "\n")
	if notice == "" {
		return s
	}
	if s == "" {
		return notice
	}
	return s + "\n\n" + notice
}

// lineNumber is a line number as read shows it, fmt's "%6d\t": the
// decimal number right-aligned in six columns (more when it has more
// digits), then a tab. It is kept as text and incremented in place, which
// inside the WebAssembly guest costs a small fraction of formatting each
// number.
type lineNumber struct {
	text []byte
}

// newLineNumber returns the line number n.
func newLineNumber(n int) *lineNumber {
	return &lineNumber{text: fmt.Appendf(nil, "%6d\t", n)}
}

// next adds one to the line number.
func (l *lineNumber) next() {
	for i := len(l.text) - 2; i >= 0; i-- {
		switch c := l.text[i]; {
		case c == ' ':
			l.text[i] = '1'
			return
		case c < '9':
			l.text[i] = c + 1
			return
		}
		l.text[i] = '0'
	}
	l.text = append([]byte{'1'}, l.text...) // 999999 becomes 1000000
}

// count formats n with the singular or plural noun: "1 match", "3 matches".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
