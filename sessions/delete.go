package sessions

import (
	"context"
	"fmt"
	"os"

	"github.com/bulkhead-dev/bulkhead/internal/atomicfile"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// Delete removes session id: its transcript and its index entry. It
// fails with ErrLocked, without changing anything, while the session lock
// is held (by any process, including this one), and with ErrNotFound when
// the session has neither an index entry nor a non-empty transcript.
//
// The transcript is removed before the index entry, so a crash in between
// leaves an entry without messages, which a second Delete removes.
//
// # Notes
//
// Earlier versions kept each session's lock in its own file,
// sessions/<id>.lock. Delete leaves such files alone: nothing reads them
// any more, and they hold no data.
func (s *Store) Delete(id string) error {
	if err := ids.Validate("session", id); err != nil {
		return err
	}
	unlock, err := s.lockSession(context.Background(), id, false)
	if err != nil {
		return fmt.Errorf("delete session %q: %w", id, err)
	}
	defer unlock()
	path := s.transcriptPath(id)
	tl, err := s.acquireTimeout(path)
	if err != nil {
		return fmt.Errorf("delete session %q: %w", id, err)
	}
	defer tl.Unlock()

	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("delete session %q: %w", id, err)
	}
	hadMessages := fi.Size() > 0
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("delete session %q: %w", id, err)
	}
	if err := atomicfile.SyncDir(s.sessionsDir()); err != nil {
		return fmt.Errorf("delete session %q: %w", id, err)
	}
	var indexed bool
	err = s.withIndex(func(ix *indexFile) (bool, error) {
		_, indexed = ix.Sessions[id]
		delete(ix.Sessions, id)
		return indexed, nil
	})
	if err != nil {
		return fmt.Errorf("delete session %q: update index: %w", id, err)
	}
	if !indexed && !hadMessages {
		return fmt.Errorf("session %q: %w", id, ErrNotFound)
	}
	return nil
}
