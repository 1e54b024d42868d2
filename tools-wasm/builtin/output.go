package builtin

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// sniffBytes is how much of a file's start is examined to tell text from
// binary, as git and grep do.
const sniffBytes = 8 << 10

// isBinary reports whether a file that starts with sample is binary: the
// sample holds a NUL byte, or more than a tenth of it is invalid UTF-8
// (a rune cut by the end of the sample does not count).
func isBinary(sample []byte) bool {
	if bytes.IndexByte(sample, 0) >= 0 {
		return true
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

// cutLine returns a line shortened to at most max bytes at a rune boundary,
// with a marker giving the full length when it was cut, and a trailing
// carriage return removed. line holds the first bytes of the line (at least
// max+utf8.UTFMax of them when there are that many) and full is its length.
func cutLine(line []byte, full, max int) string {
	if len(line) == full {
		line = bytes.TrimSuffix(line, []byte("\r"))
		full = len(line)
	}
	if full <= max {
		return string(line)
	}
	n := min(max, len(line))
	for n > 0 && n < len(line) && !utf8.RuneStart(line[n]) {
		n--
	}
	return fmt.Sprintf("%s… [line cut, %d bytes in all]", line[:n], full)
}

// output collects the lines of one result up to a byte budget.
type output struct {
	b    strings.Builder
	max  int
	full bool // a line was refused for lack of room
}

// line appends s and a newline if they fit in the budget; the first line is
// always accepted so that every call makes progress. It reports whether s
// was appended.
func (o *output) line(s string) bool {
	if o.b.Len() > 0 && o.b.Len()+len(s)+1 > o.max {
		o.full = true
		return false
	}
	o.b.WriteString(s)
	o.b.WriteByte('\n')
	return true
}

// text returns the collected lines followed by the notice, if any, on a line
// of its own.
func (o *output) text(notice string) string {
	s := strings.TrimSuffix(o.b.String(), "\n")
	if notice == "" {
		return s
	}
	if s == "" {
		return notice
	}
	return s + "\n\n" + notice
}

// count formats n with the singular or plural noun: "1 match", "3 matches".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
