package memory

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/bulkhead-dev/bulkhead/internal/clip"
)

// FormatResults writes search results as numbered lines for people and
// models: "1. [id 42 · agent · 2025-01-02 · tags ops, deploy · score 0.91
// · matched 2/3: deploy, friday] text", the tags part left out for a
// memory without tags, the matched part telling which of the query's
// searched keywords the memory contains (left out when none was searched).
// Texts longer than maxChars characters are cut with "…" (maxChars <= 0: no
// cut); line breaks inside a text are kept, indented.
func FormatResults(w io.Writer, rs []Result, maxChars int) {
	for i, r := range rs {
		matched := ""
		if r.Stages.Keywords > 0 {
			matched = fmt.Sprintf(" · matched %d/%d", len(r.Stages.Matched), r.Stages.Keywords)
			if len(r.Stages.Matched) > 0 {
				matched += ": " + strings.Join(r.Stages.Matched, ", ")
			}
		}
		fmt.Fprintf(w, "%d. [id %d · %s · %s%s · score %.2f%s] %s\n",
			i+1, r.ID, printable(r.Source), r.Updated.Format("2006-01-02"), formatTags(r.Tags), r.Score, printable(matched), shown(r.Text, maxChars))
	}
}

// FormatMemories writes memories one per entry: "42 [agent · 2025-01-02 ·
// tags ops] text", with the same cutting and tags as FormatResults.
func FormatMemories(w io.Writer, ms []Memory, maxChars int) {
	for _, m := range ms {
		fmt.Fprintf(w, "%d [%s · %s%s] %s\n", m.ID, printable(m.Source), m.Updated.Format("2006-01-02"), formatTags(m.Tags), shown(m.Text, maxChars))
	}
}

// formatTags is the tags part of a formatted memory: " · tags a, b", or
// nothing without tags.
func formatTags(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return " · tags " + printable(strings.Join(tags, ", "))
}

// printable escapes what a terminal would act on instead of show: control
// characters other than newline and tab (escape sequences could retitle or
// clear the user's terminal: memory text can come from a model), and
// bidirectional overrides. They become Go escapes such as \x1b or \u202e.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// shown is a memory's text as the Format functions write it: cut to
// maxChars characters plus "…" (maxChars <= 0: whole), terminal controls
// escaped (see printable), continuation lines indented.
func shown(text string, maxChars int) string {
	if maxChars > 0 {
		text = clip.Runes(text, maxChars)
	}
	return indent(printable(text))
}

// indent indents the continuation lines of a multi-line text.
func indent(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n   ")
}
