package sessions

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/atomicfile"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// indexVersion is the version of sessions.json this package writes and
// reads.
const indexVersion = 1

// indexFile is the JSON shape of sessions.json:
//
//	{"version":1,"sessions":{"<id>":{"model":"m","created":"…","updated":"…","messages":3,"size":912}}}
type indexFile struct {
	Version  int              `json:"version"`
	Sessions map[string]entry `json:"sessions"`
}

// entry is the index record of one session. Size is the length in bytes of
// the transcript prefix that Messages counts; Append compares it with the
// transcript to detect a stale count.
type entry struct {
	Model    string    `json:"model,omitempty"`
	Parent   string    `json:"parent,omitempty"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Messages int       `json:"messages"`
	Size     int64     `json:"size"`
}

// withIndex runs fn on the index while holding the index lock, rebuilding
// the index first when sessions.json is missing or corrupt. The index is
// written back when fn reports a change or it was rebuilt.
func (s *Store) withIndex(fn func(ix *indexFile) (changed bool, err error)) error {
	fl, err := s.acquireTimeout(s.indexLockPath())
	if err != nil {
		return fmt.Errorf("session index: %w", err)
	}
	defer fl.Unlock()
	ix, rebuilt, err := s.readIndex()
	if err != nil {
		return err
	}
	changed, err := fn(ix)
	if err != nil {
		return err
	}
	if !changed && !rebuilt {
		return nil
	}
	data, err := json.MarshalIndent(ix, "", "  ")
	if err != nil {
		return fmt.Errorf("encode session index: %w", err)
	}
	return atomicfile.WriteFile(s.indexPath(), append(data, '\n'), filePerm)
}

// readIndex reads sessions.json, or rebuilds it from the transcripts (and
// reports rebuilt) when it is missing, not valid JSON, or holds an invalid
// session id. An index from a newer version is an error.
func (s *Store) readIndex() (ix *indexFile, rebuilt bool, err error) {
	data, err := os.ReadFile(s.indexPath())
	if errors.Is(err, os.ErrNotExist) {
		ix, err := s.rebuildIndex()
		return ix, true, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("read session index: %w", err)
	}
	ix = &indexFile{}
	if json.Unmarshal(data, ix) != nil || ix.Version < indexVersion || !validKeys(ix.Sessions) {
		ix, err := s.rebuildIndex()
		return ix, true, err
	}
	if ix.Version > indexVersion {
		return nil, false, fmt.Errorf("read session index %s: version %d, this build reads %d", s.indexPath(), ix.Version, indexVersion)
	}
	if ix.Sessions == nil {
		ix.Sessions = map[string]entry{}
	}
	return ix, false, nil
}

func validKeys(m map[string]entry) bool {
	for id := range m {
		if ids.Validate("session", id) != nil {
			return false
		}
	}
	return true
}

// rebuildIndex builds an index from the transcripts in sessions/, as the
// package documentation describes under "Crashes and recovery".
func (s *Store) rebuildIndex() (*indexFile, error) {
	des, err := os.ReadDir(s.sessionsDir())
	if err != nil {
		return nil, fmt.Errorf("rebuild session index: %w", err)
	}
	ix := &indexFile{Version: indexVersion, Sessions: map[string]entry{}}
	for _, de := range des {
		id, ok := strings.CutSuffix(de.Name(), transcriptSuffix)
		if !ok || !de.Type().IsRegular() || ids.Validate("session", id) != nil {
			continue
		}
		e, err := s.scanEntry(id)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted since ReadDir
		}
		if err != nil {
			return nil, fmt.Errorf("rebuild session index: %w", err)
		}
		ix.Sessions[id] = e
	}
	return ix, nil
}

// scanEntry builds the index entry of one transcript from its content.
func (s *Store) scanEntry(id string) (entry, error) {
	f, err := os.Open(s.transcriptPath(id))
	if err != nil {
		return entry{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return entry{}, err
	}
	sum, err := summarize(f, s.limits.MaxLineBytes)
	if err != nil {
		return entry{}, fmt.Errorf("%s: %w", f.Name(), err)
	}
	e := entry{Model: sum.model, Parent: sum.parent, Created: sum.first, Updated: sum.last, Messages: sum.messages, Size: sum.end}
	if sum.messages == 0 {
		e.Created = fi.ModTime().UTC()
		e.Updated = e.Created
	}
	return e, nil
}
