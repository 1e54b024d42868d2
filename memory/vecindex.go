package memory

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"sync"
)

// vectorIndex keeps every embedding of a Store's database in memory, one
// vectorSet per model, and follows changes made through any connection or
// process.
//
// # Notes
//
//   - Every transaction that inserts, updates or deletes embeddings appends
//     the memory ids to the vector_changes log (logVectorChanges), whose
//     AUTOINCREMENT sequence numbers are never reused.
//   - Before each search, sync reads the log's bounds: nothing to do when
//     the newest entry was already applied; the changed memories' current
//     vectors when only newer entries exist; a full reload on first use, or
//     when the entries after the last applied one were pruned (a Store that
//     fell more than keepVectorChanges behind).
type vectorIndex struct {
	mu      sync.RWMutex
	loaded  bool
	lastSeq int64
	sets    map[string]*vectorSet
	models  map[int64]string // memory id → model of its vector
}

func newVectorIndex() *vectorIndex {
	return &vectorIndex{sets: map[string]*vectorSet{}, models: map[int64]string{}}
}

// sync brings the index up to date with the database; bounds is
// stmts.vectorBounds.
func (x *vectorIndex) sync(ctx context.Context, db *sql.DB, bounds *sql.Stmt) error {
	var maxSeq, minSeq int64
	if err := bounds.QueryRowContext(ctx).Scan(&maxSeq, &minSeq); err != nil {
		return fmt.Errorf("read vector changes: %w", err)
	}
	x.mu.RLock()
	current := x.loaded && maxSeq <= x.lastSeq
	x.mu.RUnlock()
	if current {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case x.loaded && maxSeq <= x.lastSeq:
		return nil
	case !x.loaded || minSeq > x.lastSeq+1:
		return x.reload(ctx, db)
	}
	return x.apply(ctx, db, maxSeq)
}

// reload replaces the index with every stored embedding, read in one
// snapshot together with the log position it corresponds to.
func (x *vectorIndex) reload(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("load vectors: %w", err)
	}
	defer tx.Rollback()
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM vector_changes`).Scan(&seq); err != nil {
		return fmt.Errorf("load vectors: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT memory_id, model, vector FROM embeddings`)
	if err != nil {
		return fmt.Errorf("load vectors: %w", err)
	}
	defer rows.Close()
	x.sets, x.models = map[string]*vectorSet{}, map[int64]string{}
	for rows.Next() {
		var (
			id    int64
			model string
			blob  []byte
		)
		if err := rows.Scan(&id, &model, &blob); err != nil {
			return fmt.Errorf("load vectors: %w", err)
		}
		x.put(id, model, decodeVector(blob))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load vectors: %w", err)
	}
	x.loaded, x.lastSeq = true, seq
	return nil
}

// apply reads the current vectors of the memories changed after lastSeq up
// to maxSeq. A vector newer than maxSeq may be read; its own log entry
// re-applies it later, which is harmless.
func (x *vectorIndex) apply(ctx context.Context, db *sql.DB, maxSeq int64) error {
	rows, err := db.QueryContext(ctx, `SELECT c.memory_id, e.model, e.vector
		FROM (SELECT DISTINCT memory_id FROM vector_changes WHERE seq > ? AND seq <= ?) c
		LEFT JOIN embeddings e ON e.memory_id = c.memory_id`, x.lastSeq, maxSeq)
	if err != nil {
		return fmt.Errorf("read vector changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id    int64
			model sql.NullString
			blob  []byte
		)
		if err := rows.Scan(&id, &model, &blob); err != nil {
			return fmt.Errorf("read vector changes: %w", err)
		}
		x.remove(id)
		if model.Valid {
			x.put(id, model.String, decodeVector(blob))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read vector changes: %w", err)
	}
	x.lastSeq = maxSeq
	return nil
}

// put files a vector under its model. A vector whose length differs from the
// model's others is left out, so vectors of different lengths are never
// compared.
func (x *vectorIndex) put(id int64, model string, v []float32) {
	set := x.sets[model]
	if set == nil {
		set = newVectorSet(len(v))
		x.sets[model] = set
	}
	if len(v) != set.dims {
		return
	}
	set.put(id, v)
	x.models[id] = model
}

func (x *vectorIndex) remove(id int64) {
	if model, ok := x.models[id]; ok {
		x.sets[model].remove(id)
		delete(x.models, id)
	}
}

// search returns the k memories whose model vectors are most similar to q.
func (x *vectorIndex) search(model string, q []float32, k, exactLimit int) []vectorHit {
	x.mu.RLock()
	defer x.mu.RUnlock()
	set := x.sets[model]
	if set == nil {
		return nil
	}
	return set.search(q, k, exactLimit)
}

// searchAmong returns the k memories of ids whose model vectors are most
// similar to the unit vector q, best first, scoring each of them.
func (x *vectorIndex) searchAmong(model string, q []float32, k int, ids map[int64]bool) []vectorHit {
	x.mu.RLock()
	defer x.mu.RUnlock()
	set := x.sets[model]
	if set == nil || len(q) != set.dims {
		return nil
	}
	var hits []vectorHit
	for id := range ids {
		if i, ok := set.slot[id]; ok {
			hits = append(hits, vectorHit{id: id, cos: float64(dot(q, set.vecs[i*set.dims:(i+1)*set.dims]))})
		}
	}
	sort.Slice(hits, func(a, b int) bool {
		if hits[a].cos != hits[b].cos {
			return hits[a].cos > hits[b].cos
		}
		return hits[a].id > hits[b].id
	})
	return hits[:min(k, len(hits))]
}

// vectors returns copies of the vectors of ids under model (nil entries for
// memories without one).
func (x *vectorIndex) vectors(model string, ids []int64) [][]float32 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([][]float32, len(ids))
	if set := x.sets[model]; set != nil {
		for i, id := range ids {
			out[i] = set.vector(id)
		}
	}
	return out
}

// modelsOf returns the model of each memory's vector ("" for none).
func (x *vectorIndex) modelsOf(ids []int64) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = x.models[id]
	}
	return out
}

// count returns how many vectors model has.
func (x *vectorIndex) count(model string) int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if set := x.sets[model]; set != nil {
		return len(set.ids)
	}
	return 0
}
