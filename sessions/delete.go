package sessions

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/bulkhead-dev/bulkhead/internal/atomicfile"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// Delete removes session id: its transcript, its index entry and its lock
// file. It fails with ErrLocked, without changing anything, while the
// session lock is held (by any process, including this one), and with
// ErrNotFound when the session has neither an index entry nor a non-empty
// transcript.
//
// The transcript is removed before the index entry, so a crash in between
// leaves an entry without messages, which a second Delete removes.
func (s *Store) Delete(id string) error {
	if err := ids.Validate("session", id); err != nil {
		return err
	}
	sl, err := acquire(context.Background(), s.sessionLockPath(id), false)
	if err != nil {
		return fmt.Errorf("delete session %q: %w", id, err)
	}
	defer sl.Unlock()
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
	if err := os.Remove(s.sessionLockPath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("delete session %q: %w", id, err)
	}
	if !indexed && !hadMessages {
		return fmt.Errorf("session %q: %w", id, ErrNotFound)
	}
	return nil
}
