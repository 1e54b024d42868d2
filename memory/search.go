package memory

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/internal/clip"
	"github.com/bulkhead-dev/bulkhead/memory/internal/textindex"
)

// Defaults of SearchOptions.
const (
	DefaultSearchResults = 10
	DefaultKeywordWeight = 0.3
	DefaultVectorWeight  = 0.7
	DefaultRRFConstant   = 60
)

// SearchOptions tunes one search. Zero fields take the Store's
// Options.Search value, and then the Default* value. Values outside the
// ranges given below are refused with ErrInvalid, by Search and, for
// Options.Search, by Open.
type SearchOptions struct {
	MaxResults    int     // results returned, >= 0 (default DefaultSearchResults, at most Limits.MaxResults)
	MinScore      float64 // results with a lower final score are dropped; not NaN
	Fusion        Fusion  // FusionWeighted (default) or FusionRRF
	KeywordWeight float64 // weight of the keyword score in FusionWeighted, finite and >= 0 (default DefaultKeywordWeight)
	VectorWeight  float64 // weight of the vector score in FusionWeighted, finite and >= 0 (default DefaultVectorWeight)
	RRFConstant   float64 // k of FusionRRF, finite and >= 0 (default DefaultRRFConstant)
	// HalfLife of temporal decay (default DefaultHalfLife); negative turns
	// decay off.
	HalfLife time.Duration
	// MMRLambda is λ of the diversity stage in [0, 1] (default, for 0,
	// DefaultMMRLambda); 1 keeps the score order.
	MMRLambda float64
	// Candidates is how many results each stage passes on, >= 0 (default
	// max(4·MaxResults, 20)).
	Candidates int
	// KeywordOnly skips the vector stage even when the Store has an
	// Embedder.
	KeywordOnly bool
	// Tag keeps memories with this tag among their Tags. Each stage
	// ranks only them: the keyword stage among the Limits.KeywordBudget
	// hits it scores, the vector stage among all of them, exactly. Empty:
	// all memories.
	Tag string
}

// validate returns an ErrInvalid error naming the first field of o, as
// name.Field, that is out of the ranges given at SearchOptions.
func (o SearchOptions) validate(name string) error {
	const finite = "a finite number >= 0 (0 for the default)"
	isFinite := func(f float64) bool { return 0 <= f && f < math.Inf(1) } // false for NaN, -Inf and negatives
	return checkFields(name, []fieldCheck{
		{"MaxResults", o.MaxResults, o.MaxResults >= 0, nonNegative},
		{"MinScore", o.MinScore, !math.IsNaN(o.MinScore), "a number"},
		{"Fusion", strconv.Quote(clip.Runes(string(o.Fusion), maxEcho)), o.Fusion == "" || o.Fusion == FusionWeighted || o.Fusion == FusionRRF,
			fmt.Sprintf("%q or %q (\"\" for the default)", FusionWeighted, FusionRRF)},
		{"KeywordWeight", o.KeywordWeight, isFinite(o.KeywordWeight), finite},
		{"VectorWeight", o.VectorWeight, isFinite(o.VectorWeight), finite},
		{"RRFConstant", o.RRFConstant, isFinite(o.RRFConstant), finite},
		{"MMRLambda", o.MMRLambda, 0 <= o.MMRLambda && o.MMRLambda <= 1, "a number in [0, 1] (0 for the default)"},
		{"Candidates", o.Candidates, o.Candidates >= 0, nonNegative},
	})
}

// resolve fills zero fields of o, which validate accepts, from the store
// defaults d, then the package defaults, and applies the limits.
func (o SearchOptions) resolve(d SearchOptions, l Limits) SearchOptions {
	o.MaxResults = min(cmp.Or(o.MaxResults, d.MaxResults, DefaultSearchResults), l.MaxResults)
	o.MinScore = cmp.Or(o.MinScore, d.MinScore)
	o.Fusion = cmp.Or(o.Fusion, d.Fusion, FusionWeighted)
	o.KeywordWeight = cmp.Or(o.KeywordWeight, d.KeywordWeight, DefaultKeywordWeight)
	o.VectorWeight = cmp.Or(o.VectorWeight, d.VectorWeight, DefaultVectorWeight)
	o.RRFConstant = cmp.Or(o.RRFConstant, d.RRFConstant, DefaultRRFConstant)
	o.HalfLife = cmp.Or(o.HalfLife, d.HalfLife, DefaultHalfLife)
	o.MMRLambda = cmp.Or(o.MMRLambda, d.MMRLambda, DefaultMMRLambda)
	o.Candidates = max(cmp.Or(o.Candidates, d.Candidates), 4*o.MaxResults, 20)
	o.KeywordOnly = o.KeywordOnly || d.KeywordOnly
	return o
}

// Result is one search result: the memory, its final score and the score of
// every stage, so a caller can see why it ranked where it did.
type Result struct {
	Memory
	Score  float64     `json:"score"`  // final score: fused · decay
	Stages StageScores `json:"stages"` // the score of every stage
}

// StageScores are a result's per-stage scores (see the package
// documentation, "Search pipeline").
type StageScores struct {
	BM25        float64 `json:"bm25"`                   // FTS5 BM25, higher is better; 0 when not a keyword hit
	Keyword     float64 `json:"keyword"`                // BM25 / best BM25 of the query, in [0, 1]
	KeywordRank int     `json:"keyword_rank,omitempty"` // 1-based rank in the keyword stage
	Vector      float64 `json:"vector"`                 // cosine similarity; 0 when not a vector hit
	VectorRank  int     `json:"vector_rank,omitempty"`  // 1-based rank in the vector stage
	Fused       float64 `json:"fused"`                  // after fusion, in [0, 1]
	Decay       float64 `json:"decay"`                  // temporal decay multiplier in (0, 1]
	MMR         float64 `json:"mmr"`                    // MMR objective when picked
	// Matched lists the query's keywords the memory contains (see
	// QueryPlan.Keywords), and Keywords counts those searched: "matched 1
	// of 3" tells a weak hit from a strong one, which the relative keyword
	// score cannot (the best hit of any query has Keyword 1).
	Matched  []string `json:"matched,omitempty"`
	Keywords int      `json:"keywords"`
}

// Search finds the memories that best answer query. Errors: ErrInvalid for
// an empty query, one longer than Limits.MaxQueryChars, or opts out of the
// ranges given at SearchOptions; database errors.
//
// # Notes
//
//   - The pipeline (see the package documentation): query expansion, keyword
//     search (BM25) and, with an Embedder, vector search run concurrently;
//     fusion; temporal decay; MMR diversity; MinScore.
//   - A failing embedding provider degrades the search to keyword-only with
//     a logged warning.
func (s *Store) Search(ctx context.Context, query string, opts SearchOptions) (_ []Result, err error) {
	if err := s.begin(); err != nil {
		return nil, err
	}
	defer s.end(&err)
	if err := opts.validate("SearchOptions"); err != nil {
		return nil, err
	}
	o := opts.resolve(s.opts.Search, s.opts.Limits)
	switch {
	case blank(query):
		return nil, fmt.Errorf("%w: empty query (nothing but white space or invisible characters)", ErrInvalid)
	case !utf8.ValidString(query):
		return nil, fmt.Errorf("%w: query is not valid UTF-8", ErrInvalid)
	case utf8.RuneCountInString(query) > s.opts.Limits.MaxQueryChars:
		return nil, fmt.Errorf("%w: query of %d characters exceeds the limit of %d", ErrInvalid, utf8.RuneCountInString(query), s.opts.Limits.MaxQueryChars)
	}
	exp := textindex.Expand(query, s.opts.Limits.MaxQueryTerms)
	var tagged map[int64]bool // the memories with opts.Tag; nil without it
	if opts.Tag != "" {
		if tagged, err = s.taggedIDs(ctx, opts.Tag); err != nil || len(tagged) == 0 {
			return nil, err
		}
	}

	type vectorResult struct {
		hits  []vectorHit
		model string
		ran   bool
	}
	vecCh := make(chan vectorResult, 1)
	if s.opts.Embedder != nil && !o.KeywordOnly {
		go func() {
			hits, model, ran := s.vectorStage(ctx, query, o.Candidates, tagged)
			vecCh <- vectorResult{hits, model, ran}
		}()
	} else {
		vecCh <- vectorResult{}
	}
	var kw []keywordHit
	if len(exp.Terms) > 0 {
		k := o.Candidates
		if tagged != nil {
			k = s.opts.Limits.KeywordBudget // all it scores, to keep the tagged ones
		}
		kw, _, err = keywordSearch(ctx, s.st, exp.Terms, k, s.opts.Limits.KeywordBudget)
		if tagged != nil {
			kw = slices.DeleteFunc(kw, func(h keywordHit) bool { return !tagged[h.id] })
			kw = kw[:min(len(kw), o.Candidates)]
		}
	}
	vr := <-vecCh
	if err != nil {
		return nil, err
	}

	cands := fuse(kw, vr.hits, o, vr.ran)
	model := ""
	if vr.ran {
		model = vr.model
	}
	cands, err = s.attach(ctx, cands, model)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	kept := cands[:0]
	for _, c := range cands {
		c.decay = decayFactor(now.Sub(c.mem.Updated), o.HalfLife, c.mem.Evergreen)
		c.score = c.fused * c.decay
		if c.score >= o.MinScore && c.score > 0 {
			kept = append(kept, c)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].score > kept[j].score })
	picked := mmr(kept, o.MaxResults, o.MMRLambda)
	out := make([]Result, len(picked))
	for i, c := range picked {
		matched, err := s.matchedKeywords(ctx, exp, c.mem)
		if err != nil {
			return nil, err
		}
		out[i] = Result{Memory: c.mem, Score: c.score, Stages: StageScores{
			BM25: c.bm25, Keyword: c.keyword, KeywordRank: c.keywordRank,
			Vector: c.vector, VectorRank: c.vectorRank,
			Fused: c.fused, Decay: c.decay, MMR: c.mmr,
			Matched: matched, Keywords: len(exp.Searched),
		}}
	}
	return out, nil
}

// vectorStage embeds the query and returns the k nearest memories of the
// Embedder's model, among the tagged ones when tagged is not nil. ran is
// false when the stage could not run (provider or database failure,
// logged) or the model has no vectors yet.
func (s *Store) vectorStage(ctx context.Context, query string, k int, tagged map[int64]bool) (hits []vectorHit, model string, ran bool) {
	model = s.opts.Embedder.Model()
	if err := s.vec.sync(ctx, s.db, s.st.vectorBounds); err != nil {
		s.opts.Logger.Warn().Err(err).Msg("memory: vector index unavailable; keyword-only search")
		return nil, model, false
	}
	if s.vec.count(model) == 0 {
		return nil, model, false
	}
	q, err := s.embedQuery(ctx, query)
	if err != nil {
		s.opts.Logger.Warn().Err(err).Msg("memory: embedding provider failed; keyword-only search")
		return nil, model, false
	}
	if tagged != nil {
		return s.vec.searchAmong(model, q, k, tagged), model, true
	}
	return s.vec.search(model, q, k, s.opts.ExactVectorLimit), model, true
}

// attach loads the candidates' memories, dropping any deleted meanwhile,
// and, for the diversity stage, their vectors of model. model is set when
// the vector stage ran; the memories' models then come from the vector
// index it has just synced, sparing a join with the embeddings table.
func (s *Store) attach(ctx context.Context, cands []*candidate, model string) ([]*candidate, error) {
	if len(cands) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(cands))
	args := make([]any, len(cands))
	for i, c := range cands {
		ids[i], args[i] = c.id, c.id
	}
	cols, fromIndex := memoryColumns, model != ""
	if fromIndex {
		cols = `m.id, m.text, m.source, m.tags, m.evergreen, m.created_at, m.updated_at, '' FROM memories m`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+cols+` WHERE m.id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("load results: %w", err)
	}
	defer rows.Close()
	mems := map[int64]Memory{}
	for rows.Next() {
		m, err := scanMemory(rows)
		if err != nil {
			return nil, fmt.Errorf("load results: %w", err)
		}
		mems[m.ID] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load results: %w", err)
	}
	var vecs [][]float32
	if model != "" {
		vecs = s.vec.vectors(model, ids)
	}
	var models []string
	if fromIndex {
		models = s.vec.modelsOf(ids)
	}
	out := cands[:0]
	for i, c := range cands {
		m, ok := mems[c.id]
		if !ok {
			continue
		}
		if fromIndex {
			m.Model = models[i]
		}
		c.mem = m
		if vecs != nil {
			c.vec = vecs[i]
		}
		out = append(out, c)
	}
	return out, nil
}
