package memory

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
	"github.com/bulkhead-dev/bulkhead/sessions"
)

// prefixCheckBytes is how much of a transcript's start is hashed to notice
// that a session id now names a different transcript.
const prefixCheckBytes = 4096

// SessionIndexStats reports what IndexSessions did.
type SessionIndexStats struct {
	Sessions   int        `json:"sessions"`   // transcripts found
	Turns      int        `json:"turns"`      // finished turns indexed by this call
	Memories   int        `json:"memories"`   // memories written
	Skipped    int        `json:"skipped"`    // undecodable lines passed over
	Embeddings EmbedStats `json:"embeddings"` // of the memories written
}

// IndexSessions indexes the finished turns of every transcript (<id>.jsonl)
// in sessionsDir that were not indexed before, so that a later session can
// find what an earlier one said. A missing sessionsDir counts as no
// transcripts; a transcript that fails does not stop the others, and the
// errors are joined.
//
// # Notes
//
//   - A turn is a user message with text and what follows it up to the
//     assistant message that calls no tool; its user and assistant text
//     (not tool calls or results) becomes one memory (more when long) with
//     source "session:<id>", dated by the turn's last message.
//   - Progress is the byte offset after the last indexed turn, stored with
//     the turn's memories in one transaction, so each turn is indexed
//     exactly once even across crashes.
//   - Lines after it wait for the next call: an unfinished turn, a torn last
//     line without its newline, or a record of a newer format version (for
//     a newer build).
//   - A transcript that shrank or whose start changed (the session was
//     deleted and recreated) is indexed again from the start, replacing its
//     memories.
func (s *Store) IndexSessions(ctx context.Context, sessionsDir string) (_ SessionIndexStats, err error) {
	if err := s.begin(); err != nil {
		return SessionIndexStats{}, err
	}
	defer s.end(&err)
	var st SessionIndexStats
	entries, err := os.ReadDir(sessionsDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return st, fmt.Errorf("index sessions: %w", err)
	}
	var errs []error
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".jsonl")
		if !ok || ids.Validate("session", id) != nil || !e.Type().IsRegular() {
			continue
		}
		st.Sessions++
		if err := s.indexSession(ctx, filepath.Join(sessionsDir, e.Name()), id, &st); err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
	}
	return st, errors.Join(errs...)
}

// indexSession indexes the new finished turns of one transcript.
func (s *Store) indexSession(ctx context.Context, file, id string, st *SessionIndexStats) error {
	src := SourceSessionPrefix + id
	f, err := os.OpenFile(file, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("index session %s: %w", id, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("index session %s: %w", id, err)
	}
	var pos int64
	var oldHash []byte
	err = s.db.QueryRowContext(ctx, `SELECT position, hash FROM index_state WHERE source = ?`, src).Scan(&pos, &oldHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("index session %s: %w", id, err)
	}
	restart := pos > fi.Size()
	if !restart && pos > 0 {
		h, err := hashPrefix(f, pos)
		if err != nil {
			return fmt.Errorf("index session %s: %w", id, err)
		}
		restart = !bytes.Equal(h, oldHash)
	}
	if restart {
		pos = 0
	}
	if _, err := f.Seek(pos, io.SeekStart); err != nil {
		return fmt.Errorf("index session %s: %w", id, err)
	}
	turns, end, skipped, err := readTurns(f, pos)
	st.Skipped += skipped
	if err != nil {
		return fmt.Errorf("index session %s: %w", id, err)
	}
	if len(turns) == 0 && !restart && end == pos {
		return nil
	}
	var ms []NewMemory
	var at []time.Time
	for _, t := range turns {
		for _, c := range chunkMarkdown(t.text, DefaultChunkChars) {
			m := NewMemory{Text: c, Source: src}
			if m.normalize(s.opts.Limits) == nil {
				ms = append(ms, m)
				at = append(at, t.time)
			}
		}
	}
	texts := make([]string, len(ms))
	for i, m := range ms {
		texts[i] = m.Text
	}
	e := s.embedDocuments(ctx, texts)
	hash, err := hashPrefix(f, end)
	if err != nil {
		return fmt.Errorf("index session %s: %w", id, err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if restart {
			if err := s.deleteSource(ctx, tx, src); err != nil {
				return err
			}
		}
		if _, err := s.insert(ctx, tx, ms, e, at); err != nil {
			return err
		}
		return setIndexState(ctx, tx, src, end, hash)
	})
	if err != nil {
		return fmt.Errorf("index session %s: %w", id, err)
	}
	st.Turns += len(turns)
	st.Memories += len(ms)
	st.Embeddings = st.Embeddings.Add(e.stats)
	return nil
}

// hashPrefix returns the SHA-256 of the transcript's first
// min(n, prefixCheckBytes) bytes; transcripts only grow, so it stays the same
// while the session does.
func hashPrefix(f *os.File, n int64) ([]byte, error) {
	buf := make([]byte, min(n, prefixCheckBytes))
	if _, err := f.ReadAt(buf, 0); err != nil {
		return nil, err
	}
	return contentHash(string(buf)), nil
}

// turn is one finished turn of a transcript.
type turn struct {
	text string
	time time.Time
}

// readTurns reads the transcript r, positioned at byte offset start, and
// returns its finished turns (a user message and the assistant's answers,
// up to an answer without tool calls) and the offset just after the last
// of them. What sessions.Scan passes over is counted in skipped; it stops
// at an unfinished turn, a torn last line and a line of a newer format.
func readTurns(r io.Reader, start int64) (turns []turn, end int64, skipped int, err error) {
	end = start
	var user, assistant []string
	open := false
	skipped, err = sessions.Scan(r, start, 0, func(e sessions.Entry) bool {
		m := e.Message
		switch {
		case m.Role == chat.RoleUser && m.Text() != "":
			user, assistant, open = []string{m.Text()}, nil, true
		case m.Role == chat.RoleAssistant:
			if t := m.Text(); t != "" {
				assistant = append(assistant, t)
			}
			open = true
			if len(m.ToolUses()) == 0 {
				if text := turnText(user, assistant); text != "" {
					turns = append(turns, turn{text: text, time: e.Time})
				}
				user, assistant, open = nil, nil, false
			}
		}
		if !open {
			end = e.End
		}
		return true
	})
	return turns, end, skipped, err
}

// turnText renders a turn as "User: …\n\nAssistant: …".
func turnText(user, assistant []string) string {
	var parts []string
	if u := strings.TrimSpace(strings.Join(user, "\n")); u != "" {
		parts = append(parts, "User: "+u)
	}
	if a := strings.TrimSpace(strings.Join(assistant, "\n")); a != "" {
		parts = append(parts, "Assistant: "+a)
	}
	return strings.Join(parts, "\n\n")
}
