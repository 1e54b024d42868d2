package memory

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bulkhead-dev/bulkhead/memory/embedding"
)

// Benchmarks for docs/benchmarks.md:
//
//	go test ./memory -run '^$' -bench Search -benchtime 300x
//	go test ./memory -run '^$' -bench Insert -benchtime 20x
//	go test ./memory -run '^$' -bench Size -benchtime 1x
//
// The corpus is synthetic: sentences of 8 to 30 pronounceable words drawn
// from a 50 000-word vocabulary with a Zipf distribution (s = 1.07, the
// shape of word frequencies in English text), each memory about one of 1 000
// topics. Queries are 2 to 4 words from the same distribution, excluding the
// 100 commonest words (which query expansion would treat as stopwords). The
// in-process embedder gives each text the vector of its topic plus noise, at
// 384 dimensions, so search latency excludes the provider round trip.

const (
	benchVocab  = 50_000
	benchTopics = 1_000
	benchDims   = 384
)

var benchSyllables = strings.Fields("ka te mi no ru sa lo vi da pe zu ri mo ta ne go ba li fu ke")

// benchWord returns the pronounceable word of rank i.
func benchWord(i int) string {
	var b strings.Builder
	for {
		b.WriteString(benchSyllables[i%len(benchSyllables)])
		i /= len(benchSyllables)
		if i == 0 {
			return b.String()
		}
	}
}

type benchGen struct {
	r    *rand.Rand
	zipf *rand.Zipf
}

func newBenchGen(seed uint64) *benchGen {
	r := rand.New(rand.NewPCG(seed, 7))
	return &benchGen{r: r, zipf: rand.NewZipf(r, 1.07, 1, benchVocab-1)}
}

func (g *benchGen) sentence() string {
	n := 8 + g.r.IntN(23)
	words := make([]string, n)
	for i := range words {
		words[i] = benchWord(int(g.zipf.Uint64()))
	}
	return strings.Join(words, " ")
}

func (g *benchGen) query() string {
	n := 2 + g.r.IntN(3)
	var words []string
	for len(words) < n {
		if w := int(g.zipf.Uint64()); w >= 100 {
			words = append(words, benchWord(w))
		}
	}
	return strings.Join(words, " ")
}

// benchEmbedder embeds a text as its topic's centre plus noise, both
// derived from the text's hash.
type benchEmbedder struct{ centres [][]float32 }

func newBenchEmbedder() *benchEmbedder {
	r := rand.New(rand.NewPCG(11, 13))
	e := &benchEmbedder{centres: make([][]float32, benchTopics)}
	for i := range e.centres {
		c := make([]float32, benchDims)
		for j := range c {
			c[j] = float32(r.NormFloat64())
		}
		e.centres[i] = c
	}
	return e
}

func (e *benchEmbedder) Model() string { return "bench/topics@384" }
func (e *benchEmbedder) MaxBatch() int { return 1000 }
func (e *benchEmbedder) Embed(_ context.Context, texts []string, _ embedding.Kind) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		h := fnv.New64a()
		h.Write([]byte(t))
		r := rand.New(rand.NewPCG(h.Sum64(), 1))
		c := e.centres[r.IntN(benchTopics)]
		v := make([]float32, benchDims)
		for j := range v {
			v[j] = c[j] + float32(1.2*r.NormFloat64())
		}
		out[i] = v
	}
	return out, nil
}

// benchStore fills a store with n memories, in batches of 1000.
func benchStore(b *testing.B, dir string, n int, hybrid bool) *Store {
	b.Helper()
	opts := Options{DisableBackfill: true}
	if hybrid {
		opts.Embedder = newBenchEmbedder()
	}
	s, err := Open(filepath.Join(dir, "memory.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	g := newBenchGen(uint64(n))
	for done := 0; done < n; done += 1000 {
		ms := make([]NewMemory, min(1000, n-done))
		for i := range ms {
			ms[i] = NewMemory{Text: g.sentence()}
		}
		if _, err := s.StoreBatch(context.Background(), ms); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// dbSize checkpoints the WAL into the database and returns its size.
func dbSize(b *testing.B, s *Store) int64 {
	if _, err := s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	var total int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(s.Path() + suffix); err == nil {
			total += fi.Size()
		}
	}
	return total
}

func BenchmarkInsert(b *testing.B) {
	texts := make([]string, 20_000)
	g := newBenchGen(1)
	for i := range texts {
		texts[i] = g.sentence()
	}
	batch := func(i int) []NewMemory {
		ms := make([]NewMemory, 1000)
		for j := range ms {
			ms[j] = NewMemory{Text: texts[(i*1000+j)%len(texts)]}
		}
		return ms
	}
	b.Run("keyword-only/batch-1000", func(b *testing.B) {
		s := openBench(b, Options{})
		i := 0
		for b.Loop() {
			if _, err := s.StoreBatch(context.Background(), batch(i)); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(1000*i)/b.Elapsed().Seconds(), "memories/s")
	})
	b.Run("keyword-only/single", func(b *testing.B) {
		s := openBench(b, Options{})
		i := 0
		for b.Loop() {
			if _, err := s.Store(context.Background(), NewMemory{Text: texts[i%len(texts)]}); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "memories/s")
	})
	b.Run("cached-embeddings/batch-1000", func(b *testing.B) {
		s := openBench(b, Options{Embedder: newBenchEmbedder(), DisableBackfill: true, EmbedCacheEntries: len(texts)})
		for i := range len(texts) / 1000 { // fill the embedding cache
			if _, err := s.StoreBatch(context.Background(), batch(i)); err != nil {
				b.Fatal(err)
			}
		}
		i := 0
		for b.Loop() {
			r, err := s.StoreBatch(context.Background(), batch(i))
			if err != nil || r.Embeddings.Cached != 1000 {
				b.Fatal(r.Embeddings, err)
			}
			i++
		}
		b.ReportMetric(float64(1000*i)/b.Elapsed().Seconds(), "memories/s")
	})
}

func openBench(b *testing.B, opts Options) *Store {
	s, err := Open(filepath.Join(b.TempDir(), "memory.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkSearch reports search latency percentiles over 200 distinct
// queries, keyword-only and hybrid, at 10 000 and 100 000 memories, and the
// CPU time per search.
func BenchmarkSearch(b *testing.B) {
	queries := make([]string, 200)
	g := newBenchGen(99)
	for i := range queries {
		queries[i] = g.query()
	}
	for _, n := range []int{10_000, 100_000} {
		s := benchStore(b, b.TempDir(), n, true)
		b.Cleanup(func() { s.Close() })
		for _, mode := range []string{"keyword-only", "hybrid"} {
			b.Run(fmt.Sprintf("n=%d/%s", n, mode), func(b *testing.B) {
				opts := SearchOptions{KeywordOnly: mode == "keyword-only"}
				for _, q := range queries[:20] { // warm up: load vectors, fill caches
					s.Search(context.Background(), q, opts)
				}
				var lat []time.Duration
				i := 0
				cpu0 := processCPU()
				for b.Loop() {
					t0 := time.Now()
					if _, err := s.Search(context.Background(), queries[i%len(queries)], opts); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
					i++
				}
				cpu := processCPU() - cpu0
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
				b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
				b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
				b.ReportMetric(ms(cpu)/float64(i), "cpu-ms/op")
			})
		}
	}
}

// BenchmarkDelete reports deleting one memory at a time from a store of
// 10 000, each delete overwriting the text, removing its index terms and
// checkpointing the write-ahead log (see Store.Delete).
func BenchmarkDelete(b *testing.B) {
	s := benchStore(b, b.TempDir(), 10_000, false)
	b.Cleanup(func() { s.Close() })
	id := int64(1)
	for b.Loop() {
		if err := s.Delete(context.Background(), id); err != nil {
			b.Fatal(err)
		}
		id++
	}
	b.ReportMetric(float64(id-1)/b.Elapsed().Seconds(), "deletes/s")
}

// BenchmarkSearchLongMemories reports a keyword search whose 10 results
// are memories of 1 MB each (the size limit): the cost of loading them and
// of reporting their matched keywords.
func BenchmarkSearchLongMemories(b *testing.B) {
	s := openBench(b, Options{})
	ctx := context.Background()
	for i := range 10 {
		line := fmt.Sprintf("The deployment pipeline %d runs integration tests before every release of the payments service. ", i)
		text := strings.Repeat(line, DefaultMaxMemoryBytes/len(line))
		if _, err := s.Store(ctx, NewMemory{Text: text}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		rs, err := s.Search(ctx, "how do we deploy payments or roll back?", SearchOptions{MaxResults: 10})
		if err != nil || len(rs) != 10 || len(rs[0].Stages.Matched) != 2 {
			b.Fatalf("%d results, %v", len(rs), err)
		}
	}
}

// BenchmarkOpenStores reports what an open Store costs the process: the
// growth of its resident set (VmRSS) and of the Go heap per store, over 50
// stores that have each stored and searched a memory, as a platform keeps
// its workspaces' stores between runs.
func BenchmarkOpenStores(b *testing.B) {
	const n = 50
	for b.Loop() {
		runtime.GC()
		rss0, heap0 := residentKiB(b), heapKiB()
		var stores []*Store
		for i := range n {
			s := openBench(b, Options{})
			if _, err := s.Store(context.Background(), NewMemory{Text: fmt.Sprintf("launch checklist %d", i)}); err != nil {
				b.Fatal(err)
			}
			if _, err := s.Search(context.Background(), "launch", SearchOptions{}); err != nil {
				b.Fatal(err)
			}
			stores = append(stores, s)
		}
		runtime.GC()
		b.ReportMetric(float64(residentKiB(b)-rss0)/n, "rss-KiB/store")
		b.ReportMetric(float64(heapKiB()-heap0)/n, "heap-KiB/store")
		for _, s := range stores {
			s.Close()
		}
	}
}

// residentKiB returns the process's resident set size (VmRSS of
// /proc/self/status) in KiB.
func residentKiB(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kib
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// heapKiB returns the Go heap in use, in KiB.
func heapKiB() int64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse >> 10)
}

// processCPU returns the CPU time the process has used, all threads
// (clock_gettime(2), CLOCK_PROCESS_CPUTIME_ID): on a shared machine it
// shows the work a search does, which wall-clock latency mixes with waiting
// for a core.
func processCPU() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

// BenchmarkSize reports the database size per 10 000 memories, without and
// with 384-dimension vectors.
func BenchmarkSize(b *testing.B) {
	for _, hybrid := range []bool{false, true} {
		name := "keyword-only"
		if hybrid {
			name = "with-vectors"
		}
		b.Run(name, func(b *testing.B) {
			var size int64
			for b.Loop() {
				s := benchStore(b, b.TempDir(), 10_000, hybrid)
				size = dbSize(b, s)
				s.Close()
			}
			b.ReportMetric(float64(size)/1e6, "MB/10k")
		})
	}
}
