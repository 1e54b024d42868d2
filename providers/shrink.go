package providers

import (
	"fmt"
	"slices"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/clip"
)

// shrunkHeadRunes is how much of an elided tool result is kept.
const shrunkHeadRunes = 200

// ShrinkStats reports what ShrinkToolResults did.
type ShrinkStats struct {
	// Shrunk is the number of tool results elided.
	Shrunk int `json:"shrunk"`
	// TokensBefore and TokensAfter are EstimateTokens of the request.
	TokensBefore int `json:"tokens_before"`
	TokensAfter  int `json:"tokens_after"`
}

// ShrinkToolResults returns req with its oldest tool results cut to a short
// head and a note of what was elided, oldest first, until EstimateTokens
// is at most budget or only the keep latest results are left whole. It is
// pure: req is not modified. The result may still exceed budget (then
// compaction is the next step, see PrepareCompaction).
//
// A shrunk result reads: the first 200 characters, then
// "… [N bytes of this tool result were elided to fit the context window;
// run the tool again if you need them]".
func ShrinkToolResults(req chat.Request, budget, keep int) (chat.Request, ShrinkStats) {
	st := ShrinkStats{TokensBefore: EstimateTokens(req)}
	st.TokensAfter = st.TokensBefore
	if st.TokensBefore <= budget {
		return req, st
	}
	type loc struct{ m, b int }
	var results []loc
	for i, m := range req.Messages {
		for j, b := range m.Content {
			if b.Type == chat.BlockToolResult {
				results = append(results, loc{i, j})
			}
		}
	}
	out := req
	out.Messages = slices.Clone(req.Messages)
	copied := map[int]bool{}
	total := st.TokensBefore
	for _, r := range results[:max(len(results)-keep, 0)] {
		if total <= budget {
			break
		}
		b := out.Messages[r.m].Content[r.b]
		short := elide(b.Text)
		if short == b.Text {
			continue
		}
		if !copied[r.m] {
			out.Messages[r.m].Content = slices.Clone(out.Messages[r.m].Content)
			copied[r.m] = true
		}
		total -= TextTokens(b.Text) - TextTokens(short)
		b.Text = short
		out.Messages[r.m].Content[r.b] = b
		st.Shrunk++
	}
	st.TokensAfter = EstimateTokens(out)
	return out, st
}

// elide cuts a tool result to its head and a note, or returns it whole
// when that would not make it shorter.
func elide(s string) string {
	head := clip.Runes(s, shrunkHeadRunes)
	if len(head) >= len(s) {
		return s
	}
	short := fmt.Sprintf("%s [%d bytes of this tool result were elided to fit the context window; run the tool again if you need them]",
		head, len(s)-len(head)+len(clip.Ellipsis))
	if len(short) >= len(s) {
		return s
	}
	return short
}
