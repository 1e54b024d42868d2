package memory

import (
	"context"
	"math"
	"testing"
	"time"
)

func TestDecayFactor(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		age, halfLife time.Duration
		evergreen     bool
		want          float64
	}{
		{0, 30 * day, false, 1},
		{30 * day, 30 * day, false, 0.5},
		{60 * day, 30 * day, false, 0.25},
		{15 * day, 30 * day, false, math.Sqrt(0.5)},
		{60 * day, 30 * day, true, 1},
		{60 * day, -1, false, 1},
		{-day, 30 * day, false, 1},
	}
	for _, tt := range tests {
		if got := decayFactor(tt.age, tt.halfLife, tt.evergreen); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("decayFactor(%v, %v, %v) = %v, want %v", tt.age, tt.halfLife, tt.evergreen, got, tt.want)
		}
	}
}

// TestDecayInSearch stores the same fact twice, 60 days apart: with the
// default 30-day half-life the old one scores a quarter of the new one,
// unless it is evergreen or decay is off.
func TestDecayInSearch(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := now.Add(-60 * 24 * time.Hour)
	s := openTest(t, Options{Now: func() time.Time { return clock }})
	ctx := context.Background()
	old, err := s.Store(ctx, NewMemory{Text: "the release train leaves on Mondays"})
	if err != nil {
		t.Fatal(err)
	}
	green, err := s.Store(ctx, NewMemory{Text: "the release train leaves on Mondays", Evergreen: true})
	if err != nil {
		t.Fatal(err)
	}
	clock = now
	fresh, err := s.Store(ctx, NewMemory{Text: "the release train leaves on Mondays"})
	if err != nil {
		t.Fatal(err)
	}
	scores := func(o SearchOptions) map[int64]Result {
		o.MMRLambda = 1
		rs, err := s.Search(ctx, "release train", o)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]Result{}
		for _, r := range rs {
			out[r.ID] = r
		}
		return out
	}
	got := scores(SearchOptions{})
	if math.Abs(got[old.ID].Stages.Decay-0.25) > 1e-6 || got[green.ID].Stages.Decay != 1 || got[fresh.ID].Stages.Decay != 1 {
		t.Fatalf("decay old %v evergreen %v fresh %v", got[old.ID].Stages.Decay, got[green.ID].Stages.Decay, got[fresh.ID].Stages.Decay)
	}
	if math.Abs(got[old.ID].Score-got[fresh.ID].Score/4) > 1e-9 {
		t.Errorf("old score %v, want a quarter of %v", got[old.ID].Score, got[fresh.ID].Score)
	}
	off := scores(SearchOptions{HalfLife: -1})
	if off[old.ID].Score != off[fresh.ID].Score {
		t.Errorf("decay off: %v vs %v", off[old.ID].Score, off[fresh.ID].Score)
	}
}
