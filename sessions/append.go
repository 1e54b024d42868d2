package sessions

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/atomicfile"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// Append adds msgs to the transcript of session id, creating the session if
// needed, stamped with the current time and model (which may be empty), and
// then updates the session's index entry. With no msgs it only validates id.
//
// The lines are written with one write(2) on an O_APPEND descriptor and
// fsynced before the index is touched, so an Append that returns nil
// survives a crash. Before writing, a torn final line left by an earlier
// crash is truncated. Append holds the transcript's lock while it works, so
// concurrent Appends to one session, from any process, never interleave
// lines.
//
// Errors: an invalid id; ErrMessageTooLarge or an invalid role, before
// anything is written; a *CorruptError when the final line comes from a
// newer format version; lock timeouts (Limits.LockTimeout) and I/O errors.
// An error from the index update means the messages are already in the
// transcript; the next Append or index rebuild counts them.
func (s *Store) Append(id string, model string, msgs ...chat.Message) error {
	return s.append(id, "", model, msgs)
}

// AppendFrom is Append for the session of a subagent that a run of
// session parent started: parent is recorded in the lines' records (so an
// index rebuild finds it) and in the index (Info.Parent). Errors as
// Append, and an invalid parent id.
func (s *Store) AppendFrom(id, parent, model string, msgs ...chat.Message) error {
	if err := ids.Validate("session", parent); err != nil {
		return fmt.Errorf("parent: %w", err)
	}
	return s.append(id, parent, model, msgs)
}

func (s *Store) append(id, parent, model string, msgs []chat.Message) error {
	if err := ids.Validate("session", id); err != nil {
		return err
	}
	recs := make([]record, len(msgs))
	for i, m := range msgs {
		recs[i] = record{Message: m}
	}
	return s.write(id, parent, model, recs)
}

// write appends recs to the transcript of session id, stamped with the
// current time, model and parent, and updates its index entry (see
// Append). A transcript must exist already for a compaction record.
func (s *Store) write(id, parent, model string, recs []record) error {
	if len(recs) == 0 {
		return nil
	}
	now := time.Now().UTC()
	var data []byte
	messages, compacts := 0, false
	for i, r := range recs {
		r.Time, r.Model, r.Parent = now, model, parent
		b, err := encodeLine(r, s.limits.MaxMessageBytes, s.limits.MaxLineBytes)
		if err != nil {
			return fmt.Errorf("append to session %q: message %d: %w", id, i, err)
		}
		data = append(data, b...)
		if r.Compaction == nil {
			messages++
		} else {
			compacts = true
		}
	}

	path := s.transcriptPath(id)
	if _, err := os.Lstat(path); compacts && errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("append to session %q: %w", id, ErrNotFound)
	}
	fl, err := s.acquireTimeout(path)
	if err != nil {
		return fmt.Errorf("append to session %q: %w", id, err)
	}
	defer fl.Unlock()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, filePerm)
	if err != nil {
		return fmt.Errorf("append to session %q: %w", id, err)
	}
	defer f.Close()
	pre, err := s.repairTail(f)
	if err != nil {
		return fmt.Errorf("append to session %q: %w", id, err)
	}
	if compacts {
		sum, err := summarize(io.NewSectionReader(f, 0, pre), s.limits.MaxLineBytes)
		if err != nil {
			return fmt.Errorf("append to session %q: %w", id, err)
		}
		if err := checkCompactions(recs, sum.messages); err != nil {
			return fmt.Errorf("append to session %q: %w", id, err)
		}
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("append to session %q: %w", id, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("append to session %q: fsync: %w", id, err)
	}
	if pre == 0 {
		if err := atomicfile.SyncDir(s.sessionsDir()); err != nil {
			return fmt.Errorf("append to session %q: %w", id, err)
		}
	}
	post := pre + int64(len(data))

	err = s.withIndex(func(ix *indexFile) (bool, error) {
		e, ok := ix.Sessions[id]
		switch {
		case ok && e.Size == post: // a rebuild just counted these lines
		case ok && e.Size == pre:
			e.Messages += messages
		default:
			sum, err := summarize(io.NewSectionReader(f, 0, post), s.limits.MaxLineBytes)
			if err != nil {
				return false, err
			}
			e.Messages = sum.messages
			if !ok {
				e.Created = sum.first
			}
		}
		e.Size = post
		e.Updated = now
		if e.Parent == "" {
			e.Parent = parent
		}
		if model != "" {
			e.Model = model
		}
		ix.Sessions[id] = e
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("append to session %q: update index: %w", id, err)
	}
	return nil
}

// repairTail truncates a torn final line from f (see tornTail) and returns
// f's resulting size.
func (s *Store) repairTail(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := fi.Size()
	cut, err := tornTail(f, size, s.limits.MaxLineBytes)
	if err != nil {
		if ce := (*CorruptError)(nil); errors.As(err, &ce) {
			ce.Path = f.Name()
		}
		return 0, err
	}
	if cut == size {
		return size, nil
	}
	if err := f.Truncate(cut); err != nil {
		return 0, fmt.Errorf("truncate torn tail: %w", err)
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("truncate torn tail: fsync: %w", err)
	}
	return cut, nil
}
