package memory

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/bulkhead-dev/bulkhead/memory/internal/textindex"
)

// Keyword stage: SQLite FTS5 full-text search ranked by its built-in BM25
// (https://sqlite.org/fts5.html#the_bm25_function; k1 = 1.2, b = 0.75;
// Robertson and Zaragoza, "The Probabilistic Relevance Framework: BM25 and
// Beyond", 2009). The index uses the unicode61 tokenizer with
// remove_diacritics 2, fed the output of textindex.Index (stems, CJK
// bigrams, normalised Arabic).

// keywordHit is one keyword-stage result.
type keywordHit struct {
	id   int64
	bm25 float64 // BM25 score, higher is better (FTS5's bm25() negated)
}

// probeFactor sets when keywordSearch counts before scoring: when the
// store may hold more than probeFactor·budget memories. Counting costs a
// statement per term, which only pays off when many queries exceed the
// budget (measured: +0.5 ms of CPU per search at 10 000 memories, −1 to
// −2 ms at 100 000, with a budget of 1 000).
const probeFactor = 20

// keywordSearch returns the k memories with the best BM25 score for terms
// (OR'ed), best first, scoring at most budget matching rows; pruned reports
// that terms were dropped or rows left unscored.
//
// # Notes
//
//   - When a query of several terms matches more than budget rows, the terms
//     matching most rows are dropped (their inverse document frequency,
//     hence their share of BM25, is smallest) until the rest match at most
//     budget rows. Each term's rows are counted with a capped walk of its
//     doclist, several times cheaper per row than BM25.
//   - In a small store the query is scored first and counted only if it hit
//     the budget; in a large one (see probeFactor) counting comes first.
//   - If a single term still matches more, its newest budget rows are
//     scored.
func keywordSearch(ctx context.Context, st *stmts, terms []textindex.Term, k, budget int) (hits []keywordHit, pruned bool, err error) {
	var maxID int64
	if err := st.maxID.QueryRowContext(ctx).Scan(&maxID); err != nil {
		return nil, false, fmt.Errorf("keyword search: %w", err)
	}
	if maxID <= int64(probeFactor*budget) || len(terms) == 1 {
		hits, err = scoreBM25(ctx, st, terms, budget)
		if err != nil || len(hits) < budget || len(terms) == 1 {
			return topKeyword(hits, k), len(hits) >= budget, err
		}
	}
	type termDF struct {
		t  textindex.Term
		df int
	}
	dfs := make([]termDF, len(terms))
	total := 0
	for i, t := range terms {
		if err := st.countMatches.QueryRowContext(ctx, ftsQuery([]textindex.Term{t}), budget+1).Scan(&dfs[i].df); err != nil {
			return nil, false, fmt.Errorf("keyword search: %w", err)
		}
		dfs[i].t = t
		total += dfs[i].df
	}
	kept := terms
	if total > budget {
		pruned = true
		sort.SliceStable(dfs, func(i, j int) bool { return dfs[i].df < dfs[j].df })
		kept = []textindex.Term{dfs[0].t}
		sum := dfs[0].df
		for _, d := range dfs[1:] {
			if sum+d.df > budget {
				break
			}
			kept = append(kept, d.t)
			sum += d.df
		}
	}
	if hits == nil || len(kept) < len(terms) {
		hits, err = scoreBM25(ctx, st, kept, budget)
	}
	if len(hits) >= budget {
		pruned = true
	}
	return topKeyword(hits, k), pruned, err
}

// scoreBM25 scores the newest limit rows matching any of terms.
func scoreBM25(ctx context.Context, st *stmts, terms []textindex.Term, limit int) ([]keywordHit, error) {
	rows, err := st.scoreBM25.QueryContext(ctx, ftsQuery(terms), limit)
	if err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	defer rows.Close()
	var hits []keywordHit
	for rows.Next() {
		var h keywordHit
		if err := rows.Scan(&h.id, &h.bm25); err != nil {
			return nil, fmt.Errorf("keyword search: %w", err)
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	return hits, nil
}

// topKeyword sorts hits by score (newest first on ties) and keeps k.
func topKeyword(hits []keywordHit, k int) []keywordHit {
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].bm25 != hits[j].bm25 {
			return hits[i].bm25 > hits[j].bm25
		}
		return hits[i].id > hits[j].id
	})
	return hits[:min(k, len(hits))]
}

// ftsTerm renders t as an FTS5 query term
// (https://sqlite.org/fts5.html#full_text_query_syntax): a quoted string, so
// no query text is ever read as FTS5 syntax (a string of several words is a
// phrase), followed by "*" for a prefix term.
func ftsTerm(t textindex.Term) string {
	s := `"` + strings.ReplaceAll(t.Text, `"`, `""`) + `"`
	if t.Prefix {
		s += "*"
	}
	return s
}

// ftsQuery renders terms as one FTS5 query, joined by OR so that BM25 ranks
// documents by how many and how rare the terms they contain are.
func ftsQuery(terms []textindex.Term) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = ftsTerm(t)
	}
	return strings.Join(parts, " OR ")
}
