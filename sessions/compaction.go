package sessions

import (
	"errors"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// Compaction is a compaction record of a transcript: a summary that stands
// for the transcript's first Replaced messages, so that a long session fits
// its model's context window. The messages it replaces stay on disk;
// LoadHistory and Load return the history with the latest compaction
// applied.
//
// JSON (the "compaction" of a version 2 record): {"replaced","summary",
// "tokens_before","tokens_after","provider","model","usage"}.
//
// # Notes
//
//   - Replaced counts message records from the start of the transcript,
//     whatever compactions came before: the latest compaction alone gives
//     the history, so a summary must cover the summaries it replaces.
//   - TokensBefore and TokensAfter are the caller's estimates of the
//     history's size before and after (informational); Provider, Model and
//     Usage name the model call that wrote the summary.
type Compaction struct {
	Replaced     int          `json:"replaced"`
	Summary      chat.Message `json:"summary"`
	TokensBefore int          `json:"tokens_before,omitempty"`
	TokensAfter  int          `json:"tokens_after,omitempty"`
	Provider     string       `json:"provider,omitempty"`
	Model        string       `json:"model,omitempty"`
	Usage        chat.Usage   `json:"usage"`
}

// validate checks what a compaction record needs: a positive count and a
// user message with content as the summary.
func (c *Compaction) validate() error {
	switch {
	case c.Replaced < 1:
		return fmt.Errorf("compaction replaces %d messages, want at least 1", c.Replaced)
	case c.Summary.Role != chat.RoleUser:
		return fmt.Errorf("compaction summary has role %q, want %q", c.Summary.Role, chat.RoleUser)
	case len(c.Summary.Content) == 0:
		return errors.New("compaction summary is empty")
	}
	return nil
}

// History is a session's history as LoadHistory returns it.
type History struct {
	// Messages is the history a model continues: with a compaction, its
	// summary followed by the messages after the Replaced ones, in the
	// order they were appended; else every message. Adjacent messages of
	// one role are not merged (see chat.Coalesce).
	Messages []chat.Message
	// Compaction is the latest compaction record, applied to Messages;
	// nil when the session was never compacted.
	Compaction *Compaction
	// Stored is the number of message records in the transcript,
	// compacted ones included.
	Stored int
}

// LoadHistory is Load with what a caller needs to compact the history
// again: the compaction applied and the number of stored messages. Errors
// as Load, and a *CorruptError for a compaction record that replaces more
// messages than precede it.
func (s *Store) LoadHistory(id string) (History, []Warning, error) {
	recs, warns, err := s.load(id)
	if err != nil {
		return History{}, nil, err
	}
	var h History
	var msgs []chat.Message
	for _, r := range recs {
		if r.Compaction != nil {
			h.Compaction = r.Compaction
			continue
		}
		msgs = append(msgs, r.Message)
	}
	h.Stored = len(msgs)
	h.Messages = msgs
	if c := h.Compaction; c != nil {
		h.Messages = append([]chat.Message{c.Summary}, msgs[c.Replaced:]...)
	}
	return h, warns, nil
}

// AppendCompaction adds compaction c to the transcript of session id, as
// one version 2 record (see the package documentation, "Transcript
// format"), with Append's guarantees: one write, fsynced, the torn tail
// of an earlier crash removed first. The index counts messages only, so
// its count is unchanged. Errors: an invalid id; an invalid compaction
// (Replaced below 1, a summary that is not a user message with content);
// a compaction replacing more messages than the transcript holds;
// ErrNotFound for a session without a transcript; Append's errors.
func (s *Store) AppendCompaction(id string, c Compaction) error {
	if err := ids.Validate("session", id); err != nil {
		return err
	}
	return s.write(id, "", "", []record{{Compaction: &c}})
}

// checkCompactions fails when a compaction of recs, to be appended after
// a transcript of stored messages, replaces more messages than precede
// it.
func checkCompactions(recs []record, stored int) error {
	for _, r := range recs {
		if r.Compaction == nil {
			stored++
			continue
		}
		if r.Compaction.Replaced > stored {
			return fmt.Errorf("compaction replaces %d messages, the transcript holds %d", r.Compaction.Replaced, stored)
		}
	}
	return nil
}
