package memory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"
)

// backupStepPages is how many pages one step of Backup copies (4 MiB of
// 4 KiB pages) before it looks at its context again.
const backupStepPages = 1024

// Backup writes a copy of the database as of one instant to dst, a file
// that must not exist, with SQLite's online backup API
// (https://sqlite.org/backup.html, https://sqlite.org/c3ref/backup_finish.html):
// the copy holds every memory committed before it began and nothing
// committed after, while this Store and other processes go on reading and
// writing. It is the only safe way to copy a database in WAL mode: a copy
// of its files taken meanwhile may miss the log or tear it.
//
// Errors: ErrClosed; dst exists or cannot be created; ctx ended (checked
// between steps of backupStepPages pages); the database's own, classified
// as for the other calls (ErrDamaged, ErrNoSpace). On error dst is
// removed.
//
// # Notes
//
//   - The copy is one self-contained file of mode 0600 in rollback
//     journal mode (no -wal beside it); Open switches it to WAL again.
//   - The copy runs inside one read transaction of one of the Store's
//     connections: in WAL mode writers are not blocked, and the log is not
//     checkpointed past that snapshot until the copy ends.
//   - Free pages are copied as they are; the Store deletes with
//     secure_delete on, so they hold no deleted text.
func (s *Store) Backup(ctx context.Context, dst string) (err error) {
	if err := s.begin(); err != nil {
		return err
	}
	defer s.end(&err)
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("memory backup: %w", err)
	}
	f.Close()
	defer func() {
		if err != nil {
			os.Remove(dst)
			os.Remove(dst + "-journal")
		}
	}()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("memory backup: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error { return snapshot(ctx, dc.(driver.Conn).Raw(), dst) })
	if err != nil {
		return withCtxErr(ctx, fmt.Errorf("memory backup of %s: %w", s.path, err))
	}
	return rollbackJournal(dst)
}

// snapshot copies the main database of c to the file dst inside one read
// transaction, so that every step copies from the same snapshot.
func snapshot(ctx context.Context, c *sqlite3.Conn, dst string) (err error) {
	if err := c.Exec(`BEGIN`); err != nil {
		return err
	}
	defer func() {
		if rerr := c.Exec(`ROLLBACK`); err == nil {
			err = rerr
		}
	}()
	// A deferred transaction takes its read snapshot at its first read.
	if err := c.Exec(`SELECT count(*) FROM sqlite_schema`); err != nil {
		return err
	}
	b, err := c.BackupInit("main", dst)
	if err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			b.Close()
			return err
		}
		done, err := b.Step(backupStepPages)
		if err != nil {
			b.Close()
			return err
		}
		if done {
			return b.Close()
		}
	}
}

// rollbackJournal switches the database file path, a fresh copy no one
// else has open, to rollback journal mode, so that it is complete without
// a -wal file (https://sqlite.org/pragma.html#pragma_journal_mode).
func rollbackJournal(path string) error {
	c, err := sqlite3.OpenFlags(path, sqlite3.OPEN_READWRITE)
	if err != nil {
		return fmt.Errorf("memory backup %s: %w", path, err)
	}
	err = c.Exec(`PRAGMA journal_mode=DELETE`)
	return errors.Join(err, c.Close())
}
