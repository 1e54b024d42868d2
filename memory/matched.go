package memory

import (
	"context"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/memory/internal/textindex"
)

// maxMatchedText is the longest text whose matched keywords are found by
// analysing it; a longer one asks the full-text index. Analysis costs about
// 0.2 s per MiB (measured on the 2-vCPU build machine), a statement per
// keyword some tens of microseconds whatever the memory's size.
const maxMatchedText = 64 << 10

// matchedKeywords returns the keywords of q that memory m contains, which
// tells a caller how much of the query a result answers: the keyword
// score, relative to the query's best hit, cannot. A text of at most
// maxMatchedText bytes is analysed (see textindex.Query.Matched); for a
// longer one each keyword's terms are matched against m's row of the
// full-text index.
func (s *Store) matchedKeywords(ctx context.Context, q textindex.Query, m Memory) ([]string, error) {
	if len(m.Text) <= maxMatchedText {
		return q.Matched(m.Text), nil
	}
	var out []string
	for _, k := range q.Searched {
		var n int
		if err := s.st.matchesRow.QueryRowContext(ctx, ftsQuery(k.Terms), m.ID).Scan(&n); err != nil {
			return nil, fmt.Errorf("match keywords of memory %d: %w", m.ID, err)
		}
		if n > 0 {
			out = append(out, k.Keyword)
		}
	}
	return out, nil
}
