package memory

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestVectorSetPutRemove(t *testing.T) {
	s := newVectorSet(3)
	s.put(1, []float32{1, 0, 0})
	s.put(2, []float32{0, 1, 0})
	s.put(3, []float32{0, 0, 1})
	s.put(2, []float32{0, -1, 0}) // replace
	s.remove(1)                   // slot 0 gets memory 3
	s.remove(42)                  // absent: no-op
	if len(s.ids) != 2 || len(s.vecs) != 6 || len(s.codes) != 2 {
		t.Fatalf("sizes %d %d %d", len(s.ids), len(s.vecs), len(s.codes))
	}
	if v := s.vector(3); !slices.Equal(v, []float32{0, 0, 1}) {
		t.Errorf("vector(3) = %v", v)
	}
	if v := s.vector(2); !slices.Equal(v, []float32{0, -1, 0}) {
		t.Errorf("vector(2) = %v", v)
	}
	if s.vector(1) != nil {
		t.Error("removed vector still there")
	}
	hits := s.search([]float32{0, 0, 1}, 5, 100)
	if len(hits) != 2 || hits[0].id != 3 || hits[0].cos != 1 || hits[1].cos != 0 {
		t.Errorf("search = %+v", hits)
	}
	if s.search([]float32{1, 0}, 5, 100) != nil {
		t.Error("query of another dimension compared")
	}
}

func TestDot(t *testing.T) {
	for n := range 11 {
		a, b := make([]float32, n), make([]float32, n)
		want := 0.0
		for i := range n {
			a[i], b[i] = float32(i+1), float32(2*i-3)
			want += float64(a[i]) * float64(b[i])
		}
		if got := dot(a, b); math.Abs(float64(got)-want) > 1e-4 {
			t.Errorf("dot len %d = %v, want %v", n, got, want)
		}
	}
}

func TestSignCode(t *testing.T) {
	v := make([]float32, 70)
	v[0], v[5], v[64], v[69] = 1, -1, 0.5, 2
	code := make([]uint64, 2)
	signCode(v, make([]float32, 70), code)
	if code[0] != 1 || code[1] != 1|1<<5 {
		t.Errorf("code = %b %b", code[0], code[1])
	}
	mean := make([]float32, 70)
	mean[0], mean[64] = 2, 0.1
	signCode(v, mean, code)
	if code[0] != 0 || code[1] != 1|1<<5 {
		t.Errorf("centred code = %b %b", code[0], code[1])
	}
}

// clustered returns n unit vectors around k random centres, and q more
// around the same centres as queries: the structure real embeddings have,
// unlike uniform noise. bias is added to every centre, like the common
// direction real embedding models produce.
func clustered(r *rand.Rand, n, q, k, dims int, spread float64, bias ...float64) (vecs, queries [][]float32) {
	common := make([]float64, dims)
	if len(bias) > 0 {
		for j := range common {
			common[j] = bias[0] * r.NormFloat64()
		}
	}
	centres := make([][]float64, k)
	for i := range centres {
		centres[i] = make([]float64, dims)
		for j := range dims {
			centres[i][j] = r.NormFloat64() + common[j]
		}
	}
	out := make([][]float32, n+q)
	for i := range out {
		c := centres[r.IntN(k)]
		v := make([]float32, dims)
		for j := range dims {
			v[j] = float32(c[j] + spread*r.NormFloat64())
		}
		out[i] = unit(v)
	}
	return out[:n], out[n:]
}

// TestPrefilterRecall compares the binary prefilter with the exhaustive
// scan on clustered data whose vectors share a strong common direction (the
// 10th neighbour's cosine is about 0.8, but only about 0.35 once centred):
// the top 10 must mostly agree.
func TestPrefilterRecall(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vecs, queries := clustered(r, 20000, 50, 200, 384, 1.5, 2)
	s := newVectorSet(384)
	for i, v := range vecs {
		s.put(int64(i+1), v)
	}
	found, total := 0, 0
	for _, q := range queries {
		exact := s.search(q, 10, len(vecs))
		approx := s.search(q, 10, 0)
		ids := map[int64]bool{}
		for _, h := range approx {
			ids[h.id] = true
		}
		for _, h := range exact {
			total++
			if ids[h.id] {
				found++
			}
		}
	}
	recall := float64(found) / float64(total)
	t.Logf("prefilter recall@10 = %.3f", recall)
	if recall < 0.9 {
		t.Fatalf("prefilter recall@10 = %.3f, want >= 0.9", recall)
	}
}

func TestPrefilterCount(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	s := newVectorSet(64)
	vecs, queries := clustered(r, 1000, 1, 5, 64, 1)
	for i, v := range vecs {
		s.put(int64(i), v)
	}
	q := queries[0]
	for _, want := range []int{1, 10, 200, 999, 1000} {
		if got := len(s.prefilter(q, want)); got != want {
			t.Errorf("prefilter(%d) returned %d slots", want, got)
		}
	}
}
