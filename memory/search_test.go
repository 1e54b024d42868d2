package memory

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSearchConversationalQuery is the example, on the default
// keyword-only path: a question matches a fact phrased differently.
func TestSearchConversationalQuery(t *testing.T) {
	s := openTest(t, Options{})
	ids := storeTexts(t, s,
		"Project uses React and TypeScript",
		"The team meets on Mondays",
		"Deployments go out on Thursdays",
		"The staging database is PostgreSQL",
		"What do we do when the build fails? We ask in the dev channel.", // function words only
	)
	rs, err := s.Search(context.Background(), "what framework do we use?", SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 || rs[0].ID != ids[0] {
		t.Fatalf("results %+v, want the React memory first", rs)
	}
	r := rs[0]
	if r.Stages.BM25 <= 0 || r.Stages.Keyword != 1 || r.Stages.KeywordRank != 1 || r.Stages.Vector != 0 ||
		r.Stages.VectorRank != 0 || r.Stages.Fused != 1 || r.Stages.Decay <= 0.99 || r.Score != r.Stages.Fused*r.Stages.Decay {
		t.Errorf("stage scores %+v", r.Stages)
	}
}

func TestSearchLimits(t *testing.T) {
	s := openTest(t, Options{Limits: Limits{MaxResults: 7}})
	ctx := context.Background()
	var texts []string
	for i := range 30 {
		texts = append(texts, fmt.Sprintf("note %d about the quarterly report", i))
	}
	storeTexts(t, s, texts...)
	tests := []struct {
		query   string
		o       SearchOptions
		wantErr bool
		wantN   int
	}{
		{query: "", wantErr: true},
		{query: "  \n", wantErr: true},
		{query: "bad \xff", wantErr: true},
		{query: strings.Repeat("é", DefaultMaxQueryChars+1), wantErr: true},
		{query: strings.Repeat("é", DefaultMaxQueryChars), wantN: 0},
		{query: "quarterly report", wantN: 7}, // default 10, capped at the limit 7
		{query: "quarterly report", o: SearchOptions{MaxResults: 3}, wantN: 3},
		{query: "quarterly report", o: SearchOptions{MinScore: 2}, wantN: 0},
	}
	for _, tt := range tests {
		rs, err := s.Search(ctx, tt.query, tt.o)
		if tt.wantErr {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Search(%.20q) = %v, want ErrInvalid", tt.query, err)
			}
			continue
		}
		if err != nil || len(rs) != tt.wantN {
			t.Errorf("Search(%.20q, %+v) = %d results, %v; want %d", tt.query, tt.o, len(rs), err, tt.wantN)
		}
	}
}

func TestSearchOptionsResolve(t *testing.T) {
	l := Limits{}.withDefaults()
	o := SearchOptions{}.resolve(SearchOptions{}, l)
	if o.MaxResults != DefaultSearchResults || o.Fusion != FusionWeighted || o.KeywordWeight != DefaultKeywordWeight ||
		o.VectorWeight != DefaultVectorWeight || o.RRFConstant != DefaultRRFConstant || o.HalfLife != DefaultHalfLife ||
		o.MMRLambda != DefaultMMRLambda || o.Candidates != 40 {
		t.Errorf("defaults: %+v", o)
	}
	store := SearchOptions{MaxResults: 3, Fusion: FusionRRF, HalfLife: -1, MMRLambda: 0.5}
	o = SearchOptions{}.resolve(store, l)
	if o.MaxResults != 3 || o.Fusion != FusionRRF || o.HalfLife != -1 || o.MMRLambda != 0.5 || o.Candidates != 20 {
		t.Errorf("store defaults: %+v", o)
	}
	o = SearchOptions{MaxResults: 5000, Fusion: FusionWeighted}.resolve(store, l)
	if o.MaxResults != DefaultMaxResults || o.Fusion != FusionWeighted {
		t.Errorf("limits: %+v", o)
	}
}

// TestSearchOptionsInvalid: Search refuses options out of range with
// ErrInvalid naming the field and value, and Open the same in
// Options.Search, or a negative limit or setting; zero values, a negative
// HalfLife and the edges of the ranges are accepted.
func TestSearchOptionsInvalid(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	storeTexts(t, s, "the quarterly report")
	nan, inf := math.NaN(), math.Inf(1)
	const wantCount = "a number >= 0 (0 for the default)"
	bad := []struct {
		o    SearchOptions
		want string
	}{
		{SearchOptions{MaxResults: -3}, "MaxResults -3: want " + wantCount},
		{SearchOptions{MinScore: nan}, "MinScore NaN: want a number"},
		{SearchOptions{Fusion: "bogus"}, `Fusion "bogus": want "weighted" or "rrf" ("" for the default)`},
		{SearchOptions{Fusion: Fusion(strings.Repeat("x", 100))}, `Fusion "` + strings.Repeat("x", 64) + `…": want`},
		{SearchOptions{KeywordWeight: -1}, "KeywordWeight -1: want a finite number >= 0 (0 for the default)"},
		{SearchOptions{KeywordWeight: nan}, "KeywordWeight NaN: want a finite"},
		{SearchOptions{VectorWeight: inf}, "VectorWeight +Inf: want a finite"},
		{SearchOptions{VectorWeight: -inf}, "VectorWeight -Inf: want a finite"},
		{SearchOptions{RRFConstant: -60}, "RRFConstant -60: want a finite"},
		{SearchOptions{RRFConstant: nan}, "RRFConstant NaN: want a finite"},
		{SearchOptions{RRFConstant: inf}, "RRFConstant +Inf: want a finite"},
		{SearchOptions{MMRLambda: 1.5}, "MMRLambda 1.5: want a number in [0, 1] (0 for the default)"},
		{SearchOptions{MMRLambda: -0.5}, "MMRLambda -0.5: want a number in [0, 1]"},
		{SearchOptions{MMRLambda: nan}, "MMRLambda NaN: want a number in [0, 1]"},
		{SearchOptions{Candidates: -1}, "Candidates -1: want " + wantCount},
	}
	for _, tt := range bad {
		if _, err := s.Search(ctx, "quarterly report", tt.o); !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "invalid memory input: SearchOptions."+tt.want) {
			t.Errorf("Search(%+v) = %v\nwant SearchOptions.%s", tt.o, err, tt.want)
		}
		st, err := Open(filepath.Join(t.TempDir(), "memory.db"), Options{Search: tt.o})
		if err == nil {
			st.Close()
		}
		if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "invalid memory input: Options.Search."+tt.want) {
			t.Errorf("Open(Search %+v) = %v\nwant Options.Search.%s", tt.o, err, tt.want)
		}
	}
	for _, o := range []SearchOptions{
		{},
		{HalfLife: -1, MinScore: -inf, Fusion: FusionRRF, RRFConstant: 0.5, MMRLambda: 1, KeywordWeight: 0.1, VectorWeight: 5},
		{MinScore: inf, Fusion: FusionWeighted, MMRLambda: 0.01, MaxResults: 1000, Candidates: 1},
	} {
		if _, err := s.Search(ctx, "quarterly report", o); err != nil {
			t.Errorf("Search(%+v): %v", o, err)
		}
	}

	for _, tt := range []struct {
		o    Options
		want string
	}{
		{Options{Limits: Limits{MaxResults: -3}}, "Options.Limits.MaxResults -3: want " + wantCount},
		{Options{Limits: Limits{MaxFileBytes: -1}}, "Options.Limits.MaxFileBytes -1: want " + wantCount},
		{Options{Limits: Limits{MaxFiles: -1}}, "Options.Limits.MaxFiles -1: want " + wantCount},
		{Options{MaxConns: -1}, "Options.MaxConns -1: want " + wantCount},
		{Options{BusyTimeout: -time.Second}, "Options.BusyTimeout -1s: want a duration >= 0 (0 for the default)"},
	} {
		st, err := Open(filepath.Join(t.TempDir(), "memory.db"), tt.o)
		if err == nil {
			st.Close()
		}
		if !errors.Is(err, ErrInvalid) || err.Error() != "invalid memory input: "+tt.want {
			t.Errorf("Open(%+v) = %v\nwant %s", tt.o, err, tt.want)
		}
	}
}

// TestSearchDiversity stores near-duplicates: MMR puts a different memory
// second, λ = 1 keeps the duplicates together.
func TestSearchDiversity(t *testing.T) {
	s := openTest(t, Options{})
	ids := storeTexts(t, s,
		"deploy the billing service on tuesday after the review",
		"deploy the billing service on tuesday after review",
		"deploy the search cluster first",
	)
	rs, err := s.Search(context.Background(), "deploy billing service tuesday", SearchOptions{MMRLambda: 0.3})
	if err != nil || len(rs) != 3 {
		t.Fatal(len(rs), err)
	}
	if rs[1].ID != ids[2] {
		t.Errorf("MMR order %d %d %d, want the search-cluster memory %d second", rs[0].ID, rs[1].ID, rs[2].ID, ids[2])
	}
	rs, _ = s.Search(context.Background(), "deploy billing service tuesday", SearchOptions{MMRLambda: 1})
	if rs[2].ID != ids[2] {
		t.Errorf("λ=1 order %d %d %d, want the search-cluster memory last", rs[0].ID, rs[1].ID, rs[2].ID)
	}
}
