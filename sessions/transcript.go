package sessions

import (
	"errors"
	"fmt"
	"os"

	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// Transcript opens the transcript of session id for reading, as stored
// (see the package documentation, "Transcript format"), for exports and
// backups; Scan reads its entries. Errors: an invalid id; ErrNotFound
// when the session has no transcript; open errors.
//
// # Notes
//
//   - A run appending to the session meanwhile may leave an incomplete
//     last line in what is read; Scan stops before it.
func (s *Store) Transcript(id string) (*os.File, error) {
	if err := ids.Validate("session", id); err != nil {
		return nil, err
	}
	f, err := os.Open(s.transcriptPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("session %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("session %q: %w", id, err)
	}
	return f, nil
}
