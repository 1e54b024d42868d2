package memory

import (
	"crypto/sha256"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/internal/clip"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// Source values. A memory's source says where it came from: SourceAgent (the
// memory_store tool), SourceAPI (the library or CLI), "file:<path>" (the file
// indexer; a clean path relative to the workspace's files, at most 1024
// bytes of UTF-8 without control characters) or "session:<id>" (the session
// indexer; a session id).
const (
	SourceAgent         = "agent"
	SourceAPI           = "api"
	SourceFilePrefix    = "file:"
	SourceSessionPrefix = "session:"
)

// Memory is one stored memory.
type Memory struct {
	ID        int64     `json:"id"`                  // positive, never reused in a store
	Text      string    `json:"text"`                // as stored
	Source    string    `json:"source"`              // see SourceAgent
	Tags      []string  `json:"tags,omitempty"`      // as stored, duplicates removed
	Evergreen bool      `json:"evergreen,omitempty"` // exempt from temporal decay
	Created   time.Time `json:"created"`             // UTC, millisecond precision
	Updated   time.Time `json:"updated"`             // last text change; temporal decay counts from it
	// Model is the embedding model of the memory's vector ("" when it has
	// none); see embedding.Embedder.Model.
	Model string `json:"model,omitempty"`
}

// NewMemory is a memory to store.
type NewMemory struct {
	Text      string   // 1 byte to Limits.MaxMemoryBytes of UTF-8, not only white space
	Source    string   // default SourceAPI
	Tags      []string // at most Limits.MaxTags, each 1 to Limits.MaxTagBytes bytes, without control characters
	Evergreen bool     // exempt from temporal decay
}

// blank reports whether s shows nothing: every rune is invisible (see
// invisible).
func blank(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !invisible(r) }) < 0
}

// invisible reports whether r draws nothing by itself: white space, a
// control character (Cc), a format character (Cf: zero-width space and
// joiners, the byte order mark, direction marks, tags), another
// default-ignorable code point (Hangul fillers, the combining grapheme
// joiner; Unicode's Other_Default_Ignorable_Code_Point), a variation
// selector, a noncharacter (U+FFFF, U+FDD0…) or the blank braille pattern
// U+2800 (UAX #44, PropList.txt).
func invisible(r rune) bool {
	return unicode.IsSpace(r) || r == '\u2800' ||
		unicode.In(r, unicode.Cc, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector, unicode.Noncharacter_Code_Point)
}

// normalize validates m against the limits, fills the default source and
// removes duplicate tags. Errors wrap ErrInvalid.
func (m *NewMemory) normalize(l Limits) error {
	switch {
	case blank(m.Text):
		return fmt.Errorf("%w: empty text (nothing but white space or invisible characters)", ErrInvalid)
	case len(m.Text) > l.MaxMemoryBytes:
		return fmt.Errorf("%w: text of %d bytes exceeds the %d-byte limit", ErrInvalid, len(m.Text), l.MaxMemoryBytes)
	case !utf8.ValidString(m.Text):
		return fmt.Errorf("%w: text is not valid UTF-8", ErrInvalid)
	}
	if m.Source == "" {
		m.Source = SourceAPI
	}
	if err := validSource(m.Source); err != nil {
		return err
	}
	if len(m.Tags) > l.MaxTags {
		return fmt.Errorf("%w: %d tags exceed the limit of %d", ErrInvalid, len(m.Tags), l.MaxTags)
	}
	var tags []string
	for _, t := range m.Tags {
		if blank(t) || len(t) > l.MaxTagBytes || !utf8.ValidString(t) || strings.IndexFunc(t, unicode.IsControl) >= 0 {
			return fmt.Errorf("%w: tag %q: want 1-%d bytes of UTF-8, not all invisible, without control characters", ErrInvalid, clip.Runes(t, maxEcho), l.MaxTagBytes)
		}
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	m.Tags = tags
	return nil
}

// validSource checks a source against the forms listed at SourceAgent; the
// path of a file source is at most 1024 bytes of UTF-8 without control
// characters.
func validSource(src string) error {
	switch {
	case src == SourceAgent || src == SourceAPI:
		return nil
	case strings.HasPrefix(src, SourceSessionPrefix):
		if err := ids.Validate("session", strings.TrimPrefix(src, SourceSessionPrefix)); err != nil {
			return fmt.Errorf("%w: source %q: %w", ErrInvalid, clip.Runes(src, maxEcho), err)
		}
		return nil
	case strings.HasPrefix(src, SourceFilePrefix):
		p := strings.TrimPrefix(src, SourceFilePrefix)
		if p == "" || len(p) > 1024 || !utf8.ValidString(p) || strings.IndexFunc(p, unicode.IsControl) >= 0 ||
			path.IsAbs(p) || path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../") {
			return fmt.Errorf("%w: source %q: want file:<clean relative path of at most 1024 bytes of UTF-8 without control characters>", ErrInvalid, clip.Runes(src, maxEcho))
		}
		return nil
	}
	return fmt.Errorf("%w: source %q: want %q, %q, %q<path> or %q<id>", ErrInvalid, clip.Runes(src, maxEcho), SourceAgent, SourceAPI, SourceFilePrefix, SourceSessionPrefix)
}

// maxEcho is how many characters of its input an error message repeats:
// errors reach the model and the logs, so input is clipped (clip.Runes).
const maxEcho = 64

// contentHash identifies a text for the embedding cache and change
// detection: SHA-256 of the text.
func contentHash(text string) []byte {
	h := sha256.Sum256([]byte(text))
	return h[:]
}

// fromMillis converts a stored time (Unix milliseconds) to UTC.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
