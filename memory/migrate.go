package memory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/memory/internal/textindex"
)

// migrations are the schema versions, applied in order; the database's
// PRAGMA user_version counts those applied (https://sqlite.org/pragma.html#pragma_user_version).
// Never edit a released migration: append a new one.
var migrations = []string{
	// 1: memories, full-text index, embeddings with their change log,
	// embedding cache, indexer progress, metadata.
	`
CREATE TABLE memories (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	text       TEXT    NOT NULL,
	source     TEXT    NOT NULL,
	tags       TEXT    NOT NULL DEFAULT '[]',
	evergreen  INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	hash       BLOB    NOT NULL
);
CREATE INDEX memories_source ON memories(source, id);
CREATE INDEX memories_hash ON memories(hash);

CREATE VIRTUAL TABLE memories_fts USING fts5(
	body,
	content = '',
	contentless_delete = 1,
	tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TABLE embeddings (
	memory_id INTEGER PRIMARY KEY REFERENCES memories(id) ON DELETE CASCADE,
	model     TEXT NOT NULL,
	vector    BLOB NOT NULL
);
-- Every change to embeddings appends its memory id here, in the same
-- transaction (logVectorChanges; triggers did the same at twice the cost of
-- an insert).
CREATE TABLE vector_changes (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	memory_id INTEGER NOT NULL
);

CREATE TABLE embedding_cache (
	id      INTEGER PRIMARY KEY,
	model   TEXT    NOT NULL,
	hash    BLOB    NOT NULL,
	vector  BLOB    NOT NULL,
	used_at INTEGER NOT NULL,
	UNIQUE (model, hash)
);
CREATE INDEX embedding_cache_lru ON embedding_cache(used_at);

CREATE TABLE index_state (
	source   TEXT PRIMARY KEY,
	position INTEGER NOT NULL DEFAULT 0,
	hash     BLOB
) WITHOUT ROWID;

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
`,
	// 2: the full-text index without the porter tokenizer: words are
	// stemmed in Go, per language, before indexing (see textindex.Index). The
	// index is rebuilt because the analyzer version changes with it.
	`
DROP TABLE memories_fts;
CREATE VIRTUAL TABLE memories_fts USING fts5(
	body,
	content = '',
	contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2'
);
`,
	// 3: deleted text leaves the full-text index at once. A
	// contentless_delete table records a deleted row as a tombstone and
	// keeps its terms in the file until a segment merge; a plain
	// contentless table takes FTS5's 'delete' command, which names the
	// row's terms (see unindex), and with the secure-delete option removes
	// them (https://sqlite.org/fts5.html#the_secure_delete_configuration_option).
	// Forgetting the analyzer version rebuilds the index (see migrate).
	`
DROP TABLE memories_fts;
CREATE VIRTUAL TABLE memories_fts USING fts5(
	body,
	content = '',
	tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO memories_fts(memories_fts, rank) VALUES ('secure-delete', 1);
DELETE FROM meta WHERE key = 'analyzer';
`,
}

// forgetfulVersion is the first schema version whose deletes overwrite
// the deleted text (migration 3); a database written before it may hold
// deleted text in free pages.
const forgetfulVersion = 3

// migrate brings the schema to len(migrations) and rebuilds the full-text
// index when it was built by another analyzer version, all in one write
// transaction. scrub reports a database that predates forgetfulVersion,
// whose free pages Open then clears (see scrubFreePages), until that has
// been done.
func (s *Store) migrate(ctx context.Context) (scrub bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var version int
		if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if version > 0 && version < forgetfulVersion {
			// Recorded in the database, so that a scrub cut short (a kill
			// during VACUUM) runs again at the next open.
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('scrub', 'pending')
				ON CONFLICT(key) DO NOTHING`); err != nil {
				return fmt.Errorf("record scrub: %w", err)
			}
		}
		if version > len(migrations) {
			return fmt.Errorf("%w: version %d, this build knows %d", ErrSchemaTooNew, version, len(migrations))
		}
		for v := version; v < len(migrations); v++ {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
			}
		}
		// A current database is only read, so that a read-only one opens.
		if version < len(migrations) {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations))); err != nil {
				return fmt.Errorf("set schema version: %w", err)
			}
		}
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'scrub')`).Scan(&scrub); err != nil {
			return fmt.Errorf("read scrub state: %w", err)
		}
		var analyzer string
		err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'analyzer'`).Scan(&analyzer)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read analyzer version: %w", err)
		}
		if analyzer == textindex.Version {
			return nil
		}
		if err := reindexFTS(ctx, tx); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('analyzer', ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value`, textindex.Version)
		return err
	})
	return scrub, err
}

// scrubFreePages rebuilds the database file (VACUUM,
// https://sqlite.org/lang_vacuum.html), which leaves out the free pages
// where a build before forgetfulVersion left deleted text, and empties the
// write-ahead log. It runs once, when Open upgrades such a database; it
// takes about as long as copying the file.
func (s *Store) scrubFreePages(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("clear deleted text left by an older build: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM meta WHERE key = 'scrub'`); err != nil {
		return fmt.Errorf("record scrub: %w", err)
	}
	// The log holds the rebuilt pages; the old file keeps the old ones
	// until it is checkpointed. A reader elsewhere may prevent that now:
	// the end of the first call tries again (see purge).
	s.logDirty.Store(!s.truncateLog(0))
	return nil
}

// reindexFTS rebuilds the full-text index from the memories' text, reading
// them in pages of 500.
func reindexFTS(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO memories_fts(memories_fts) VALUES ('delete-all')`); err != nil {
		return fmt.Errorf("clear full-text index: %w", err)
	}
	type doc struct {
		id   int64
		text string
	}
	for after := int64(0); ; {
		rows, err := tx.QueryContext(ctx, `SELECT id, text FROM memories WHERE id > ? ORDER BY id LIMIT 500`, after)
		if err != nil {
			return fmt.Errorf("rebuild full-text index: %w", err)
		}
		var docs []doc
		for rows.Next() {
			var d doc
			if err := rows.Scan(&d.id, &d.text); err != nil {
				rows.Close()
				return fmt.Errorf("rebuild full-text index: %w", err)
			}
			docs = append(docs, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("rebuild full-text index: %w", err)
		}
		if len(docs) == 0 {
			return nil
		}
		for _, d := range docs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO memories_fts(rowid, body) VALUES (?, ?)`, d.id, textindex.Index(d.text)); err != nil {
				return fmt.Errorf("rebuild full-text index: %w", err)
			}
		}
		after = docs[len(docs)-1].id
	}
}
