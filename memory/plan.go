package memory

import (
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/count"
	"github.com/bulkhead-dev/bulkhead/memory/internal/textindex"
)

// QueryPlan is what a query searches for after query expansion: the
// languages it was read in, its content words and their full-text terms.
type QueryPlan struct {
	Languages []Language `json:"languages"`         // detected, best first
	Words     int        `json:"words"`             // words of the query, stopwords included (punctuation is none)
	Keywords  []string   `json:"keywords"`          // content words, in query order; empty for a query of stopwords only
	Terms     []string   `json:"terms"`             // FTS5 query terms, OR'ed: quoted strings, "*" marking a prefix
	Dropped   []string   `json:"dropped,omitempty"` // keywords not searched: beyond Limits.MaxQueryTerms terms
}

// PlanQuery returns the query expansion Search applies to query under the
// store's limits, without searching, so that callers can tell a user why a
// query found nothing (no content words) or what a long query left out.
func (s *Store) PlanQuery(query string) QueryPlan {
	e := textindex.Expand(query, s.opts.Limits.MaxQueryTerms)
	p := QueryPlan{Languages: e.Languages, Words: e.Words, Keywords: e.Keywords, Dropped: e.Dropped}
	for _, t := range e.Terms {
		p.Terms = append(p.Terms, ftsTerm(t))
	}
	return p
}

// Notes returns what a person or a model should know about the plan, as
// sentences: that the query had no content words, or which keywords a long
// query left out. Nil when there is nothing to say.
func (p QueryPlan) Notes() []string {
	var out []string
	switch {
	case len(p.Keywords) > 0:
	case p.Words == 0:
		out = append(out, "The query has no words (only spaces or punctuation), so the keyword search looked for nothing.")
	default:
		out = append(out, "The query has only common words (stopwords), so the keyword search looked for nothing; use the names and terms the memory would contain.")
	}
	if len(p.Dropped) > 0 {
		out = append(out, fmt.Sprintf("The query is too long: %s not searched (%s).", count.Noun(len(p.Dropped), "word was", "words were"), strings.Join(p.Dropped, ", ")))
	}
	return out
}
