package sessions

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// Info describes a session as recorded in the index.
type Info struct {
	ID       string    `json:"id"`
	Model    string    `json:"model,omitempty"` // model named by the last Append that named one
	Created  time.Time `json:"created"`         // time of the first message, UTC
	Updated  time.Time `json:"updated"`         // time of the last message, UTC
	Messages int       `json:"messages"`        // messages in the transcript
	// Parent is the session whose run started this one as a subagent
	// (AppendFrom), empty for others.
	Parent string `json:"parent,omitempty"`
}

// List returns every session of the workspace, most recently updated first
// (ties by ID). It rebuilds sessions.json from the transcripts when it is
// missing or corrupt.
func (s *Store) List() ([]Info, error) {
	var out []Info
	err := s.withIndex(func(ix *indexFile) (bool, error) {
		for id, e := range ix.Sessions {
			out = append(out, e.info(id))
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Info) int {
		if c := b.Updated.Compare(a.Updated); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Get returns the index entry of session id, or an error wrapping
// ErrNotFound.
func (s *Store) Get(id string) (Info, error) {
	if err := ids.Validate("session", id); err != nil {
		return Info{}, err
	}
	var info Info
	var found bool
	err := s.withIndex(func(ix *indexFile) (bool, error) {
		var e entry
		e, found = ix.Sessions[id]
		info = e.info(id)
		return false, nil
	})
	if err != nil {
		return Info{}, err
	}
	if !found {
		return Info{}, fmt.Errorf("session %q: %w", id, ErrNotFound)
	}
	return info, nil
}

func (e entry) info(id string) Info {
	return Info{ID: id, Model: e.Model, Parent: e.Parent, Created: e.Created, Updated: e.Updated, Messages: e.Messages}
}
