package memory

import (
	"math"
	"testing"
)

func TestFuse(t *testing.T) {
	kw := []keywordHit{{id: 1, bm25: 10}, {id: 2, bm25: 5}}
	vec := []vectorHit{{id: 2, cos: 0.8}, {id: 3, cos: 0.5}, {id: 4, cos: -0.5}}
	weighted := SearchOptions{}.resolve(SearchOptions{}, Limits{}.withDefaults())
	rrf := SearchOptions{Fusion: FusionRRF}.resolve(SearchOptions{}, Limits{}.withDefaults())
	tests := []struct {
		name      string
		o         SearchOptions
		vectorRan bool
		want      map[int64]float64
		order     []int64
	}{
		{"weighted", weighted, true,
			map[int64]float64{1: 0.3, 2: 0.3*0.5 + 0.7*0.8, 3: 0.7 * 0.5, 4: 0},
			[]int64{2, 3, 1, 4}},
		{"keyword only", weighted, false,
			map[int64]float64{1: 1, 2: 0.5, 3: 0, 4: 0},
			[]int64{1, 2, 4, 3}},
		{"rrf", rrf, true,
			map[int64]float64{1: (1.0 / 61) / (2.0 / 61), 2: (1.0/62 + 1.0/61) / (2.0 / 61), 3: (1.0 / 62) / (2.0 / 61), 4: (1.0 / 63) / (2.0 / 61)},
			[]int64{2, 1, 3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fuse(kw, vec, tt.o, tt.vectorRan)
			if len(got) != 4 {
				t.Fatalf("%d candidates", len(got))
			}
			for i, c := range got {
				if math.Abs(c.fused-tt.want[c.id]) > 1e-9 {
					t.Errorf("memory %d fused %v, want %v", c.id, c.fused, tt.want[c.id])
				}
				if c.id != tt.order[i] {
					t.Errorf("position %d: memory %d, want %d", i, c.id, tt.order[i])
				}
			}
		})
	}
	c2 := fuse(kw, vec, weighted, true)[0]
	if c2.id != 2 || c2.keywordRank != 2 || c2.vectorRank != 1 || c2.bm25 != 5 || c2.keyword != 0.5 || c2.vector != 0.8 {
		t.Errorf("stage scores of memory 2: %+v", c2)
	}
}
