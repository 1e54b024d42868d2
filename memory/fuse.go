package memory

import "sort"

// Fusion selects how keyword and vector results are merged.
type Fusion string

// The fusion methods.
const (
	// FusionWeighted adds the normalised stage scores with weights:
	//
	//	fused = (wk·keyword + wv·vector) / (wk + wv)
	//
	// where keyword is the BM25 score divided by the best BM25 score of the
	// query (so the best keyword hit has 1, and scores keep their ratios),
	// and vector is the cosine similarity clipped at 0 (embeddings of unrelated
	// text score near 0, not -1). A memory missing from a stage scores 0 there.
	// When the vector stage did not run, fused is the keyword score alone.
	FusionWeighted Fusion = "weighted"
	// FusionRRF is reciprocal rank fusion (Cormack, Clarke and Büttcher,
	// "Reciprocal Rank Fusion outperforms Condorcet and individual rank
	// learning methods", SIGIR 2009): the sum over stages of
	// 1/(k + rank), divided by its largest possible value, n/(k + 1) for n
	// stages, so that it lies in [0, 1]. Scores are ignored, only ranks
	// count.
	FusionRRF Fusion = "rrf"
)

// candidate is a memory found by at least one stage, with the scores of
// every stage of the pipeline.
type candidate struct {
	id          int64
	bm25        float64
	keyword     float64 // normalised keyword score
	keywordRank int     // 1-based; 0 when not a keyword hit
	vector      float64 // cosine similarity
	vectorRank  int     // 1-based; 0 when not a vector hit
	fused       float64
	decay       float64 // temporal decay multiplier
	score       float64 // fused · decay
	mmr         float64 // MMR objective when selected

	mem    Memory
	vec    []float32       // for MMR similarity; nil without
	tokens map[string]bool // for MMR similarity without vectors; see similarity
}

// fuse merges the stages' hits (each best first) into candidates sorted by
// fused score, best first (ties: newer id first). vectorRan says whether the
// vector stage took part, even if it found nothing.
func fuse(kw []keywordHit, vec []vectorHit, o SearchOptions, vectorRan bool) []*candidate {
	byID := map[int64]*candidate{}
	get := func(id int64) *candidate {
		c := byID[id]
		if c == nil {
			c = &candidate{id: id}
			byID[id] = c
		}
		return c
	}
	best := 0.0
	for _, h := range kw {
		best = max(best, h.bm25)
	}
	for i, h := range kw {
		c := get(h.id)
		c.bm25, c.keywordRank = h.bm25, i+1
		if best > 0 {
			c.keyword = h.bm25 / best
		}
	}
	for i, h := range vec {
		c := get(h.id)
		c.vector, c.vectorRank = h.cos, i+1
	}
	stages := 1.0
	if vectorRan {
		stages = 2
	}
	out := make([]*candidate, 0, len(byID))
	for _, c := range byID {
		switch {
		case o.Fusion == FusionRRF:
			k := o.RRFConstant
			if c.keywordRank > 0 {
				c.fused += 1 / (k + float64(c.keywordRank))
			}
			if c.vectorRank > 0 {
				c.fused += 1 / (k + float64(c.vectorRank))
			}
			c.fused /= stages / (k + 1)
		case vectorRan:
			c.fused = (o.KeywordWeight*c.keyword + o.VectorWeight*max(c.vector, 0)) / (o.KeywordWeight + o.VectorWeight)
		default:
			c.fused = c.keyword
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].fused != out[j].fused {
			return out[i].fused > out[j].fused
		}
		return out[i].id > out[j].id
	})
	return out
}
