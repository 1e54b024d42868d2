package memory

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/bulkhead-dev/bulkhead/memory/embedding"
)

// EmbedStats counts the outcome of embedding a set of texts.
type EmbedStats struct {
	Cached   int `json:"cached"`   // found in the embedding cache
	Computed int `json:"computed"` // computed by the provider
	Failed   int `json:"failed"`   // left without a vector: the provider failed
}

// Add returns the sum of two counts.
func (e EmbedStats) Add(o EmbedStats) EmbedStats {
	return EmbedStats{Cached: e.Cached + o.Cached, Computed: e.Computed + o.Computed, Failed: e.Failed + o.Failed}
}

// embedded holds document vectors ready to be written with their memories.
type embedded struct {
	model  string
	vecs   [][]float32 // unit length; nil where embedding failed
	hashes [][]byte    // contentHash of each text
	cached []bool      // taken from the embedding_cache table: mark as used
	stats  EmbedStats
}

// embedDocuments returns vectors for texts: the vector of a stored memory
// with the same text and model, else one from the embedding cache (see
// retire), else one from the provider, in batches of EmbedBatchSize with at
// most EmbedConcurrency requests in flight. A failing batch leaves its texts without vectors and logs a
// warning; it never fails the caller. Without an Embedder it returns all
// nil vectors.
func (s *Store) embedDocuments(ctx context.Context, texts []string) embedded {
	e := embedded{vecs: make([][]float32, len(texts)), hashes: make([][]byte, len(texts)), cached: make([]bool, len(texts))}
	for i, t := range texts {
		e.hashes[i] = contentHash(t)
	}
	emb := s.opts.Embedder
	if emb == nil {
		return e
	}
	e.model = emb.Model()
	known, err := s.knownVectors(ctx, e.model, e.hashes)
	if err != nil {
		s.opts.Logger.Warn().Err(err).Msg("memory: embedding cache lookup failed")
	}
	missing := map[string][]int{} // hash → indexes still without a vector
	var order []string
	for i, h := range e.hashes {
		if k, ok := known[string(h)]; ok {
			e.vecs[i], e.cached[i] = k.vec, k.fromCache
			e.stats.Cached++
			continue
		}
		if missing[string(h)] == nil {
			order = append(order, string(h))
		}
		missing[string(h)] = append(missing[string(h)], i)
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		sem  = make(chan struct{}, s.opts.EmbedConcurrency)
		errs []error
	)
	for start := 0; start < len(order); start += s.opts.EmbedBatchSize {
		batch := order[start:min(start+s.opts.EmbedBatchSize, len(order))]
		batchTexts := make([]string, len(batch))
		for j, h := range batch {
			batchTexts[j] = texts[missing[h][0]]
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			vecs, err := emb.Embed(ctx, batchTexts, embedding.Document)
			mu.Lock()
			defer mu.Unlock()
			for j, h := range batch {
				var v []float32
				if err == nil {
					v = unit(vecs[j])
				}
				for _, i := range missing[h] {
					if v == nil {
						e.stats.Failed++
						continue
					}
					e.vecs[i] = v
					e.stats.Computed++
				}
			}
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		s.opts.Logger.Warn().Err(errors.Join(errs...)).Int("failed", e.stats.Failed).
			Msg("memory: embedding provider failed; affected memories are found by keywords until re-embedded")
		s.wakeBackfill()
	}
	return e
}

// knownVector is a vector found without asking the provider.
type knownVector struct {
	vec       []float32
	fromCache bool // from the embedding cache rather than a stored memory
}

// knownVectorsPage is how many hashes one lookup query carries.
const knownVectorsPage = 500

// knownVectors returns, by text hash, the vectors of model that need no
// provider call: a stored memory's with the same text, else the embedding
// cache's (see retire).
func (s *Store) knownVectors(ctx context.Context, model string, hashes [][]byte) (map[string]knownVector, error) {
	out := map[string]knownVector{}
	for start := 0; start < len(hashes); start += knownVectorsPage {
		page := hashes[start:min(start+knownVectorsPage, len(hashes))]
		args := []any{model}
		for _, h := range page {
			args = append(args, h)
		}
		in := "?" + strings.Repeat(", ?", len(page)-1)
		for _, q := range []struct {
			sql       string
			fromCache bool
		}{
			{`SELECT m.hash, e.vector FROM memories m JOIN embeddings e ON e.memory_id = m.id
				WHERE e.model = ? AND m.hash IN (` + in + `)`, false},
			{`SELECT hash, vector FROM embedding_cache WHERE model = ? AND hash IN (` + in + `)`, true},
		} {
			rows, err := s.db.QueryContext(ctx, q.sql, args...)
			if err != nil {
				return out, err
			}
			for rows.Next() {
				var hash, blob []byte
				if err := rows.Scan(&hash, &blob); err != nil {
					rows.Close()
					return out, err
				}
				if _, ok := out[string(hash)]; !ok {
					out[string(hash)] = knownVector{vec: decodeVector(blob), fromCache: q.fromCache}
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// touchCache marks the cache entries e used as just used, for the LRU
// order.
func (s *Store) touchCache(ctx context.Context, tx *sql.Tx, e embedded) error {
	now := s.opts.Now().UnixNano()
	for i, c := range e.cached {
		if !c {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE embedding_cache SET used_at = ? WHERE model = ? AND hash = ?`, now, e.model, e.hashes[i]); err != nil {
			return fmt.Errorf("touch embedding cache: %w", err)
		}
	}
	return nil
}

// retire moves the vectors of memories about to be deleted or changed into
// the embedding cache, so that their text, if stored again, is not
// re-embedded; then it evicts the least recently used entries beyond
// EmbedCacheEntries. The cache holds only such vectors: a stored memory's
// vector is found through the memory (see knownVectors), so vectors are
// never kept twice.
func (s *Store) retire(ctx context.Context, tx *sql.Tx, ids []int64) error {
	now := s.opts.Now().UnixNano()
	moved := false
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, `INSERT INTO embedding_cache(model, hash, vector, used_at)
			SELECT e.model, m.hash, e.vector, ? FROM memories m JOIN embeddings e ON e.memory_id = m.id WHERE m.id = ?
			ON CONFLICT(model, hash) DO UPDATE SET used_at = excluded.used_at`, now, id)
		if err != nil {
			return fmt.Errorf("cache embedding: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			moved = true
		}
	}
	if !moved {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM embedding_cache`).Scan(&n); err != nil {
		return fmt.Errorf("count embedding cache: %w", err)
	}
	if over := n - s.opts.EmbedCacheEntries; over > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM embedding_cache WHERE id IN
			(SELECT id FROM embedding_cache ORDER BY used_at, id LIMIT ?)`, over); err != nil {
			return fmt.Errorf("evict embedding cache: %w", err)
		}
	}
	return nil
}

// embedQuery returns the unit query vector for q, from the in-memory query
// cache when possible.
func (s *Store) embedQuery(ctx context.Context, q string) ([]float32, error) {
	emb := s.opts.Embedder
	key := emb.Model() + "\x00" + q
	if v, ok := s.query.get(key); ok {
		return v, nil
	}
	vecs, err := emb.Embed(ctx, []string{q}, embedding.Query)
	if err != nil {
		return nil, err
	}
	v := unit(vecs[0])
	if v == nil {
		return nil, fmt.Errorf("%w: zero or non-finite query vector", embedding.ErrBadResponse)
	}
	s.query.put(key, v)
	return v, nil
}

// unit returns v scaled to unit length, or nil when v is zero or holds a
// NaN or infinity.
func unit(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil
		}
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return nil
	}
	inv := 1 / math.Sqrt(sum)
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}

// encodeVector stores a vector as little-endian IEEE 754 float32s.
func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// decodeVector is the inverse of encodeVector.
func decodeVector(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}
