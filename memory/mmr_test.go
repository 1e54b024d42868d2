package memory

import "testing"

func mmrCandidates() []*candidate {
	return []*candidate{
		{id: 1, score: 1.0, tokens: tokenSet("deploy the api on tuesday")},
		{id: 2, score: 0.99, tokens: tokenSet("deploy the api on tuesday")}, // near-duplicate of 1
		{id: 3, score: 0.5, tokens: tokenSet("database backups run nightly")},
	}
}

func TestMMR(t *testing.T) {
	ids := func(cs []*candidate) []int64 {
		var out []int64
		for _, c := range cs {
			out = append(out, c.id)
		}
		return out
	}
	if got := ids(mmr(mmrCandidates(), 2, 1)); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("λ=1 picked %v, want score order [1 2]", got)
	}
	// λ=0.5: candidate 2 scores 0.5·0.99 − 0.5·1 < 0, candidate 3 0.5·0.5 − 0.
	if got := ids(mmr(mmrCandidates(), 2, 0.5)); len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Errorf("λ=0.5 picked %v, want [1 3]", got)
	}
	if got := mmr(mmrCandidates(), 10, 0.5); len(got) != 3 {
		t.Errorf("k beyond candidates: %d picked", len(got))
	}
	picked := mmr(mmrCandidates(), 2, 0.5)
	if picked[0].mmr != 0.5 || picked[1].mmr != 0.25 {
		t.Errorf("objectives %v %v, want 0.5 0.25", picked[0].mmr, picked[1].mmr)
	}
	if mmr(nil, 3, 0.5) != nil {
		t.Error("no candidates, no picks")
	}
}

func TestSimilarity(t *testing.T) {
	a := &candidate{vec: []float32{1, 0}, tokens: tokenSet("a b c")}
	b := &candidate{vec: []float32{0.6, 0.8}, tokens: tokenSet("a b d")}
	if got := similarity(a, b); got < 0.5999 || got > 0.6001 {
		t.Errorf("cosine similarity %v, want 0.6", got)
	}
	b.vec = nil
	if got := similarity(a, b); got != 0.5 { // {a b} of {a b c d}
		t.Errorf("Jaccard similarity %v, want 0.5", got)
	}
}
