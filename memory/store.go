package memory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"
	"github.com/ncruces/go-sqlite3/ext/fts5"

	"github.com/bulkhead-dev/bulkhead/memory/internal/dbfile"
)

// Store is one workspace's memory: a SQLite database holding the memories,
// their full-text index, their embeddings and the embedding cache.
//
// # Notes
//
// A Store is safe for concurrent use; open one per workspace and share it,
// since each open Store with an Embedder keeps its own copy of the vectors
// in memory (about 1.5 KiB per memory at 384 dimensions). Several Stores, in
// one process or several, may still open the same file: SQLite's write-ahead
// log serialises writers, and each Store's vector index follows the others'
// changes (see vectorIndex). Close stops the background embedding backfill,
// waits for the calls already running and closes the database; later calls
// fail with ErrClosed. A read or write
// that finds the file damaged fails with an error wrapping ErrDamaged,
// naming the file.
type Store struct {
	db   *sql.DB
	st   *stmts
	path string
	pin  *dbfile.Pin // the database file the connections must have open
	// readOnly: opened on a read-only file system, so never purged.
	readOnly bool
	opts     Options
	vec      *vectorIndex
	query    *queryCache

	bgCtx    context.Context // done when Close begins; background work stops
	bgCancel context.CancelFunc
	bgWake   chan struct{}
	bgDone   sync.WaitGroup

	logDirty      atomic.Bool  // the write-ahead log may hold deleted text; see purge
	purging       atomic.Bool  // purge's retry loop runs
	markerChecked atomic.Int64 // when notePurgeMarker last looked, in Unix ns

	life   sync.Mutex     // guards closed and the calls counted in calls
	closed bool           // see ErrClosed
	calls  sync.WaitGroup // the exported calls running; Close waits for them
}

// Open opens the memory database at path, creating it and its directory
// (not the directory's parent) if needed, and migrates its schema to the
// current version. Errors: ErrInvalid for an empty path or bad opts,
// ErrUnsafePath, ErrDamaged, ErrSchemaTooNew, or a directory or file that
// cannot be created.
//
// # Notes
//
//   - The directory holding path is the store's own: give the database a
//     directory of its own (bulkhead's runtime uses
//     <stateDir>/workspaces/<id>/memory/). Open creates it with mode 0700,
//     sets an existing one to 0700, and refuses with ErrUnsafePath one
//     that is a symbolic link, not a directory, or shared by users (sticky
//     bit set, as /tmp), changing nothing then. Links above it are the
//     caller's to avoid.
//   - With an Embedder in opts, Open starts embedding in the background the
//     memories that lack its vectors, unless opts.DisableBackfill.
//   - The database runs in WAL mode with synchronous=FULL, so a memory is
//     durable once Store returns (https://sqlite.org/wal.html,
//     https://sqlite.org/pragma.html#pragma_synchronous).
//   - Its files are made mode 0600, whatever the umask, once the database
//     has been read; a file Open refuses keeps its mode.
//   - On a read-only file system the database opens for reading: List,
//     Search and the other reads work, writes fail, modes (the
//     directory's too) are left as they are. It needs either no
//     memory.db-wal (the database was closed cleanly) or both
//     memory.db-wal and memory.db-shm (what a crash leaves), since SQLite
//     cannot create the -shm file there.
//   - ErrInvalid covers a negative number in opts and an opts.Search out of
//     the ranges given at SearchOptions; ErrUnsafePath a database,
//     memory.db-wal, memory.db-shm or memory.db-journal that is a symbolic
//     link, not a regular file or a file with more than one hard link.
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errEmptyPath
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	path, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open memory store: %w", err)
	}
	// Only the last directory: a workspace removed meanwhile stays removed.
	if err := dbfile.OwnDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := dbfile.CheckFile(p); err != nil {
			return nil, err
		}
	}
	// Created by SQLite, the file would have the umask's mode (often 0644).
	if err := dbfile.Create(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	readOnly := dbfile.OnReadOnlyFS(filepath.Dir(path))
	if readOnly {
		q.Add("vfs", dbfile.ReadOnlyVFS())
		q.Add("mode", "ro")
		if _, err := os.Lstat(path + "-wal"); errors.Is(err, fs.ErrNotExist) {
			// Without a write-ahead log, SQLite could not create one (nor
			// its -shm index) to read the database in WAL mode; the file
			// alone holds every committed write and cannot change while
			// its file system is read-only.
			q.Add("immutable", "1")
		}
	} else {
		q.Add("modeof", path) // SQLite gives the WAL and journal the database's mode
	}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
	if !readOnly {
		q.Add("_pragma", "journal_mode(wal)")
	}
	q.Add("_pragma", "synchronous(full)")
	q.Add("_pragma", "secure_delete(on)") // deleted text is overwritten, see migration 3
	q.Add("_pragma", "foreign_keys(on)")
	// SQLite decodes %XX in a URI's parameters, but not + as a space.
	query := strings.ReplaceAll(q.Encode(), "+", "%20")
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: path, RawQuery: query}).String()
	s, err := connectWhileBusy(path, dsn, opts, readOnly)
	if err != nil {
		return nil, err
	}
	s.bgCtx, s.bgCancel = context.WithCancel(context.Background())
	if opts.Embedder != nil && !opts.DisableBackfill {
		s.startBackfill()
	}
	return s, nil
}

// connectWhileBusy calls connect until it succeeds, fails otherwise than
// with SQLITE_BUSY, SQLITE_LOCKED or, while the file's header is still
// zeros (see dbfile.BeingCreated), SQLITE_NOTADB, or opts.BusyTimeout has passed,
// with growing pauses of 1 to 100 ms. Processes that open a new database at
// once contend for its creation and its switch to WAL mode, which SQLite
// does not retry under the busy timeout.
func connectWhileBusy(path, dsn string, opts Options, readOnly bool) (*Store, error) {
	deadline := time.Now().Add(opts.BusyTimeout)
	for pause := time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		s, err := connect(path, dsn, opts, readOnly)
		var code sqlite3.ErrorCode
		retry := errors.As(err, &code) &&
			(code == sqlite3.BUSY || code == sqlite3.LOCKED || code == sqlite3.NOTADB && dbfile.BeingCreated(path))
		if !retry || time.Now().After(deadline) {
			return s, err
		}
		time.Sleep(pause)
	}
}

// connect opens the database named by dsn, migrates it and prepares the
// Store's statements; see Open.
func connect(path, dsn string, opts Options, readOnly bool) (*Store, error) {
	pin := &dbfile.Pin{}
	db, err := driver.Open(dsn, func(c *sqlite3.Conn) error {
		if err := pin.Check(c, path); err != nil {
			return err
		}
		return fts5.Register(c)
	})
	if err != nil {
		return nil, fmt.Errorf("open memory store %s: %w", path, err)
	}
	db.SetMaxOpenConns(opts.MaxConns)
	db.SetMaxIdleConns(opts.MaxConns)
	s := &Store{db: db, path: path, pin: pin, readOnly: readOnly, opts: opts, vec: newVectorIndex(), query: newQueryCache(256)}
	scrub, err := s.migrate(context.Background())
	if err == nil && scrub && !readOnly {
		if err := s.scrubFreePages(context.Background()); err != nil {
			// Not a reason to refuse the memory: the scrub stays
			// recorded and the next open tries again.
			opts.Logger.Warn().Err(err).Str("path", path).Msg("memory: old deleted text not cleared yet")
		}
	}
	if err != nil {
		db.Close()
		return nil, dbfile.Classify(path, fmt.Errorf("open memory store %s: %w", path, err))
	}
	// Only a file now known to be a memory database is changed. The driver
	// creates memory.db-shm with the umask's mode, ignoring modeof; it
	// exists now and lasts while the Store's connections do.
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := dbfile.RestrictFile(p); err != nil {
			db.Close()
			return nil, fmt.Errorf("open memory store: %w", err)
		}
	}
	if s.st, err = prepare(db); err != nil {
		db.Close()
		return nil, dbfile.Classify(path, fmt.Errorf("open memory store %s: %w", path, err))
	}
	return s, nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Current reports whether the database file at the Store's path is still
// the one it opened (false when the path is gone or names another file,
// as after another process deleted and re-created its workspace).
func (s *Store) Current() bool { return s.pin.Current(s.path) }

// Close stops background work, waits for the calls already running to
// return and closes the database. Calls after the first return ErrClosed.
func (s *Store) Close() error {
	s.life.Lock()
	if s.closed {
		s.life.Unlock()
		return ErrClosed
	}
	s.closed = true
	s.life.Unlock()
	s.bgCancel()
	// Calls first: their end may start background work, which sees the
	// cancel and stops.
	s.calls.Wait()
	s.bgDone.Wait()
	if s.logDirty.Load() && !s.truncateLog(s.opts.BusyTimeout) {
		// The last chance in this process to empty the log of deleted
		// text, after waiting for readers, within reason.
		s.opts.Logger.Warn().Str("path", s.path).Msg("memory: a reader kept the write-ahead log from being emptied of deleted text; the next store of the database to make a call empties it")
	}
	s.st.close()
	return s.db.Close()
}

// checkOpen returns ErrClosed after Close.
func (s *Store) checkOpen() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return ErrClosed
	}
	return nil
}

// begin starts a call of an exported method: it returns ErrClosed after
// Close, and otherwise counts the call until end, so that Close waits for
// it. The methods call it first, before they validate their input, so
// that a closed Store is reported as such whatever the input, and defer
// end.
func (s *Store) begin() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.calls.Add(1)
	return nil
}

// end finishes a call begun with begin, classifying *errp (see dbfile.Classify)
// and purging the write-ahead log when the call deleted text (see purge).
func (s *Store) end(errp *error) {
	*errp = dbfile.Classify(s.path, *errp)
	s.notePurgeMarker()
	s.purge()
	s.calls.Done()
}

// stmts are the statements every search runs, prepared once:
// this SQLite driver does not cache statements, and preparing one costs
// more than running it (database/sql re-prepares them per connection as
// needed).
type stmts struct {
	vectorBounds *sql.Stmt // first and last entry of the vector change log
	scoreBM25    *sql.Stmt // newest matching rows with their BM25 score
	countMatches *sql.Stmt // rows matching an FTS5 query, up to a limit
	maxID        *sql.Stmt // the largest memory id, an upper bound of the count
	matchesRow   *sql.Stmt // 1 when an FTS5 query matches a memory id, else 0
}

func prepare(db *sql.DB) (*stmts, error) {
	st := &stmts{}
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		// Two subqueries, so that each uses the primary key instead of a
		// scan (https://sqlite.org/optoverview.html#minmax).
		{&st.vectorBounds, `SELECT coalesce((SELECT max(seq) FROM vector_changes), 0),
			coalesce((SELECT min(seq) FROM vector_changes), 0)`},
		{&st.scoreBM25, `SELECT rowid, -bm25(memories_fts) FROM memories_fts
			WHERE memories_fts MATCH ? ORDER BY rowid DESC LIMIT ?`},
		{&st.countMatches, `SELECT count(*) FROM (SELECT 1 FROM memories_fts WHERE memories_fts MATCH ? LIMIT ?)`},
		{&st.maxID, `SELECT coalesce(max(id), 0) FROM memories`},
		{&st.matchesRow, `SELECT count(*) FROM memories_fts WHERE memories_fts MATCH ? AND rowid = ?`},
	} {
		var err error
		if *p.dst, err = db.Prepare(p.sql); err != nil {
			st.close()
			return nil, fmt.Errorf("prepare statement: %w", err)
		}
	}
	return st, nil
}

func (st *stmts) close() {
	for _, s := range []*sql.Stmt{st.vectorBounds, st.scoreBM25, st.countMatches, st.maxID, st.matchesRow} {
		if s != nil {
			s.Close()
		}
	}
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE, the driver's
// default) and commits it. Its error, once ctx is done, wraps ctx.Err() as
// well: SQLite reports a statement stopped by the cancellation as
// "interrupted", which errors.Is would not match to context.Canceled.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	defer func() { err = withCtxErr(ctx, err) }()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// withCtxErr returns err wrapping ctx.Err() too when ctx is done and err
// does not already, else err.
func withCtxErr(ctx context.Context, err error) error {
	cerr := ctx.Err()
	if err == nil || cerr == nil || errors.Is(err, cerr) {
		return err
	}
	return fmt.Errorf("%w (%w)", err, cerr)
}
