package memory

import "github.com/bulkhead-dev/bulkhead/memory/internal/textindex"

// DefaultMMRLambda is the default trade-off of the diversity stage.
const DefaultMMRLambda = 0.7

// mmr is the diversity stage, Maximal Marginal Relevance (Carbonell and
// Goldstein, "The use of MMR, diversity-based reranking for reordering
// documents and producing summaries", SIGIR 1998): from cands, sorted by
// score, best first, it picks k, each time the candidate maximising
//
//	λ·rel(c) − (1−λ)·max over picked p of sim(c, p)
//
// # Notes
//
//   - rel is the score divided by the best score, so both terms lie on
//     [0, 1]; sim is the cosine similarity of the two memories' vectors when
//     both have one, else the Jaccard similarity of their words (see
//     similarity).
//   - λ = 1 keeps the score order; a smaller λ favours memories unlike those
//     already picked.
//   - Each picked candidate's mmr field holds its objective.
func mmr(cands []*candidate, k int, lambda float64) []*candidate {
	if len(cands) == 0 || k <= 0 {
		return nil
	}
	best := cands[0].score
	rel := func(c *candidate) float64 {
		if best <= 0 {
			return 0
		}
		return c.score / best
	}
	if lambda >= 1 {
		out := cands[:min(k, len(cands))]
		for _, c := range out {
			c.mmr = rel(c)
		}
		return out
	}
	left := append([]*candidate(nil), cands...)
	maxSim := make([]float64, len(left)) // to the picked set, per remaining candidate
	var out []*candidate
	for len(out) < k && len(left) > 0 {
		pick, pickVal := 0, 0.0
		for i, c := range left {
			v := lambda*rel(c) - (1-lambda)*maxSim[i]
			if i == 0 || v > pickVal {
				pick, pickVal = i, v
			}
		}
		p := left[pick]
		p.mmr = pickVal
		out = append(out, p)
		left = append(left[:pick], left[pick+1:]...)
		maxSim = append(maxSim[:pick], maxSim[pick+1:]...)
		for i, c := range left {
			maxSim[i] = max(maxSim[i], similarity(c, p))
		}
	}
	return out
}

// similarity returns the cosine similarity of a's and b's vectors when both
// have one, else the Jaccard similarity of their token sets, computed on
// first use.
func similarity(a, b *candidate) float64 {
	if a.vec != nil && b.vec != nil && len(a.vec) == len(b.vec) {
		return float64(dot(a.vec, b.vec))
	}
	for _, c := range []*candidate{a, b} {
		if c.tokens == nil {
			c.tokens = tokenSet(c.mem.Text)
		}
	}
	if len(a.tokens) == 0 || len(b.tokens) == 0 {
		return 0
	}
	inter := 0
	for t := range a.tokens {
		if b.tokens[t] {
			inter++
		}
	}
	return float64(inter) / float64(len(a.tokens)+len(b.tokens)-inter)
}

// maxTokenText bounds the text whose tokens feed the Jaccard similarity.
const maxTokenText = 64 << 10

// tokenSet returns the surface forms of the words of text's first
// maxTokenText bytes (see textindex.SurfaceForms): stemming, which
// near-duplicates do not need, would cost more than the rest of the
// diversity stage.
func tokenSet(text string) map[string]bool {
	if len(text) > maxTokenText {
		text = text[:maxTokenText]
	}
	return textindex.SurfaceForms(text)
}
