package runtime

import "fmt"

// DefaultToolResultBytes caps the text one host-served tool call (bash,
// memory, custom tools) returns to the model. A longer result keeps its
// first three quarters and its last quarter of the budget, joined by a
// notice: the end of a command's output (its errors, its exit code) is
// often what matters. Transcripts stay far below their per-message limit.
const DefaultToolResultBytes = 64 << 10

// capResult shortens text to at most limit bytes plus a notice, keeping
// its head and tail on UTF-8 boundaries.
func capResult(text string, limit int) string {
	if len(text) <= limit {
		return text
	}
	head, tail := limit*3/4, limit/4
	h, t := text[:head], text[len(text)-tail:]
	for len(h) > 0 && !startsRune(text[len(h)]) {
		h = h[:len(h)-1]
	}
	for len(t) > 0 && !startsRune(t[0]) {
		t = t[1:]
	}
	omitted := len(text) - len(h) - len(t)
	return h + fmt.Sprintf("\n[... %d bytes omitted: the result was %d bytes, over the %d-byte limit; narrow the command, e.g. with head, tail or grep ...]\n", omitted, len(text), limit) + t
}

// startsRune reports whether b can begin a UTF-8 encoded rune.
func startsRune(b byte) bool { return b&0xC0 != 0x80 }
