package memory

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// FormatResults writes search results as numbered lines for people and
// models: "1. [id 42 · agent · 2025-01-02 · score 0.91] text". Texts longer
// than maxChars characters are cut with "…" (maxChars <= 0: no cut); line
// breaks inside a text are kept, indented.
func FormatResults(w io.Writer, rs []Result, maxChars int) {
	for i, r := range rs {
		fmt.Fprintf(w, "%d. [id %d · %s · %s · score %.2f] %s\n",
			i+1, r.ID, r.Source, r.Updated.Format("2006-01-02"), r.Score, indent(cut(r.Text, maxChars)))
	}
}

// FormatMemories writes memories one per entry: "42 [agent · 2025-01-02]
// text", with the same cutting as FormatResults.
func FormatMemories(w io.Writer, ms []Memory, maxChars int) {
	for _, m := range ms {
		fmt.Fprintf(w, "%d [%s · %s] %s\n", m.ID, m.Source, m.Updated.Format("2006-01-02"), indent(cut(m.Text, maxChars)))
	}
}

// cut shortens s to maxChars characters plus "…".
func cut(s string, maxChars int) string {
	if maxChars <= 0 || utf8.RuneCountInString(s) <= maxChars {
		return s
	}
	return string([]rune(s)[:maxChars]) + "…"
}

// indent indents the continuation lines of a multi-line text.
func indent(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n   ")
}
