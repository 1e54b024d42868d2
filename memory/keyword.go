package memory

import (
	"context"
	"fmt"
	"sort"
)

// Keyword stage: SQLite FTS5 full-text search ranked by its built-in BM25
// (https://sqlite.org/fts5.html#the_bm25_function; k1 = 1.2, b = 0.75;
// Robertson and Zaragoza, "The Probabilistic Relevance Framework: BM25 and
// Beyond", 2009). The index uses the unicode61 tokenizer with
// remove_diacritics 2 under the porter stemmer, fed the output of indexText
// (CJK bigrams, normalised Arabic).

// keywordHit is one keyword-stage result.
type keywordHit struct {
	id   int64
	bm25 float64 // BM25 score, higher is better (FTS5's bm25() negated)
}

// keywordSearch returns the k memories with the best BM25 score for terms
// (OR'ed), best first.
//
// At most budget matching rows are scored. When the query matches more, the
// rows each term matches are counted (capped at budget+1, a cheap walk of
// the term's doclist), the terms matching most rows are dropped (their
// inverse document frequency, hence their share of BM25, is smallest) until
// the rest fit, and the query is scored again; if even the rarest term
// matches more, its newest budget rows are scored. pruned reports that this
// happened. Counting first would save the second scoring of such queries,
// but costs every query the counts, and most queries fit.
func keywordSearch(ctx context.Context, st *stmts, terms []term, k, budget int) (hits []keywordHit, pruned bool, err error) {
	hits, err = scoreBM25(ctx, st, terms, budget)
	if err != nil || len(hits) < budget {
		return topKeyword(hits, k), false, err
	}
	type termDF struct {
		t  term
		df int
	}
	dfs := make([]termDF, len(terms))
	for i, t := range terms {
		var n int
		if err := st.countMatches.QueryRowContext(ctx, ftsQuery([]term{t}), budget+1).Scan(&n); err != nil {
			return nil, false, fmt.Errorf("keyword search: %w", err)
		}
		dfs[i] = termDF{t, n}
	}
	sort.SliceStable(dfs, func(i, j int) bool { return dfs[i].df < dfs[j].df })
	kept := []term{dfs[0].t}
	total := dfs[0].df
	for _, d := range dfs[1:] {
		if total+d.df > budget {
			break
		}
		kept = append(kept, d.t)
		total += d.df
	}
	if len(kept) == len(terms) {
		return topKeyword(hits, k), true, nil // one term, or counts at the cap
	}
	hits, err = scoreBM25(ctx, st, kept, budget)
	return topKeyword(hits, k), true, err
}

// scoreBM25 scores the newest limit rows matching any of terms.
func scoreBM25(ctx context.Context, st *stmts, terms []term, limit int) ([]keywordHit, error) {
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
