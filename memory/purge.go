package memory

import (
	"context"
	sqldriver "database/sql/driver"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"
)

// purgeRetry is how often purge tries again while readers keep the
// write-ahead log from being truncated.
const purgeRetry = time.Second

// markerInterval is how often a Store looks for a purge that another
// process left pending (see notePurgeMarker).
const markerInterval = time.Second

// notePurgeMarker makes this Store purge the log when another process
// deleted text and could not empty the log itself (a reader held it past
// that process's busy timeout, or it was killed): deletes record a 'purge'
// row in meta, which a successful purge removes. It looks at most every
// markerInterval, and never on a read-only store.
func (s *Store) notePurgeMarker() {
	if s.readOnly || s.logDirty.Load() {
		return
	}
	now := time.Now().UnixNano()
	last := s.markerChecked.Load()
	if now-last < int64(markerInterval) || !s.markerChecked.CompareAndSwap(last, now) {
		return
	}
	var pending bool
	if err := s.db.QueryRow(`SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'purge')`).Scan(&pending); err == nil && pending {
		s.logDirty.Store(true)
	}
}

// purge empties the write-ahead log after a call that deleted or replaced
// text (Delete, Update, the indexers), since the log keeps the old page
// images (https://sqlite.org/wal.html): it checkpoints the log into the
// database, whose freed content secure_delete has zeroed, and truncates it.
//
// # Notes
//
//   - It never waits for readers: while a connection, of this Store or
//     another process, reads an older snapshot the checkpoint cannot finish,
//     and a background loop tries again every purgeRetry until it does or
//     the Store closes.
//   - Close then waits for readers, up to the busy timeout; what a process
//     could not purge at all (it crashed, or a reader outlasted its Close)
//     another store purges, told by the marker deletes leave (see
//     notePurgeMarker).
func (s *Store) purge() {
	if !s.logDirty.Swap(false) || s.truncateLog(0) {
		return
	}
	s.logDirty.Store(true)
	if s.purging.Swap(true) {
		return // the loop runs already
	}
	s.bgDone.Go(func() {
		for {
			s.retryPurge()
			s.purging.Store(false)
			// A purge that failed after the loop's last look found
			// purging still set and left the work here.
			if !s.logDirty.Load() || s.bgCtx.Err() != nil || s.purging.Swap(true) {
				return
			}
		}
	})
}

// retryPurge tries to truncate the log every purgeRetry while logDirty,
// until the Store closes.
func (s *Store) retryPurge() {
	for s.logDirty.Load() {
		select {
		case <-s.bgCtx.Done():
			return
		case <-time.After(purgeRetry):
		}
		if s.begin() != nil {
			return
		}
		if s.logDirty.Swap(false) && !s.truncateLog(0) {
			s.logDirty.Store(true)
		}
		s.calls.Done() // not end, which would purge again
	}
}

// truncateLog runs a TRUNCATE checkpoint on one of the Store's
// connections, waiting up to wait for other connections' locks, and
// reports whether it completed
// (https://sqlite.org/c3ref/wal_checkpoint_v2.html).
func (s *Store) truncateLog(wait time.Duration) bool {
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return false
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c := dc.(driver.Conn).Raw()
		if err := c.BusyTimeout(wait); err != nil {
			return err
		}
		_, _, ckErr := c.WALCheckpoint("main", sqlite3.CHECKPOINT_TRUNCATE)
		if err := c.BusyTimeout(s.opts.BusyTimeout); err != nil {
			return sqldriver.ErrBadConn // not to be reused without its timeout
		}
		return ckErr
	})
	if err != nil {
		s.opts.Logger.Debug().Err(err).Msg("memory: write-ahead log not truncated yet")
		return false
	}
	// Purged: no other process need do it. (The delete adds a page to
	// the emptied log, without text.)
	if _, err := s.db.ExecContext(ctx, `DELETE FROM meta WHERE key = 'purge'`); err != nil {
		s.opts.Logger.Debug().Err(err).Msg("memory: clear the purge marker")
	}
	return true
}
