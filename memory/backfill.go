package memory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/count"
)

// backfillRetry is how long the background backfill waits after a run in
// which the provider failed before it tries again on its own.
const backfillRetry = time.Minute

// EmbedPending embeds, in pages of EmbedBatchSize, every memory without a
// vector of the Embedder's model: memories stored while the provider failed,
// and memories embedded by another model, whose old vector is replaced (so
// vectors of different models are never compared). A memory whose text
// changed meanwhile is skipped; Update embeds it. It stops at the first page
// the provider fails entirely, returning what it did and the error.
func (s *Store) EmbedPending(ctx context.Context) (_ EmbedStats, err error) {
	if err := s.begin(); err != nil {
		return EmbedStats{}, err
	}
	defer s.end(&err)
	emb := s.opts.Embedder
	if emb == nil {
		return EmbedStats{}, ErrNoEmbedder
	}
	model := emb.Model()
	var total EmbedStats
	for after := int64(0); ; {
		ids, texts, hashes, err := s.pendingPage(ctx, model, after, s.opts.EmbedBatchSize)
		if err != nil || len(ids) == 0 {
			return total, err
		}
		after = ids[len(ids)-1]
		e := s.embedDocuments(ctx, texts)
		total = total.Add(e.stats)
		if e.stats.Failed == len(ids) {
			return total, fmt.Errorf("embed pending memories: provider failed for a whole page of %s", count.Noun(len(ids), "memory", "memories"))
		}
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			var written []int64
			for i, id := range ids {
				if e.vecs[i] == nil {
					continue
				}
				written = append(written, id)
				_, err := tx.ExecContext(ctx, `INSERT INTO embeddings(memory_id, model, vector)
					SELECT id, ?, ? FROM memories WHERE id = ? AND hash = ?
					ON CONFLICT(memory_id) DO UPDATE SET model = excluded.model, vector = excluded.vector`,
					model, encodeVector(e.vecs[i]), id, hashes[i])
				if err != nil {
					return err
				}
			}
			if err := s.touchCache(ctx, tx, e); err != nil {
				return err
			}
			return logVectorChanges(ctx, tx, written)
		})
		if err != nil {
			return total, fmt.Errorf("embed pending memories: %w", err)
		}
	}
}

// pendingPage returns up to n memories after id `after` lacking a vector of
// model.
func (s *Store) pendingPage(ctx context.Context, model string, after int64, n int) (ids []int64, texts []string, hashes [][]byte, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.text, m.hash FROM memories m
		LEFT JOIN embeddings e ON e.memory_id = m.id
		WHERE m.id > ? AND (e.model IS NULL OR e.model != ?)
		ORDER BY m.id LIMIT ?`, after, model, n)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("find memories to embed: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			text string
			hash []byte
		)
		if err := rows.Scan(&id, &text, &hash); err != nil {
			return nil, nil, nil, fmt.Errorf("find memories to embed: %w", err)
		}
		ids, texts, hashes = append(ids, id), append(texts, text), append(hashes, hash)
	}
	return ids, texts, hashes, rows.Err()
}

// startBackfill runs EmbedPending in the background: once at start, again
// when wakeBackfill is called (a store that could not embed), and, after a
// failing run, every backfillRetry.
func (s *Store) startBackfill() {
	ctx := s.bgCtx
	s.bgWake = make(chan struct{}, 1)
	s.bgDone.Go(func() {
		var retry <-chan time.Time
		for {
			stats, err := s.EmbedPending(ctx)
			if ctx.Err() != nil || errors.Is(err, ErrClosed) { // Close has begun
				return
			}
			retry = nil
			if err != nil || stats.Failed > 0 {
				s.opts.Logger.Warn().Err(err).Int("failed", stats.Failed).Msg("memory: background embedding incomplete; will retry")
				retry = time.After(backfillRetry)
			}
			select {
			case <-ctx.Done():
				return
			case <-s.bgWake:
				if retry != nil {
					// A failure is fresh: wait out the retry delay first.
					select {
					case <-ctx.Done():
						return
					case <-retry:
					}
				}
			case <-retry:
			}
		}
	})
}

// wakeBackfill asks the background backfill, if running, for another run.
func (s *Store) wakeBackfill() {
	if s.bgWake == nil {
		return
	}
	select {
	case s.bgWake <- struct{}{}:
	default:
	}
}
