package sessions

import (
	"errors"
	"fmt"
	"os"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// Load returns the messages of session id in the order they were appended.
// A session with no transcript has an empty history: Load returns nil
// messages and no error (use Get to tell whether a session exists).
//
// A torn final line (see the package documentation) is skipped and
// described by the one Warning returned; the messages before it are
// returned. Any other invalid line, or a line longer than
// Limits.MaxLineBytes before the final one, fails with a *CorruptError
// naming the line.
func (s *Store) Load(id string) ([]chat.Message, []Warning, error) {
	if err := ids.Validate("session", id); err != nil {
		return nil, nil, err
	}
	f, err := os.Open(s.transcriptPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load session %q: %w", id, err)
	}
	defer f.Close()
	recs, warns, err := readTranscript(f, s.limits.MaxLineBytes)
	if err != nil {
		if ce := (*CorruptError)(nil); errors.As(err, &ce) {
			ce.Path = f.Name()
			return nil, nil, ce
		}
		return nil, nil, fmt.Errorf("load session %q: %w", id, err)
	}
	msgs := make([]chat.Message, len(recs))
	for i, r := range recs {
		msgs[i] = r.Message
	}
	return msgs, warns, nil
}
