package sessions

import (
	"errors"
	"fmt"
	"os"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// Load returns the messages of session id in the order they were appended,
// with the latest compaction applied: when the session was compacted (see
// Compaction), the summary comes first, followed by the messages after
// the ones it replaces. A session with no transcript and no index entry
// has an empty history: Load returns nil messages and no error (use Get to
// tell whether a session exists).
//
// A torn final line (see the package documentation) is skipped and
// described by the one Warning returned; the messages before it are
// returned. Any other invalid line, or a line longer than
// Limits.MaxLineBytes before the final one, fails with a *CorruptError
// naming the line. A transcript shorter than the index's record of it
// (emptied, cut or removed while the index counts its messages) fails
// with an error wrapping ErrTruncated. See LoadHistory for the compaction
// itself.
func (s *Store) Load(id string) ([]chat.Message, []Warning, error) {
	h, warns, err := s.LoadHistory(id)
	return h.Messages, warns, err
}

// load reads every record of session id's transcript (see Load).
func (s *Store) load(id string) ([]record, []Warning, error) {
	if err := ids.Validate("session", id); err != nil {
		return nil, nil, err
	}
	// The index first: appends grow the transcript before the index, so
	// a transcript read after it is never shorter than it records.
	indexed, err := s.indexedSize(id)
	if err != nil {
		return nil, nil, fmt.Errorf("load session %q: %w", id, err)
	}
	f, err := os.Open(s.transcriptPath(id))
	if errors.Is(err, os.ErrNotExist) {
		if indexed.Messages > 0 {
			return nil, nil, s.truncated(id, 0, indexed)
		}
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load session %q: %w", id, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() < indexed.Size {
		return nil, nil, s.truncated(id, fi.Size(), indexed)
	}
	recs, warns, err := readTranscript(f, s.limits.MaxLineBytes)
	if err != nil {
		if ce := (*CorruptError)(nil); errors.As(err, &ce) {
			ce.Path = f.Name()
			return nil, nil, ce
		}
		return nil, nil, fmt.Errorf("load session %q: %w", id, err)
	}
	return recs, warns, nil
}

// indexedSize returns the index entry of session id (zero when it has
// none).
func (s *Store) indexedSize(id string) (entry, error) {
	var e entry
	err := s.withIndex(func(ix *indexFile) (bool, error) {
		e = ix.Sessions[id]
		return false, nil
	})
	return e, err
}

// truncated is Load's ErrTruncated error for a transcript of size bytes
// whose index entry is e.
func (s *Store) truncated(id string, size int64, e entry) error {
	return fmt.Errorf("load session %q: %w: %s holds %d bytes, the index recorded %d bytes and %d messages; "+
		"restore the file from a backup, or delete the session", id, ErrTruncated, s.transcriptPath(id), size, e.Size, e.Messages)
}
