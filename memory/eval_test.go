package memory

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/bulkhead-dev/bulkhead/memory/internal/textindex"
)

// corpusDoc and corpusQuery are the lines of testdata/memory/corpus.jsonl
// and queries.jsonl.
type corpusDoc struct {
	ID   string `json:"id"`
	Lang string `json:"lang"`
	Text string `json:"text"`
}

type corpusQuery struct {
	Lang     string   `json:"lang"`
	Set      string   `json:"set"` // "direct" (shares words with the answer) or "paraphrase"
	Query    string   `json:"query"`
	Relevant []string `json:"relevant"`
}

func readJSONL[T any](t testing.TB, name string) []T {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "memory", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, v)
	}
	return out
}

// loadCorpus stores the labelled corpus and returns the corpus id of each
// memory id.
func loadCorpus(t testing.TB, s *Store) (map[int64]string, []corpusQuery) {
	t.Helper()
	docs := readJSONL[corpusDoc](t, "corpus.jsonl")
	ms := make([]NewMemory, len(docs))
	for i, d := range docs {
		ms[i] = NewMemory{Text: d.Text}
	}
	r, err := s.StoreBatch(context.Background(), ms)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]string{}
	for i, m := range r.Memories {
		byID[m.ID] = docs[i].ID
	}
	return byID, readJSONL[corpusQuery](t, "queries.jsonl")
}

// retrievalMetrics holds recall@5 and MRR (over the first 10 results).
type retrievalMetrics struct {
	queries int
	recall5 float64
	mrr     float64
}

func (m retrievalMetrics) String() string {
	return fmt.Sprintf("queries %3d  recall@5 %.3f  MRR %.3f", m.queries, m.recall5, m.mrr)
}

// evaluate runs every query with opts and returns the metrics per language
// and overall ("all").
func evaluate(t testing.TB, s *Store, byID map[int64]string, qs []corpusQuery, opts SearchOptions) map[string]retrievalMetrics {
	t.Helper()
	opts.MaxResults = 10
	sums := map[string]*retrievalMetrics{}
	add := func(k string, r5, rr float64) {
		if sums[k] == nil {
			sums[k] = &retrievalMetrics{}
		}
		sums[k].queries++
		sums[k].recall5 += r5
		sums[k].mrr += rr
	}
	for _, q := range qs {
		rs, err := s.Search(context.Background(), q.Query, opts)
		if err != nil {
			t.Fatal(err)
		}
		found, rr := 0, 0.0
		var got []string
		for i, r := range rs {
			id := byID[r.ID]
			got = append(got, id)
			if slices.Contains(q.Relevant, id) {
				if i < 5 {
					found++
				}
				if rr == 0 {
					rr = 1 / float64(i+1)
				}
			}
		}
		r5 := float64(found) / float64(len(q.Relevant))
		if testing.Verbose() && r5 < 1 {
			t.Logf("miss %s %q want %v got %v (keywords %v)", q.Lang, q.Query, q.Relevant, got[:min(5, len(got))], textindex.Expand(q.Query, DefaultMaxQueryTerms).Keywords)
		}
		add(q.Lang, r5, rr)
		add(q.Set, r5, rr)
		add("all", r5, rr)
	}
	out := map[string]retrievalMetrics{}
	for k, m := range sums {
		out[k] = retrievalMetrics{queries: m.queries, recall5: m.recall5 / float64(m.queries), mrr: m.mrr / float64(m.queries)}
	}
	return out
}

func logMetrics(t testing.TB, name string, ms map[string]retrievalMetrics) {
	keys := make([]string, 0, len(ms))
	for k := range ms {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%s %-3s %v", name, k, ms[k])
	}
}

// checkFloors fails the test when a metric falls below its floor. The
// floors sit a little under the measured values (see docs/benchmarks.md), so
// a regression in any stage shows.
func checkFloors(t *testing.T, ms map[string]retrievalMetrics, recall, mrr map[string]float64) {
	t.Helper()
	for k, floor := range recall {
		if ms[k].recall5 < floor {
			t.Errorf("%s: recall@5 %.3f below %.2f", k, ms[k].recall5, floor)
		}
	}
	for k, floor := range mrr {
		if ms[k].mrr < floor {
			t.Errorf("%s: MRR %.3f below %.2f", k, ms[k].mrr, floor)
		}
	}
}

// TestCorpusKeywordOnly is the end-to-end check of the default,
// keyword-only pipeline on the labelled corpus: 355 facts in seven
// languages, 204 queries ("direct" ones share a word with their answer,
// "paraphrase" ones mostly do not).
func TestCorpusKeywordOnly(t *testing.T) {
	s := openTest(t, Options{})
	byID, qs := loadCorpus(t, s)
	if len(byID) < 350 || len(qs) < 200 {
		t.Fatalf("corpus of %d memories and %d queries", len(byID), len(qs))
	}
	ms := evaluate(t, s, byID, qs, SearchOptions{})
	logMetrics(t, "keyword-only", ms)
	checkFloors(t, ms,
		map[string]float64{"all": 0.95, "direct": 0.98, "paraphrase": 0.85, "en": 0.88, "es": 0.93, "pt": 0.93, "zh": 0.95, "ja": 0.95, "ko": 0.93, "ar": 0.95},
		map[string]float64{"all": 0.91, "direct": 0.96, "paraphrase": 0.74})
}

// TestCorpusHybrid runs the corpus through the vector path too, with the
// deterministic loopback embedder (character trigrams, so it adds partial
// word matches rather than meaning).
func TestCorpusHybrid(t *testing.T) {
	es := newEmbedServer(t, 384)
	s := openTest(t, Options{Embedder: es.embedder(t, "hash-384"), DisableBackfill: true})
	byID, qs := loadCorpus(t, s)
	weighted := evaluate(t, s, byID, qs, SearchOptions{})
	logMetrics(t, "hybrid-weighted", weighted)
	checkFloors(t, weighted, map[string]float64{"all": 0.94}, map[string]float64{"all": 0.9})
	rrf := evaluate(t, s, byID, qs, SearchOptions{Fusion: FusionRRF})
	logMetrics(t, "hybrid-rrf", rrf)
	checkFloors(t, rrf, map[string]float64{"all": 0.94}, map[string]float64{"all": 0.9})
}
