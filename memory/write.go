package memory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bulkhead-dev/bulkhead/memory/internal/textindex"
)

// keepVectorChanges is how many embedding changes the change log keeps for
// other Stores to catch up with; one that falls further behind reloads its
// vectors (see vectorIndex.sync).
const keepVectorChanges = 1 << 16

// BatchResult is the outcome of StoreBatch.
type BatchResult struct {
	Memories   []Memory   `json:"memories"`   // in the order given, with their ids
	Embeddings EmbedStats `json:"embeddings"` // zero without an Embedder
}

// Store saves one memory and returns it with its id. See StoreBatch.
func (s *Store) Store(ctx context.Context, m NewMemory) (Memory, error) {
	r, err := s.StoreBatch(ctx, []NewMemory{m})
	if err != nil {
		return Memory{}, err
	}
	return r.Memories[0], nil
}

// StoreBatch saves memories in one transaction: when it returns without
// error all of them are durable, otherwise none is. With an Embedder each
// memory is embedded first (cached vectors reused); a failing provider
// leaves memories without vectors, counted in BatchResult.Embeddings.Failed,
// to be embedded later by the backfill. Errors: ErrInvalid for a memory
// beyond the limits or more than Limits.MaxBatch memories; database errors.
func (s *Store) StoreBatch(ctx context.Context, ms []NewMemory) (_ BatchResult, err error) {
	if err := s.begin(); err != nil {
		return BatchResult{}, err
	}
	defer s.end(&err)
	if len(ms) > s.opts.Limits.MaxBatch {
		return BatchResult{}, fmt.Errorf("%w: batch of %d memories exceeds the limit of %d", ErrInvalid, len(ms), s.opts.Limits.MaxBatch)
	}
	ms = append([]NewMemory(nil), ms...)
	texts := make([]string, len(ms))
	for i := range ms {
		if err := ms[i].normalize(s.opts.Limits); err != nil {
			if len(ms) > 1 {
				err = fmt.Errorf("memory at index %d of the batch: %w", i, err)
			}
			return BatchResult{}, err
		}
		texts[i] = ms[i].Text
	}
	e := s.embedDocuments(ctx, texts)
	var out []Memory
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.insert(ctx, tx, ms, e, nil)
		return err
	})
	if err != nil {
		return BatchResult{}, fmt.Errorf("store memories: %w", err)
	}
	return BatchResult{Memories: out, Embeddings: e.stats}, nil
}

// insert writes normalised memories, their full-text rows, their vectors
// from e and e's cache entries in tx. at, when not nil, gives each memory's
// creation time (a session turn's); otherwise it is now.
func (s *Store) insert(ctx context.Context, tx *sql.Tx, ms []NewMemory, e embedded, at []time.Time) ([]Memory, error) {
	now := s.opts.Now().UTC().Truncate(time.Millisecond)
	insMem, err := tx.PrepareContext(ctx, `INSERT INTO memories(text, source, tags, evergreen, created_at, updated_at, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	defer insMem.Close()
	insFTS, err := tx.PrepareContext(ctx, `INSERT INTO memories_fts(rowid, body) VALUES (?, ?)`)
	if err != nil {
		return nil, err
	}
	defer insFTS.Close()
	insVec, err := tx.PrepareContext(ctx, `INSERT INTO embeddings(memory_id, model, vector) VALUES (?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	defer insVec.Close()
	out := make([]Memory, len(ms))
	var embedded []int64
	for i, m := range ms {
		tags, err := json.Marshal(append([]string{}, m.Tags...))
		if err != nil {
			return nil, err
		}
		created := now
		if at != nil {
			created = at[i].UTC().Truncate(time.Millisecond)
		}
		res, err := insMem.ExecContext(ctx, m.Text, m.Source, string(tags), m.Evergreen, created.UnixMilli(), created.UnixMilli(), e.hashes[i])
		if err != nil {
			return nil, err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return nil, err
		}
		if _, err := insFTS.ExecContext(ctx, id, textindex.Index(m.Text)); err != nil {
			return nil, err
		}
		mem := Memory{ID: id, Text: m.Text, Source: m.Source, Tags: m.Tags, Evergreen: m.Evergreen, Created: created, Updated: created}
		if v := e.vecs[i]; v != nil {
			if _, err := insVec.ExecContext(ctx, id, e.model, encodeVector(v)); err != nil {
				return nil, err
			}
			embedded = append(embedded, id)
			mem.Model = e.model
		}
		out[i] = mem
	}
	if err := s.touchCache(ctx, tx, e); err != nil {
		return nil, err
	}
	return out, logVectorChanges(ctx, tx, embedded)
}

// Update replaces the text of memory id, re-indexing and re-embedding it,
// and returns the updated memory. The old text is overwritten as Delete's
// is. Errors: ErrNotFound, ErrInvalid for text beyond the limits, database
// errors.
func (s *Store) Update(ctx context.Context, id int64, text string) (_ Memory, err error) {
	if err := s.begin(); err != nil {
		return Memory{}, err
	}
	defer s.end(&err)
	nm := NewMemory{Text: text}
	if err := nm.normalize(s.opts.Limits); err != nil {
		return Memory{}, err
	}
	e := s.embedDocuments(ctx, []string{text})
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.retire(ctx, tx, []int64{id}); err != nil {
			return err
		}
		var old string
		err := tx.QueryRowContext(ctx, `SELECT text FROM memories WHERE id = ?`, id).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoRow
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE memories SET text = ?, hash = ?, updated_at = ? WHERE id = ?`,
			text, e.hashes[0], s.opts.Now().UnixMilli(), id); err != nil {
			return err
		}
		if err := s.unindex(ctx, tx, id, old); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO memories_fts(rowid, body) VALUES (?, ?)`, id, textindex.Index(text)); err != nil {
			return err
		}
		if v := e.vecs[0]; v != nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO embeddings(memory_id, model, vector) VALUES (?, ?, ?)
				ON CONFLICT(memory_id) DO UPDATE SET model = excluded.model, vector = excluded.vector`, id, e.model, encodeVector(v))
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM embeddings WHERE memory_id = ?`, id)
		}
		if err != nil {
			return err
		}
		if err := s.touchCache(ctx, tx, e); err != nil {
			return err
		}
		return logVectorChanges(ctx, tx, []int64{id})
	})
	switch {
	case errors.Is(err, errNoRow):
		return Memory{}, fmt.Errorf("%w: id %d", ErrNotFound, id)
	case err != nil:
		return Memory{}, fmt.Errorf("update memory %d: %w", id, err)
	}
	return s.Get(ctx, id)
}

// Delete removes the memories ids, all or none: if one does not exist,
// nothing is deleted and the error is ErrNotFound naming it. Errors:
// ErrNotFound, database errors.
//
// # Notes
//
//   - The text and index terms are overwritten in the database file (PRAGMA
//     secure_delete, FTS5 secure-delete), and the write-ahead log is then
//     checkpointed and truncated so that its older copies go too (see purge;
//     while another connection reads, a background retry finishes that).
//   - A deleted memory's vector stays in the embedding cache, keyed by the
//     text's hash.
func (s *Store) Delete(ctx context.Context, ids ...int64) (err error) {
	if err := s.begin(); err != nil {
		return err
	}
	defer s.end(&err)
	var missing int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		deleted, err := s.deleteIDs(ctx, tx, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if !slices.Contains(deleted, id) {
				missing = id
				return errNoRow // rolls the others back
			}
		}
		return nil
	})
	if errors.Is(err, errNoRow) {
		return fmt.Errorf("%w: id %d", ErrNotFound, missing)
	}
	if err != nil {
		return fmt.Errorf("delete memories: %w", err)
	}
	return nil
}

// deleteIDs removes memories and their full-text rows; their embeddings go
// by ON DELETE CASCADE, after retire kept them in the cache. It returns the
// ids that existed.
func (s *Store) deleteIDs(ctx context.Context, tx *sql.Tx, ids []int64) ([]int64, error) {
	if err := s.retire(ctx, tx, ids); err != nil {
		return nil, err
	}
	var deleted []int64
	for _, id := range ids {
		var text string
		err := tx.QueryRowContext(ctx, `DELETE FROM memories WHERE id = ? RETURNING text`, id).Scan(&text)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		deleted = append(deleted, id)
		if err := s.unindex(ctx, tx, id, text); err != nil {
			return nil, err
		}
	}
	return deleted, logVectorChanges(ctx, tx, deleted)
}

// unindex removes memory id, whose text was text, from the full-text index
// with FTS5's 'delete' command, which names the row's terms: with the
// table's secure-delete option (migration 3) they leave the index at once.
//
// # Notes
//
//   - text must be what was indexed, or the index is damaged: textindex.Index
//     is a function of the text alone (FuzzIndexReproducible), and a change
//     of analyzer rebuilds the index (see migrate).
//   - The write-ahead log still holds the old pages: the call's end purges
//     it (see purge), or, should this process fail to, another (see
//     notePurgeMarker).
func (s *Store) unindex(ctx context.Context, tx *sql.Tx, id int64, text string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO memories_fts(memories_fts, rowid, body) VALUES ('delete', ?, ?)`, id, textindex.Index(text)); err != nil {
		return err
	}
	// Recorded in the database too, for another process to finish if
	// this one cannot (see notePurgeMarker).
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('purge', 'pending')
		ON CONFLICT(key) DO NOTHING`); err != nil {
		return err
	}
	s.logDirty.Store(true)
	return nil
}

// deleteSource removes every memory whose source is src.
func (s *Store) deleteSource(ctx context.Context, tx *sql.Tx, src string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM memories WHERE source = ?`, src)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = s.deleteIDs(ctx, tx, ids)
	return err
}

// logVectorChanges records in tx that the embeddings of ids changed (added,
// replaced or removed), for the vector indexes of every open Store (see
// vectorIndex), and trims the log to its last keepVectorChanges entries.
// Every write to the embeddings table must be followed by it.
func logVectorChanges(ctx context.Context, tx *sql.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO vector_changes(memory_id) SELECT value FROM json_each(?)`, string(list)); err != nil {
		return fmt.Errorf("log vector changes: %w", err)
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM vector_changes WHERE seq <= (SELECT max(seq) FROM vector_changes) - ?`, keepVectorChanges)
	return err
}
