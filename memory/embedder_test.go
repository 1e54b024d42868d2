package memory

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestEmbeddingCache(t *testing.T) {
	es := newEmbedServer(t, 16)
	s := openTest(t, Options{Embedder: es.embedder(t, "m1"), DisableBackfill: true, EmbedCacheEntries: 2})
	ctx := context.Background()
	cacheRows := func() int {
		var n int
		s.db.QueryRow(`SELECT count(*) FROM embedding_cache`).Scan(&n)
		return n
	}
	store := func(texts ...string) BatchResult {
		t.Helper()
		ms := make([]NewMemory, len(texts))
		for i, x := range texts {
			ms[i] = NewMemory{Text: x}
		}
		r, err := s.StoreBatch(ctx, ms)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := store("alpha", "beta", "alpha")
	if r.Embeddings != (EmbedStats{Computed: 3}) || es.texts.Load() != 2 {
		t.Fatalf("first batch: %+v, %d texts sent; want 3 computed from 2 texts", r.Embeddings, es.texts.Load())
	}
	for _, m := range r.Memories {
		if m.Model != "openai/m1" {
			t.Fatalf("memory %d has model %q", m.ID, m.Model)
		}
	}
	beta := r.Memories[1].ID
	r = store("alpha", "gamma")
	if r.Embeddings != (EmbedStats{Cached: 1, Computed: 1}) || es.texts.Load() != 3 {
		t.Fatalf("second batch: %+v, %d texts sent; want alpha reused", r.Embeddings, es.texts.Load())
	}
	gamma := r.Memories[1].ID
	if n := cacheRows(); n != 0 {
		t.Fatalf("stored memories' vectors copied into the cache: %d rows", n)
	}
	// Deleted memories' vectors move to the cache...
	s.Delete(ctx, beta)
	s.Delete(ctx, gamma)
	if n := cacheRows(); n != 2 {
		t.Fatalf("cache rows after two deletes: %d", n)
	}
	// ...and are reused from there, which marks beta as recently used.
	if r := store("beta"); r.Embeddings != (EmbedStats{Cached: 1}) || es.texts.Load() != 3 {
		t.Fatalf("beta again: %+v", r.Embeddings)
	}
	// A third retired vector overflows the 2-entry cache: gamma, the least
	// recently used, goes.
	delta := store("delta").Memories[0].ID
	s.Delete(ctx, delta)
	if n := cacheRows(); n != 2 {
		t.Fatalf("cache rows: %d, want the limit 2", n)
	}
	if r := store("gamma"); r.Embeddings != (EmbedStats{Computed: 1}) {
		t.Fatalf("gamma after eviction: %+v, want recomputed", r.Embeddings)
	}
	if r := store("delta"); r.Embeddings != (EmbedStats{Cached: 1}) {
		t.Fatalf("delta: %+v, want from the cache", r.Embeddings)
	}
}

// TestProviderFailureDegrades: a failing provider never fails a store or a
// search; the memories are found by keywords, with a warning, and embedded
// once the provider is back.
func TestProviderFailureDegrades(t *testing.T) {
	es := newEmbedServer(t, 16)
	var logs syncBuffer
	s := openTest(t, Options{Embedder: es.embedder(t, "m1"), DisableBackfill: true, Logger: zerolog.New(&logs)})
	ctx := context.Background()
	if _, err := s.Store(ctx, NewMemory{Text: "an embedded memory about the weather"}); err != nil {
		t.Fatal(err)
	}
	for _, fail := range []func(){
		func() { es.status.Store(500) },
		func() { es.status.Store(429) },
		func() { es.status.Store(0); es.short.Store(true) },
	} {
		fail()
		m, err := s.Store(ctx, NewMemory{Text: "the vault key rotates every quarter"})
		if err != nil {
			t.Fatalf("Store with a failing provider: %v", err)
		}
		if m.Model != "" {
			t.Errorf("memory has model %q without an embedding", m.Model)
		}
	}
	rs, err := s.Search(ctx, "vault key rotation", SearchOptions{})
	if err != nil || len(rs) == 0 || rs[0].Stages.BM25 == 0 {
		t.Fatalf("degraded search: %+v, %v", rs, err)
	}
	for _, want := range []string{"found by keywords until re-embedded", "keyword-only search"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %q warning logged: %s", want, logs.String())
		}
	}
	es.status.Store(0)
	es.short.Store(false)
	stats, err := s.EmbedPending(ctx)
	if err != nil || stats.Computed != 3 {
		t.Fatalf("EmbedPending = %+v, %v; want 3 computed", stats, err)
	}
	rs, err = s.Search(ctx, "vault key rotation", SearchOptions{})
	if err != nil || len(rs) == 0 || rs[0].Stages.VectorRank == 0 || rs[0].Model != "openai/m1" {
		t.Fatalf("after recovery: %+v, %v", rs, err)
	}
	rs, err = s.Search(ctx, "vault key rotation", SearchOptions{KeywordOnly: true})
	if err != nil || len(rs) == 0 || rs[0].Stages.VectorRank != 0 || rs[0].Model != "openai/m1" {
		t.Fatalf("keyword-only search with an embedder: %+v, %v", rs, err)
	}
	if stats, err := s.EmbedPending(ctx); err != nil || stats != (EmbedStats{}) {
		t.Errorf("nothing left to embed, got %+v, %v", stats, err)
	}
}

// TestModelsNeverCompared: vectors of another model are not searched;
// EmbedPending replaces them with the new model's.
func TestModelsNeverCompared(t *testing.T) {
	es := newEmbedServer(t, 16)
	path := t.TempDir() + "/memory.db"
	ctx := context.Background()
	a, err := Open(path, Options{Embedder: es.embedder(t, "model-a"), DisableBackfill: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store(ctx, NewMemory{Text: "the printer is on the third floor"}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	b, err := Open(path, Options{Embedder: es.embedder(t, "model-b"), DisableBackfill: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rs, err := b.Search(ctx, "printer floor", SearchOptions{})
	if err != nil || len(rs) != 1 || rs[0].Stages.VectorRank != 0 || rs[0].Stages.Vector != 0 {
		t.Fatalf("model-b search used model-a vectors: %+v, %v", rs, err)
	}
	if stats, err := b.EmbedPending(ctx); err != nil || stats.Computed != 1 {
		t.Fatalf("EmbedPending = %+v, %v", stats, err)
	}
	rs, _ = b.Search(ctx, "printer floor", SearchOptions{})
	if len(rs) != 1 || rs[0].Stages.VectorRank != 1 || rs[0].Model != "openai/model-b" {
		t.Fatalf("after re-embedding: %+v", rs)
	}
	var n int
	b.db.QueryRow(`SELECT count(*) FROM embeddings WHERE model = 'openai/model-a'`).Scan(&n)
	if n != 0 {
		t.Errorf("%d model-a vectors left", n)
	}
}

// TestBackgroundBackfill: Open with an Embedder embeds memories stored
// without one, in the background.
func TestBackgroundBackfill(t *testing.T) {
	es := newEmbedServer(t, 16)
	path := t.TempDir() + "/memory.db"
	plain, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	storeTexts(t, plain, "one", "two", "three")
	plain.Close()
	s, err := Open(path, Options{Embedder: es.embedder(t, "m1")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		s.db.QueryRow(`SELECT count(*) FROM embeddings`).Scan(&n)
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 3 memories embedded in the background", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestQueryEmbeddingCached(t *testing.T) {
	es := newEmbedServer(t, 16)
	s := openTest(t, Options{Embedder: es.embedder(t, "m1"), DisableBackfill: true})
	storeTexts(t, s, "lunch is at noon")
	before := es.requests.Load()
	for range 3 {
		if _, err := s.Search(context.Background(), "when is lunch", SearchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := es.requests.Load() - before; got != 1 {
		t.Errorf("%d embedding requests for one repeated query, want 1", got)
	}
}

func TestQueryCacheLRU(t *testing.T) {
	c := newQueryCache(2)
	c.put("a", []float32{1})
	c.put("b", []float32{2})
	c.get("a")
	c.put("c", []float32{3})
	if _, ok := c.get("b"); ok {
		t.Error("b, least recently used, not evicted")
	}
	if v, ok := c.get("a"); !ok || v[0] != 1 {
		t.Error("a evicted")
	}
}

func TestUnit(t *testing.T) {
	v := unit([]float32{3, 4})
	if v[0] != 0.6 || v[1] != 0.8 {
		t.Errorf("unit = %v", v)
	}
	if unit([]float32{0, 0}) != nil {
		t.Error("zero vector accepted")
	}
	nan := float32(0)
	nan = nan / nan
	if unit([]float32{1, nan}) != nil {
		t.Error("NaN accepted")
	}
	if got := decodeVector(encodeVector([]float32{1.5, -2, 0})); got[0] != 1.5 || got[1] != -2 || got[2] != 0 {
		t.Errorf("round trip %v", got)
	}
}
