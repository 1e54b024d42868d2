package memory

import (
	"context"
	"fmt"
	"strings"
)

// maxMatchedText is the longest text whose matched keywords are found by
// analysing it; a longer one asks the full-text index. Analysis costs about
// 0.2 s per MiB (measured on the 2-vCPU build machine), a statement per
// keyword some tens of microseconds whatever the memory's size.
const maxMatchedText = 64 << 10

// matchedKeywords returns the keywords of e that memory m contains, which
// tells a caller how much of the query a result answers: the keyword
// score, relative to the query's best hit, cannot. A text of at most
// maxMatchedText bytes is analysed (see matchedInText); for a longer one
// each keyword's terms are matched against m's row of the full-text index.
func (s *Store) matchedKeywords(ctx context.Context, e expansion, m Memory) ([]string, error) {
	if len(m.Text) <= maxMatchedText {
		return matchedInText(e, m.Text), nil
	}
	var out []string
	for _, k := range e.searched {
		var n int
		if err := s.st.matchesRow.QueryRowContext(ctx, ftsQuery(k.terms), m.ID).Scan(&n); err != nil {
			return nil, fmt.Errorf("match keywords of memory %d: %w", m.ID, err)
		}
		if n > 0 {
			out = append(out, k.keyword)
		}
	}
	return out, nil
}

// matchedInText returns the keywords of e that text contains: those with
// a term found among the index forms of text (see indexText), compared
// folded as the unicode61 tokenizer does. A prefix term matches a form it
// starts; a phrase term (a Katakana word) matches when all its bigrams
// occur, an approximation that ignores their order.
func matchedInText(e expansion, text string) []string {
	forms := map[string]bool{}
	for _, f := range strings.Fields(indexText(text)) {
		forms[fold(f)] = true
	}
	var out []string
	for _, k := range e.searched {
		for _, t := range k.terms {
			if termOccurs(t, forms) {
				out = append(out, k.keyword)
				break
			}
		}
	}
	return out
}

// termOccurs reports whether t matches one of forms.
func termOccurs(t term, forms map[string]bool) bool {
	text := fold(t.text)
	if t.prefix {
		for f := range forms {
			if strings.HasPrefix(f, text) {
				return true
			}
		}
		return false
	}
	for _, part := range strings.Fields(text) {
		if !forms[part] {
			return false
		}
	}
	return true
}
