package memory

import (
	"container/heap"
	"math/bits"
	"sort"
)

// Vector stage: cosine similarity between the query's embedding and the
// memories' embeddings of the same model (vectors are stored at unit length,
// so cosine is the dot product).
//
// Up to ExactVectorLimit vectors are compared exhaustively. Above it, each
// vector's sign bits serve as a binary code (the sign-random-projection
// sketch of Charikar, "Similarity estimation techniques from rounding
// algorithms", STOC 2002, here with the coordinate axes as hyperplanes, as
// in binary embedding quantisation): the Hamming distance between codes
// estimates the angle, picks rescoreFactor·k candidates, and only those are
// scored exactly. A 384-dimension code is six machine words, so the scan
// reads 48 bytes per memory instead of 1536. Vectors are centred (the set's
// mean subtracted) before taking signs: embedding models share a common
// direction that would otherwise fix many bits for every vector (Mu and
// Viswanath, "All-but-the-top", ICLR 2018).

// Candidate counts of the binary prefilter.
const (
	rescoreFactor = 10
	minRescore    = 200
)

// vectorHit is one vector-stage result.
type vectorHit struct {
	id  int64
	cos float64 // cosine similarity in [-1, 1]
}

// vectorSet holds the unit vectors of one model, contiguous for scanning.
type vectorSet struct {
	dims  int
	words int       // uint64 words per binary code
	ids   []int64   // memory id per slot
	vecs  []float32 // slot i at [i*dims, (i+1)*dims)
	codes []uint64  // slot i at [i*words, (i+1)*words)
	slot  map[int64]int
	mean  []float32 // centre of the codes; see recentre
	// centred is the number of vectors when mean was last computed; the
	// codes are recomputed whenever the set has doubled since.
	centred int
}

// minRecentre is the set size below which the mean is recomputed on every
// doubling without waiting.
const minRecentre = 256

func newVectorSet(dims int) *vectorSet {
	return &vectorSet{dims: dims, words: (dims + 63) / 64, slot: map[int64]int{}, mean: make([]float32, dims)}
}

// put adds or replaces the vector of memory id; v must have s.dims entries.
func (s *vectorSet) put(id int64, v []float32) {
	i, ok := s.slot[id]
	if !ok {
		i = len(s.ids)
		s.ids = append(s.ids, id)
		s.vecs = append(s.vecs, make([]float32, s.dims)...)
		s.codes = append(s.codes, make([]uint64, s.words)...)
		s.slot[id] = i
	}
	copy(s.vecs[i*s.dims:(i+1)*s.dims], v)
	signCode(v, s.mean, s.codes[i*s.words:(i+1)*s.words])
	if len(s.ids) >= 2*max(s.centred, minRecentre/2) {
		s.recentre()
	}
}

// recentre sets mean to the mean of the vectors and recomputes every code.
// Called on each doubling of the set, it costs amortised O(dims) per put.
func (s *vectorSet) recentre() {
	sum := make([]float64, s.dims)
	for i := range s.ids {
		for j, x := range s.vecs[i*s.dims : (i+1)*s.dims] {
			sum[j] += float64(x)
		}
	}
	for j := range sum {
		s.mean[j] = float32(sum[j] / float64(len(s.ids)))
	}
	for i := range s.ids {
		signCode(s.vecs[i*s.dims:(i+1)*s.dims], s.mean, s.codes[i*s.words:(i+1)*s.words])
	}
	s.centred = len(s.ids)
}

// remove drops memory id's vector, moving the last slot into its place.
func (s *vectorSet) remove(id int64) {
	i, ok := s.slot[id]
	if !ok {
		return
	}
	last := len(s.ids) - 1
	if i != last {
		s.ids[i] = s.ids[last]
		copy(s.vecs[i*s.dims:(i+1)*s.dims], s.vecs[last*s.dims:])
		copy(s.codes[i*s.words:(i+1)*s.words], s.codes[last*s.words:])
		s.slot[s.ids[i]] = i
	}
	s.ids = s.ids[:last]
	s.vecs = s.vecs[:last*s.dims]
	s.codes = s.codes[:last*s.words]
	delete(s.slot, id)
}

// vector returns a copy of memory id's vector, or nil.
func (s *vectorSet) vector(id int64) []float32 {
	i, ok := s.slot[id]
	if !ok {
		return nil
	}
	return append([]float32(nil), s.vecs[i*s.dims:(i+1)*s.dims]...)
}

// search returns the k vectors most similar to the unit vector q, best
// first, scanning exhaustively when there are at most exactLimit vectors and
// through the binary prefilter otherwise.
func (s *vectorSet) search(q []float32, k, exactLimit int) []vectorHit {
	n := len(s.ids)
	if n == 0 || k <= 0 || len(q) != s.dims {
		return nil
	}
	var slots []int
	if n > exactLimit {
		slots = s.prefilter(q, max(rescoreFactor*k, minRescore))
	}
	h := &hitHeap{}
	score := func(i int) {
		c := float64(dot(q, s.vecs[i*s.dims:(i+1)*s.dims]))
		if h.Len() < k {
			heap.Push(h, vectorHit{id: s.ids[i], cos: c})
		} else if c > (*h)[0].cos {
			(*h)[0] = vectorHit{id: s.ids[i], cos: c}
			heap.Fix(h, 0)
		}
	}
	if slots == nil {
		for i := range n {
			score(i)
		}
	} else {
		for _, i := range slots {
			score(i)
		}
	}
	out := []vectorHit(*h)
	sort.Slice(out, func(a, b int) bool {
		if out[a].cos != out[b].cos {
			return out[a].cos > out[b].cos
		}
		return out[a].id > out[b].id
	})
	return out
}

// prefilter returns the slots of the (about) r codes nearest to q's code in
// Hamming distance: a counting pass finds the distance threshold, a second
// pass collects the slots under it, then at the threshold until r.
func (s *vectorSet) prefilter(q []float32, r int) []int {
	qc := make([]uint64, s.words)
	signCode(q, s.mean, qc)
	n := len(s.ids)
	dist := make([]uint16, n)
	hist := make([]int, s.dims+1)
	for i := range n {
		c := s.codes[i*s.words : (i+1)*s.words]
		d := 0
		for w, x := range qc {
			d += bits.OnesCount64(x ^ c[w])
		}
		dist[i] = uint16(d)
		hist[d]++
	}
	threshold, below := 0, 0
	for threshold < len(hist) && below+hist[threshold] < r {
		below += hist[threshold]
		threshold++
	}
	atThreshold := r - below
	out := make([]int, 0, r)
	for i, d := range dist {
		switch {
		case int(d) < threshold:
			out = append(out, i)
		case int(d) == threshold && atThreshold > 0:
			out = append(out, i)
			atThreshold--
		}
	}
	return out
}

// signCode writes the sign bits of v − mean into code (bit j set when
// v[j] > mean[j]).
func signCode(v, mean []float32, code []uint64) {
	clear(code)
	for j, x := range v {
		if x > mean[j] {
			code[j/64] |= 1 << (j % 64)
		}
	}
}

// dot returns the dot product of a and b (len(b) >= len(a)), with four
// independent accumulators so the additions pipeline.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// hitHeap is a min-heap of hits by cosine (ties: smaller id first out), used
// to keep the k best.
type hitHeap []vectorHit

func (h hitHeap) Len() int { return len(h) }
func (h hitHeap) Less(i, j int) bool {
	if h[i].cos != h[j].cos {
		return h[i].cos < h[j].cos
	}
	return h[i].id < h[j].id
}
func (h hitHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *hitHeap) Push(x any)   { *h = append(*h, x.(vectorHit)) }
func (h *hitHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
